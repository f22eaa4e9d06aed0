/** Store contract: what waits per connector (for the metrics), and the store's size. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { attempt, claim, dead, DELIVERED, died, event, handedOver, pending, retrying, T0, withStore, type OpenFreshStore } from './contract-helpers.js';

export function backlogContract(openFresh: OpenFreshStore): void {
  it('counts unfinished, parked and dead deliveries per connector, with the acceptance of the oldest unfinished one', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([
        event('e1', [pending('r', 'crm'), pending('gone', 'erp'), dead('x', 'MAPPING_FAILED: no', 'erp')], T0 + 5),
        event('e2', [pending('p1', 'crm', T0 + 10), handedOver('i', T0 + 60_000), handedOver('held', T0 + 60_000), handedOver('ok', T0 + 60_000, 'ops')], T0 + 10),
        event('e3', [pending('p2', 'crm', T0 + 20), pending('bad', 'crm', T0 + 20)], T0 + 20),
      ]);
      assert.deepEqual((await claim(store, T0 + 5, 1)).map((d) => d.id), ['r']);
      await store.recordAttempt(attempt('r', 1, retrying(T0 + 9_000)));
      await store.recordAttempt(attempt('ok', 1, DELIVERED));
      await store.recordAttempt(attempt('i', 1, DELIVERED));
      await store.recordAttempt(attempt('bad', 1, died('TARGET_REJECTED', 400)));
      await store.reconcileConnectors(new Set(['crm', 'ops']), T0 + 30);

      const byConnector = Object.fromEntries((await store.backlog()).map(({ connector, ...rest }) => [connector, rest]));
      assert.deepEqual(byConnector, {
        crm: { pending: 2, inflight: 1, retrying: 1, parked: 0, dead: 1, discarded: 0, oldestWaitingAt: T0 + 5 },
        erp: { pending: 0, inflight: 0, retrying: 0, parked: 1, dead: 1, discarded: 0, oldestWaitingAt: null },
      }, 'ops delivered everything: nothing waits for it');
    }));

  it('follows the oldest waiting delivery as older ones finish, and back to a dead one that is retried', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [dead('x', 'MAPPING_FAILED: no')], T0 + 1)]);
      for (let i = 2; i <= 6; i++) await store.acceptEvents([event(`e${i}`, [handedOver(`d${i}`, T0 + 60_000)], T0 + i)]);
      const oldest = async () => [(await store.backlog())[0]?.oldestWaitingAt ?? null, await store.oldestUnfinishedAt()];
      assert.deepEqual(await oldest(), [T0 + 2, T0 + 2]);
      await store.recordAttempt(attempt('d3', 1, DELIVERED));
      await store.recordAttempt(attempt('d2', 1, DELIVERED));
      assert.deepEqual(await oldest(), [T0 + 4, T0 + 4]);
      await store.act('retry', ['x'], new Set(['crm']), T0 + 10);
      assert.deepEqual(await oldest(), [T0 + 1, T0 + 1]);
      for (const id of ['x', 'd4', 'd5', 'd6']) await store.recordAttempt(attempt(id, id === 'x' ? 2 : 1, DELIVERED));
      assert.deepEqual(await oldest(), [null, null]);
      await store.acceptEvents([event('e7', [pending('d7')], T0 + 7)]);
      assert.deepEqual(await oldest(), [T0 + 7, T0 + 7]);
    }));

  it('stops counting deliveries once they are delivered', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('a'), pending('b')], T0 + 1), event('e2', [pending('c')], T0 + 2)]);
      await claim(store, T0 + 100, 1);
      await store.recordAttempt(attempt('a', 1, DELIVERED));
      assert.deepEqual(await store.backlog(), [{ connector: 'crm', pending: 2, inflight: 0, retrying: 0, parked: 0, dead: 0, discarded: 0, oldestWaitingAt: T0 + 1 }]);
      await claim(store, T0 + 100, 10);
      assert.deepEqual(await store.backlog(), [{ connector: 'crm', pending: 0, inflight: 2, retrying: 0, parked: 0, dead: 0, discarded: 0, oldestWaitingAt: T0 + 1 }]);
      await store.recordAttempt(attempt('b', 1, DELIVERED));
      await store.recordAttempt(attempt('c', 1, DELIVERED));
      assert.deepEqual(await store.backlog(), []);
    }));
}
