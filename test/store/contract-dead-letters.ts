/** Store contract: listing dead deliveries a page at a time, and retrying them by hand. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Store } from '../../engine/store/store.js';
import { attempt, claim, claimIds, CRM, dead, DELIVERED, died, event, isHmsError, pending, retrying, stateOf, T0, withStore, type OpenFreshStore } from './contract-helpers.js';

/** e1: three crm deliveries that die (one at ingest), one delivered, one waiting; e2: one dead erp delivery. */
async function withDeadLetters(store: Store): Promise<void> {
  await store.acceptEvents([
    event('e1', [pending('d-rejected'), dead('d-when', 'MAPPING_FAILED: bad when'), pending('d-ok'), pending('d-exhausted'), pending('d-waiting')]),
    event('e2', [pending('d-erp', 'erp')]),
  ]);
  await store.recordAttempt(attempt('d-rejected', 1, died('TARGET_REJECTED', 400, 'HTTP 400')));
  await store.recordAttempt(attempt('d-ok', 1, DELIVERED));
  await store.recordAttempt(attempt('d-exhausted', 1, retrying(T0 + 1_000)));
  await store.recordAttempt(attempt('d-exhausted', 2, died('RETRIES_EXHAUSTED', 503, 'after 2 attempts')));
  await store.recordAttempt(attempt('d-waiting', 1, retrying(T0 + 60_000)));
  await store.recordAttempt(attempt('d-erp', 1, died('TARGET_REJECTED', 422)));
}

const BOTH: ReadonlySet<string> = new Set(['crm', 'erp']);

export function deadLettersContract(openFresh: OpenFreshStore): void {
  it('lists only dead deliveries, oldest first, with their event, attempts and last error', () =>
    withStore(openFresh, async (store) => {
      const before = Date.now();
      await withDeadLetters(store);
      const page = await store.listDead({ limit: 10 });
      assert.equal(page.next, null);
      assert.deepEqual(
        page.deliveries.map((d) => [d.id, d.eventId, d.eventType, d.connector, d.route, d.attempts, d.lastStatus, d.lastError]),
        [
          ['d-rejected', 'e1', 'order.created', 'crm', 'main', 1, 400, 'TARGET_REJECTED: HTTP 400'],
          ['d-when', 'e1', 'order.created', 'crm', 'main', 0, null, 'MAPPING_FAILED: bad when'],
          ['d-exhausted', 'e1', 'order.created', 'crm', 'main', 2, 503, 'RETRIES_EXHAUSTED: after 2 attempts'],
          ['d-erp', 'e2', 'order.created', 'erp', 'main', 1, 422, 'TARGET_REJECTED: it failed'],
        ],
      );
      for (const d of page.deliveries) assert.ok(d.deadSince >= before && d.deadSince <= Date.now(), `${d.id} died during the test`);
    }));

  it('pages through the list with the cursor it hands out, and filters by connector', () =>
    withStore(openFresh, async (store) => {
      await withDeadLetters(store);
      const first = await store.listDead({ limit: 2 });
      assert.deepEqual(first.deliveries.map((d) => d.id), ['d-rejected', 'd-when']);
      assert.ok(first.next);
      const second = await store.listDead({ limit: 2, after: first.next });
      assert.deepEqual(second.deliveries.map((d) => d.id), ['d-exhausted', 'd-erp']);
      assert.equal(second.next, null, 'no page follows the last one');
      assert.deepEqual((await store.listDead({ limit: 10, connector: 'erp' })).deliveries.map((d) => d.id), ['d-erp']);
      assert.deepEqual((await store.listDead({ limit: 10, connector: 'nobody' })).deliveries, []);
      await assert.rejects(store.listDead({ limit: 2, after: 'not-a-cursor' }), isHmsError('QUERY_INVALID'));
    }));

  it('retries one dead delivery: retrying, due now, with a fresh schedule and its history kept', () =>
    withStore(openFresh, async (store) => {
      await withDeadLetters(store);
      assert.deepEqual(await store.deliveryState('d-exhausted'), { state: 'dead', connector: 'crm' });
      assert.equal(await store.retryDead({ id: 'd-exhausted' }, CRM, T0 + 500), 1);
      const retried = await stateOf(store, 'e1', 'd-exhausted');
      assert.deepEqual([retried.state, retried.nextAttemptAt, retried.history.length], ['retrying', T0 + 500, 2]);
      assert.deepEqual(
        (await claim(store, T0 + 500)).map((d) => [d.id, d.attempts, d.scheduleOffset]),
        [['d-exhausted', 2, 2]],
      );
      assert.equal(await store.retryDead({ id: 'd-exhausted' }, CRM, T0 + 600), 0, 'it is no longer dead');
      assert.equal(await store.retryDead({ id: 'd-ok' }, CRM, T0 + 600), 0, 'a delivered one is not retried');
      assert.equal(await store.retryDead({ id: 'd-erp' }, CRM, T0 + 600), 0, 'erp is not among the connectors');
      assert.deepEqual(await store.deliveryState('d-ok'), { state: 'delivered', connector: 'crm' });
      assert.equal(await store.deliveryState('missing'), undefined);
    }));

  it('retries every dead delivery of one connector, or of every connector given, whatever it died of', () =>
    withStore(openFresh, async (store) => {
      await withDeadLetters(store);
      assert.equal(await store.retryDead({ connector: 'crm' }, BOTH, T0 + 500), 3);
      assert.deepEqual((await store.listDead({ limit: 10 })).deliveries.map((d) => d.id), ['d-erp']);
      assert.deepEqual(claimIds(await claim(store, T0 + 500)), ['d-rejected', 'd-when', 'd-exhausted']);
      assert.equal((await stateOf(store, 'e1', 'd-waiting')).nextAttemptAt, T0 + 60_000, 'a waiting retry keeps its time');
      assert.equal(await store.retryDead({ connector: 'erp' }, CRM, T0 + 500), 0, 'erp is not among the connectors');
      assert.equal(await store.retryDead({}, BOTH, T0 + 500), 1);
      assert.deepEqual((await store.listDead({ limit: 10 })).deliveries, []);
    }));
}
