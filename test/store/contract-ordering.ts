/** Store contract: ordering keys in claims and key runs, giving held work back (requeue), response bodies, disabled connectors. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConnectorKey, NewDelivery, Store } from '../../engine/store/store.js';
import { attempt, claim, claimIds, DELIVERED, died, event, pending, retrying, stateOf, T0, withStore, type OpenFreshStore } from './contract-helpers.js';

function keyed(id: string, orderingKey: string | null, connector = 'crm', nextAttemptAt = T0): NewDelivery {
  return { ...pending(id, connector, nextAttemptAt), orderingKey };
}

const key = (orderingKey: string, connector = 'crm'): ConnectorKey => ({ connector, orderingKey });
const runsOf = (store: Store, now: number, keys: readonly ConnectorKey[], perKey: number) => store.claimKeyRuns({ now, leaseMs: 1_000, keys, perKey });

export function orderingContract(openFresh: OpenFreshStore): void {
  it('claims only the oldest unfinished delivery of each ordering key; other keys and unkeyed ones flow', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [keyed('a1', 'A'), keyed('b1', 'B')]), event('e2', [keyed('a2', 'A'), keyed('free', null)]), event('e3', [keyed('a3', 'A'), keyed('b2', 'B')])]);
      const first = await claim(store, T0);
      assert.deepEqual(claimIds(first), ['a1', 'b1', 'free']);
      assert.deepEqual(first.map((d) => d.orderingKey), ['A', 'B', null]);
      assert.deepEqual(claimIds(await claim(store, T0 + 1e9)), ['a1', 'b1', 'free'], 'expired leases: the heads again, never a2, a3 or b2');
    }));

  it('holds the later deliveries of a key behind a retrying head until it is delivered', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [keyed('a1', 'A'), keyed('b1', 'B')]), event('e2', [keyed('a2', 'A'), keyed('b2', 'B')])]);
      assert.deepEqual(claimIds(await claim(store, T0)), ['a1', 'b1']);
      await store.recordAttempt(attempt('a1', 1, retrying(T0 + 5_000)));
      await store.recordAttempt(attempt('b1', 1, DELIVERED));
      assert.deepEqual(claimIds(await claim(store, T0 + 10)), ['b2'], 'a2 waits behind a1, due later');
      await store.recordAttempt(attempt('b2', 1, DELIVERED));
      assert.deepEqual(claimIds(await claim(store, T0 + 5_000)), ['a1'], 'the head comes back first');
      await store.recordAttempt(attempt('a1', 2, DELIVERED));
      assert.deepEqual(claimIds(await claim(store, T0 + 5_000)), ['a2']);
    }));

  it('lets the next delivery of a key go once the head is dead, and keeps keys apart per connector', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [keyed('crm1', 'K', 'crm'), keyed('erp1', 'K', 'erp')]), event('e2', [keyed('crm2', 'K', 'crm'), keyed('erp2', 'K', 'erp')])]);
      const both = new Set(['crm', 'erp']);
      assert.deepEqual(claimIds(await claim(store, T0, 10, { connectors: both })), ['crm1', 'erp1']);
      await store.recordAttempt(attempt('crm1', 1, died('TARGET_REJECTED', 400)));
      assert.deepEqual(claimIds(await claim(store, T0, 10, { connectors: both })), ['crm2']);
    }));

  it('a skipped (held) head still blocks its key', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [keyed('a1', 'A')]), event('e2', [keyed('a2', 'A')])]);
      assert.deepEqual(await claim(store, T0, 10, { skip: new Set(['a1']) }), []);
    }));

  it("claims a key's run: its oldest unfinished delivery and those right behind it, in order, up to perKey, leased", () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([1, 2, 3, 4].map((n) => event(`e${n}`, [keyed(`a${n}`, 'A'), keyed(`b${n}`, 'B')])));
      const runs = await runsOf(store, T0, [key('B'), key('A')], 3);
      assert.deepEqual(claimIds(runs), ['b1', 'b2', 'b3', 'a1', 'a2', 'a3'], 'each key in order, keys in the order given');
      assert.deepEqual([...new Set(await Promise.all(claimIds(runs).map(async (id) => (await stateOf(store, `e${id.slice(1)}`, id)).state)))], ['inflight']);
      assert.deepEqual(await runsOf(store, T0, [key('A')], 3), [], 'a1 is leased: the key gives nothing, a4 included');
      assert.deepEqual(await claim(store, T0), [], "the sweep's claim takes none of them either");
      for (const n of [1, 2, 3]) await store.recordAttempt(attempt(`a${n}`, 1, DELIVERED));
      assert.deepEqual(claimIds(await runsOf(store, T0, [key('A')], 3)), ['a4']);
      assert.deepEqual(claimIds(await runsOf(store, T0 + 1e9, [key('B')], 10)), ['b1', 'b2', 'b3', 'b4'], 'expired leases are due again, from the oldest');
    }));

  it('ends a run before a delivery that is not due or is held, and gives nothing for a key whose oldest one is', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([
        event('e1', [keyed('a1', 'A'), keyed('b1', 'B', 'crm', T0 + 60_000), keyed('c1', 'C')]),
        event('e2', [keyed('a2', 'A', 'crm', T0 + 60_000), keyed('b2', 'B'), keyed('c2', 'C')]),
        event('e3', [keyed('a3', 'A'), keyed('c3', 'C')]),
      ]);
      const runs = await store.claimKeyRuns({ now: T0, leaseMs: 1_000, keys: [key('A'), key('B'), key('C')], perKey: 10, skip: new Set(['c2']) });
      assert.deepEqual(claimIds(runs), ['a1', 'c1']);
      await store.recordAttempt(attempt('a1', 1, retrying(T0 + 5_000)));
      assert.deepEqual(await runsOf(store, T0 + 10, [key('A')], 10), [], 'a retrying head due later blocks its key');
      assert.deepEqual(claimIds(await runsOf(store, T0 + 60_000, [key('A'), key('B')], 10)), ['a1', 'a2', 'a3', 'b1', 'b2']);
    }));

  it("keeps keys apart per connector in a run", () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [keyed('crm1', 'K', 'crm'), keyed('erp1', 'K', 'erp')]), event('e2', [keyed('crm2', 'K', 'crm'), keyed('erp2', 'K', 'erp')])]);
      assert.deepEqual(claimIds(await runsOf(store, T0, [{ connector: 'erp', orderingKey: 'K' }], 10)), ['erp1', 'erp2']);
    }));

  it('requeue gives held work back, due at the given time, pending when never attempted, attempts untouched', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('fresh', 'crm', T0 + 60_000), pending('tried'), pending('done')])]);
      assert.deepEqual(claimIds(await claim(store, T0)), ['tried', 'done']);
      await store.recordAttempt(attempt('tried', 1, retrying(T0 + 10)));
      assert.deepEqual(claimIds(await claim(store, T0 + 10)), ['tried']);
      await store.recordAttempt(attempt('done', 1, DELIVERED));
      const before = await stateOf(store, 'e1', 'tried');
      await store.requeue(['fresh', 'tried', 'done', 'unknown'], T0 + 30_000);
      const fresh = await stateOf(store, 'e1', 'fresh');
      assert.deepEqual([fresh.state, fresh.attempts, fresh.nextAttemptAt], ['pending', 0, T0 + 30_000]);
      assert.deepEqual(await stateOf(store, 'e1', 'tried'), { ...before, state: 'retrying', nextAttemptAt: T0 + 30_000 });
      assert.equal((await stateOf(store, 'e1', 'done')).state, 'delivered');
      assert.deepEqual(await claim(store, T0 + 29_999), []);
      assert.deepEqual(claimIds(await claim(store, T0 + 30_000)), ['fresh', 'tried']);
    }));

  it('keeps the response body of each attempt', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      const body = `{"error":"${'x'.repeat(4000)}"}`;
      await store.recordAttempt({ ...attempt('d1', 1, retrying(T0 + 10)), responseBody: body });
      await store.recordAttempt(attempt('d1', 2, DELIVERED));
      assert.deepEqual((await stateOf(store, 'e1', 'd1')).history.map((a) => a.responseBody), [body, null]);
    }));

  it('remembers disabled connectors until enabled again', () =>
    withStore(openFresh, async (store) => {
      assert.deepEqual(await store.disabledConnectors(), []);
      await store.setDisabled('crm', { revision: 'r1', since: T0, reason: 'gone' });
      await store.setDisabled('erp', { revision: 'r7', since: T0, reason: 'gone' });
      await store.setDisabled('crm', { revision: 'r2', since: T0 + 5, reason: 'gone again' });
      await store.setDisabled('erp', null);
      assert.deepEqual(await store.disabledConnectors(), [{ connector: 'crm', revision: 'r2', since: T0 + 5, reason: 'gone again' }]);
    }));
}
