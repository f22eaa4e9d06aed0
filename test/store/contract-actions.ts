/** Store contract: an operator's retry and discard, by id and by filter. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Store } from '../../engine/store/store.js';
import { attempt, claim, claimIds, CRM, dead, DELIVERED, died, event, idsIn, pending, retrying, stateOf, T0, withStore, type OpenFreshStore } from './contract-helpers.js';

const BOTH: ReadonlySet<string> = new Set(['crm', 'erp']);

/**
 * e1 (crm): d-rejected dead 400, d-when dead at ingest, d-ok delivered, d-exhausted dead after 2,
 * d-waiting retrying (due in a minute), d-new pending; e2: d-erp dead (erp), d-parked (parked:
 * connector gone).
 */
async function withEveryState(store: Store): Promise<void> {
  await store.acceptEvents([
    event('e1', [pending('d-rejected'), dead('d-when', 'MAPPING_FAILED: bad when'), pending('d-ok'), pending('d-exhausted'), pending('d-waiting'), pending('d-new', 'crm', T0 + 3_600_000)]),
    event('e2', [pending('d-erp', 'erp'), pending('d-parked', 'gone')]),
  ]);
  await store.recordAttempt(attempt('d-rejected', 1, died('TARGET_REJECTED', 400, 'HTTP 400')));
  await store.recordAttempt(attempt('d-ok', 1, DELIVERED));
  await store.recordAttempt(attempt('d-exhausted', 1, retrying(T0 + 1_000)));
  await store.recordAttempt(attempt('d-exhausted', 2, died('RETRIES_EXHAUSTED', 503, 'after 2 attempts')));
  await store.recordAttempt(attempt('d-waiting', 1, retrying(T0 + 60_000)));
  await store.recordAttempt(attempt('d-erp', 1, died('TARGET_REJECTED', 422)));
  assert.deepEqual((await store.reconcileConnectors(BOTH, T0)).parked, { gone: 1 });
}

export function actionsContract(openFresh: OpenFreshStore): void {
  it('retries a dead delivery with a fresh schedule and its history kept', () =>
    withStore(openFresh, async (store) => {
      await withEveryState(store);
      assert.deepEqual(await store.deliveryState('d-exhausted'), { state: 'dead', connector: 'crm' });
      assert.equal(await store.act('retry', ['d-exhausted'], CRM, T0 + 500), 1);
      const retried = await stateOf(store, 'e1', 'd-exhausted');
      assert.deepEqual([retried.state, retried.nextAttemptAt, retried.history.length], ['retrying', T0 + 500, 2]);
      assert.deepEqual((await claim(store, T0 + 500)).map((d) => [d.id, d.attempts, d.scheduleOffset]), [['d-exhausted', 2, 2]]);
      assert.equal(await store.deliveryState('missing'), undefined);
    }));

  it('retries a retrying delivery now, keeping its attempts and schedule, and resumes a parked one of a connector given', () =>
    withStore(openFresh, async (store) => {
      await withEveryState(store);
      assert.equal(await store.act('retry', ['d-waiting', 'd-parked'], new Set(['crm', 'gone']), T0 + 500), 2);
      assert.deepEqual((await claim(store, T0 + 500, 10, { connectors: new Set(['crm', 'gone']) })).map((d) => [d.id, d.attempts, d.scheduleOffset]), [
        ['d-waiting', 1, 0],
        ['d-parked', 0, 0],
      ]);
    }));

  it('leaves alone what a retry does not take: delivered, pending, and connectors not given', () =>
    withStore(openFresh, async (store) => {
      await withEveryState(store);
      assert.equal(await store.act('retry', ['d-ok', 'd-new', 'd-erp', 'd-parked', 'missing'], CRM, T0 + 500), 0);
      assert.deepEqual(await store.deliveryState('d-ok'), { state: 'delivered', connector: 'crm' });
      assert.equal((await stateOf(store, 'e1', 'd-new')).nextAttemptAt, T0 + 3_600_000);
      assert.deepEqual(await idsIn(store, 'dead'), ['d-rejected', 'd-when', 'd-exhausted', 'd-erp']);
      assert.deepEqual(await idsIn(store, 'parked'), ['d-parked']);
    }));

  it('discards dead, retrying and parked deliveries of any connector: never claimed, counted apart, not re-driven', () =>
    withStore(openFresh, async (store) => {
      await withEveryState(store);
      assert.equal(await store.act('discard', ['d-rejected', 'd-waiting', 'd-parked', 'd-ok', 'd-new'], null, T0 + 500), 3);
      assert.deepEqual(await idsIn(store, 'discarded'), ['d-rejected', 'd-waiting', 'd-parked']);
      const counts = await store.countByState();
      assert.deepEqual([counts.discarded, counts.dead, counts.retrying, counts.parked, counts.delivered, counts.pending], [3, 3, 0, 0, 1, 1]);
      assert.deepEqual(claimIds(await claim(store, T0 + 3_600_000, 100, { connectors: new Set(['crm', 'gone']) })), ['d-new']);
      assert.equal(await store.redrive('crm', T0 + 600), 1, 'only d-when, dead of MAPPING_FAILED; the discarded 400 stays');
      assert.deepEqual((await store.backlog()).find((b) => b.connector === 'crm')?.discarded, 2);
      assert.equal(await store.act('discard', ['d-rejected'], null, T0 + 700), 0, 'already discarded');
      assert.equal(await store.act('retry', ['d-rejected'], CRM, T0 + 700), 1, 'a discarded delivery can be retried by hand, with a fresh schedule');
      assert.deepEqual((await claim(store, T0 + 700)).map((d) => [d.id, d.scheduleOffset]), [
        ['d-when', 0],
        ['d-rejected', 1],
      ]);
    }));

  it('acts on every delivery matching a filter, only in the states the action takes and of the connectors given', () =>
    withStore(openFresh, async (store) => {
      await withEveryState(store);
      assert.equal(await store.actOnMatching('retry', { states: ['dead'], connectors: ['crm'] }, BOTH, T0 + 500), 3);
      assert.deepEqual(await idsIn(store, 'dead'), ['d-erp']);
      assert.equal(await store.actOnMatching('retry', { connectors: ['erp'] }, CRM, T0 + 500), 0, 'erp is not among the connectors');
      assert.equal(await store.actOnMatching('discard', { eventId: 'e2' }, null, T0 + 600), 2, 'dead d-erp and parked d-parked');
      assert.equal(await store.actOnMatching('discard', {}, null, T0 + 700), 4, 'd-rejected, d-when, d-exhausted (retrying now) and d-waiting');
      assert.deepEqual(await idsIn(store, 'discarded'), ['d-rejected', 'd-when', 'd-exhausted', 'd-waiting', 'd-erp', 'd-parked']);
    }));
}
