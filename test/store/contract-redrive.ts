/** Store contract: the config revision and error code of each attempt, and re-driving dead deliveries. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  attempt,
  claim,
  claimIds,
  dead,
  DELIVERED,
  died,
  event,
  pending,
  retrying,
  stateOf,
  T0,
  withStore,
  type OpenFreshStore,
} from './contract-helpers.js';

const OLD_REVISION = '3f2a9c1b7d4e@abc1234';
const NEW_REVISION = '9d8e7f6a5b4c@def5678';

export function redriveContract(openFresh: OpenFreshStore): void {
  it('records the error code and config revision of each attempt in the history', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1'), pending('d2')])]);
      await store.recordAttempt(attempt('d1', 1, retrying(T0 + 1_000, 'TARGET_UNAVAILABLE: HTTP 503'), OLD_REVISION));
      await store.recordAttempt(attempt('d1', 2, DELIVERED, NEW_REVISION));
      await store.recordAttempt(attempt('d2', 1, died('MAPPING_FAILED', null, 'map gave no value'), NEW_REVISION));
      const history = async (id: string) => (await stateOf(store, 'e1', id)).history.map((a) => [a.attempt, a.errorCode, a.revision]);
      assert.deepEqual(await history('d1'), [
        [1, 'TARGET_UNAVAILABLE', OLD_REVISION],
        [2, null, NEW_REVISION],
      ]);
      assert.deepEqual(await history('d2'), [[1, 'MAPPING_FAILED', NEW_REVISION]]);
    }));

  it('re-drives only the dead deliveries of that connector that died of MAPPING_FAILED or TARGET_REJECTED', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([
        event('e1', [
          dead('when-failed', 'MAPPING_FAILED: total is not a number'),
          pending('map-failed'),
          pending('rejected'),
          pending('exhausted'),
          pending('unavailable'),
          pending('waiting'),
          pending('delivered'),
          dead('other-connector', 'MAPPING_FAILED: x', 'erp'),
        ]),
      ]);
      await store.recordAttempt(attempt('map-failed', 1, died('MAPPING_FAILED')));
      await store.recordAttempt(attempt('rejected', 1, retrying(T0 + 1_000)));
      await store.recordAttempt(attempt('rejected', 2, died('TARGET_REJECTED', 400, 'HTTP 400')));
      await store.recordAttempt(attempt('exhausted', 1, died('RETRIES_EXHAUSTED', 503, 'after 1 attempts')));
      await store.recordAttempt(attempt('unavailable', 1, died('TARGET_UNAVAILABLE', 503)));
      const rejectedButRetrying = { ...died('TARGET_REJECTED', 409), nextState: 'retrying', nextAttemptAt: T0 + 60_000 } as const;
      await store.recordAttempt(attempt('waiting', 1, rejectedButRetrying));
      await store.recordAttempt(attempt('delivered', 1, DELIVERED));
      const states = async () => Object.fromEntries((await store.getEvent('e1'))!.deliveries.map((d) => [d.id, [d.state, d.nextAttemptAt]]));
      const before = await states();
      assert.deepEqual(await claim(store, T0 + 50, 100, { connectors: new Set(['crm', 'erp']) }), []);

      assert.equal(await store.redrive('crm', T0 + 50), 3);
      assert.deepEqual(await states(), {
        ...before,
        'when-failed': ['retrying', T0 + 50],
        'map-failed': ['retrying', T0 + 50],
        rejected: ['retrying', T0 + 50],
      });
      const claimed = await claim(store, T0 + 50);
      assert.deepEqual(
        claimed.map((d) => [d.id, d.attempts, d.scheduleOffset]),
        [['when-failed', 0, 0], ['map-failed', 1, 1], ['rejected', 2, 2]],
      );
      assert.equal(await store.redrive('crm', T0 + 60), 0, 'nothing is dead any more');
      assert.equal(await store.redrive('erp', T0 + 60), 1);
    }));

  it('keeps the attempts and history of a re-driven delivery, and restarts its schedule at each redrive', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      await store.recordAttempt(attempt('d1', 1, retrying(T0 + 1_000)));
      await store.recordAttempt(attempt('d1', 2, died('TARGET_REJECTED', 422, 'HTTP 422')));
      const dead = await stateOf(store, 'e1', 'd1');
      assert.equal(await store.redrive('crm', T0 + 5_000), 1);
      assert.deepEqual(await stateOf(store, 'e1', 'd1'), { ...dead, state: 'retrying', nextAttemptAt: T0 + 5_000 });

      assert.deepEqual((await claim(store, T0 + 5_000)).map((d) => d.scheduleOffset), [2]);
      await store.recordAttempt(attempt('d1', 3, retrying(T0 + 6_000)));
      assert.deepEqual((await claim(store, T0 + 6_000)).map((d) => d.scheduleOffset), [2], 'a retry keeps the restarted schedule');
      await store.recordAttempt(attempt('d1', 4, died('MAPPING_FAILED')));
      assert.equal(await store.redrive('crm', T0 + 7_000), 1);
      const [again] = await claim(store, T0 + 7_000);
      assert.deepEqual([again?.attempts, again?.scheduleOffset], [4, 4]);
      assert.deepEqual((await stateOf(store, 'e1', 'd1')).history.map((a) => a.attempt), [1, 2, 3, 4]);
    }));

  it('stores the explicit error code of a dead new delivery instead of assuming MAPPING_FAILED', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([
        event('e1', [dead('explicit', 'TARGET_REJECTED: refused upstream', 'crm', 'TARGET_REJECTED'), dead('kept', 'x', 'crm', 'TARGET_UNAVAILABLE')]),
      ]);
      assert.equal(await store.redrive('crm', T0), 1);
      assert.deepEqual(claimIds(await claim(store, T0)), ['explicit']);
    }));
}
