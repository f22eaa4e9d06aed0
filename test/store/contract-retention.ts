/**
 * Store contract: retention (deleteExpired), the disk guard (shrinkTo), and the figures status
 * shows (size, oldestUnfinishedAt, counts after deletions). The store's clock is a manual one, so
 * each delivery finishes at a time the test chose.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { FinishedCutoffs, RetentionPolicy, Store } from '../../engine/store/store.js';
import { attempt, dead, DELIVERED, died, event, handedOver, idsIn, pending, retrying, T0, withClockedStore, type OpenFreshStore } from './contract-helpers.js';

const DAY = 86_400_000;
const NOTHING_DELETED = { deliveries: 0, dead: 0, events: 0 };

/** Deletes what finished before `before` (dead ones kept unless `deadBefore`), events received before `eventsBefore`. */
function policy(before: number, extra: Partial<RetentionPolicy> = {}): RetentionPolicy {
  return { deliveredBefore: before, deadBefore: null, eventsBefore: before, connectors: new Map(), ...extra };
}

async function ids(store: Store, eventId: string): Promise<string[] | undefined> {
  return (await store.getEvent(eventId))?.deliveries.map((d) => d.id);
}

export function retentionContract(openFresh: OpenFreshStore): void {
  it('deletes delivered deliveries delivered before the cutoff, with their attempts, and keeps later ones', () =>
    withClockedStore(openFresh, async (store, clock) => {
      await store.acceptEvents([event('e1', [pending('d-old'), pending('d-new')])]);
      await store.recordAttempt(attempt('d-old', 1, DELIVERED));
      clock.advance(DAY);
      await store.recordAttempt(attempt('d-new', 1, DELIVERED));
      const result = await store.deleteExpired(policy(T0 + DAY, { eventsBefore: T0 }));
      assert.deepEqual(result.deleted, { deliveries: 1, dead: 0, events: 0 });
      assert.ok(result.longestWriteMs >= 0);
      assert.deepEqual(await ids(store, 'e1'), ['d-new']);
      assert.equal(await store.deliveryState('d-old'), undefined);
      assert.equal((await store.getEvent('e1'))?.deliveries[0]?.history.length, 1, 'a kept delivery keeps its attempts');
      assert.equal((await store.countByState()).delivered, 1);
      assert.deepEqual((await store.deleteExpired(policy(T0 + DAY, { eventsBefore: T0 }))).deleted, NOTHING_DELETED, 'a second run finds nothing');
    }));

  it('never deletes a pending, inflight, retrying or parked delivery, whatever its age', () =>
    withClockedStore(openFresh, async (store, clock) => {
      await store.acceptEvents([event('e1', [pending('d-pending'), handedOver('d-inflight', T0 + 1_000), pending('d-retrying'), pending('d-parked', 'gone')])]);
      await store.recordAttempt(attempt('d-retrying', 1, retrying(T0 + 60_000)));
      await store.reconcileConnectors(new Set(['crm']), T0);
      clock.advance(365 * DAY);
      const now = clock.now();
      const result = await store.deleteExpired(policy(now, { deadBefore: now }));
      assert.deepEqual(result.deleted, NOTHING_DELETED);
      assert.deepEqual(
        (await store.getEvent('e1'))?.deliveries.map((d) => [d.id, d.state]),
        [['d-pending', 'pending'], ['d-inflight', 'inflight'], ['d-retrying', 'retrying'], ['d-parked', 'parked']],
      );
      const shrunk = await store.shrinkTo(0);
      assert.deepEqual(shrunk.deleted, NOTHING_DELETED, 'the disk guard spares them too');
      assert.equal((await store.getEvent('e1'))?.deliveries.length, 4);
    }));

  it('keeps dead deliveries while deadBefore is null, and deletes those that died before it', () =>
    withClockedStore(openFresh, async (store, clock) => {
      await store.acceptEvents([event('e1', [dead('d-when', 'MAPPING_FAILED: bad when'), pending('d-rejected'), pending('d-later')])]);
      await store.recordAttempt(attempt('d-rejected', 1, died('TARGET_REJECTED', 400)));
      clock.advance(DAY);
      await store.recordAttempt(attempt('d-later', 1, died('TARGET_REJECTED', 422)));
      clock.advance(DAY);
      assert.deepEqual((await store.deleteExpired(policy(clock.now()))).deleted, NOTHING_DELETED);
      assert.equal((await idsIn(store, 'dead')).length, 3);
      const result = await store.deleteExpired(policy(clock.now(), { deadBefore: T0 + DAY }));
      assert.deepEqual(result.deleted, { deliveries: 2, dead: 2, events: 0 });
      assert.deepEqual(await idsIn(store, 'dead'), ['d-later']);
      assert.deepEqual((await store.countByState()).dead, 1);
    }));

  it('deletes discarded deliveries as delivered ones, from when they were discarded, whatever deadBefore says', () =>
    withClockedStore(openFresh, async (store, clock) => {
      await store.acceptEvents([event('e1', [pending('d-early'), pending('d-late')])]);
      for (const id of ['d-early', 'd-late']) await store.recordAttempt(attempt(id, 1, died('TARGET_REJECTED', 400)));
      clock.advance(DAY);
      assert.equal(await store.act('discard', ['d-early'], null, clock.now()), 1);
      clock.advance(DAY);
      assert.equal(await store.act('discard', ['d-late'], null, clock.now()), 1);
      assert.deepEqual((await store.deleteExpired(policy(T0 + DAY, { eventsBefore: T0 }))).deleted, NOTHING_DELETED, 'discarded at the cutoff: kept');
      const result = await store.deleteExpired(policy(T0 + DAY + 1, { eventsBefore: T0 }));
      assert.deepEqual(result.deleted, { deliveries: 1, dead: 0, events: 0 });
      assert.deepEqual(await idsIn(store, 'discarded'), ['d-late']);
      assert.equal((await store.countByState()).discarded, 1);
    }));

  it("applies a connector's own cutoffs over the defaults, and the defaults to every other connector", () =>
    withClockedStore(openFresh, async (store, clock) => {
      await store.acceptEvents([event('e1', [pending('crm-1'), pending('erp-1', 'erp'), pending('old-1', 'removed'), pending('erp-2', 'erp')])]);
      for (const id of ['crm-1', 'erp-1', 'old-1']) await store.recordAttempt(attempt(id, 1, DELIVERED));
      await store.recordAttempt(attempt('erp-2', 1, died('TARGET_REJECTED', 400)));
      clock.advance(10 * DAY);
      const now = clock.now();
      const keepsLonger: FinishedCutoffs = { deliveredBefore: now - 30 * DAY, deadBefore: now - 5 * DAY };
      const result = await store.deleteExpired(policy(now - 7 * DAY, { connectors: new Map([['erp', keepsLonger]]), eventsBefore: T0 }));
      assert.deepEqual(result.deleted, { deliveries: 3, dead: 1, events: 0 });
      assert.deepEqual(await ids(store, 'e1'), ['erp-1'], 'erp keeps its delivered ones 30 days but its dead ones only 5');
    }));

  it('keeps an event until eventsBefore, then deletes it once none of its deliveries remains, one that matched no route too', () =>
    withClockedStore(openFresh, async (store, clock) => {
      await store.acceptEvents([event('e-no-route', []), event('e-done', [pending('d-done')]), event('e-mixed', [pending('d-ok'), dead('d-dead', 'MAPPING_FAILED: x')])]);
      for (const id of ['d-done', 'd-ok']) await store.recordAttempt(attempt(id, 1, DELIVERED));
      clock.advance(DAY);
      const now = clock.now();
      assert.deepEqual((await store.deleteExpired(policy(now, { eventsBefore: T0 - 1 }))).deleted, { deliveries: 2, dead: 0, events: 0 });
      for (const id of ['e-no-route', 'e-done', 'e-mixed']) assert.ok(await store.getEvent(id), `${id} is kept for eventsBefore`);

      assert.deepEqual((await store.deleteExpired(policy(now))).deleted, { deliveries: 0, dead: 0, events: 2 });
      assert.equal(await store.getEvent('e-no-route'), undefined);
      assert.equal(await store.getEvent('e-done'), undefined);
      assert.deepEqual(await ids(store, 'e-mixed'), ['d-dead'], 'an event with a delivery left stays');

      assert.deepEqual((await store.deleteExpired(policy(now, { deadBefore: now }))).deleted, { deliveries: 1, dead: 1, events: 1 }, 'its last delivery gone, the event goes with it');
      assert.equal(await store.getEvent('e-mixed'), undefined);
      assert.deepEqual(await store.acceptEvents([event('e-done', [])]), [{ id: 'e-done', duplicate: false, deliveries: 0 }], 'a deleted id is new again');
    }));

  it('keeps its counts exact as it deletes, the newest deliveries included', () =>
    withClockedStore(openFresh, async (store, clock) => {
      await store.acceptEvents([event('e1', [pending('a'), pending('b'), pending('c')])]);
      for (const id of ['a', 'b', 'c']) await store.recordAttempt(attempt(id, 1, DELIVERED));
      clock.advance(1);
      await store.deleteExpired(policy(clock.now()));
      assert.deepEqual(await store.countByState(), { pending: 0, inflight: 0, retrying: 0, parked: 0, delivered: 0, dead: 0, discarded: 0 });
      await store.acceptEvents([event('e2', [pending('d'), pending('e')])]);
      await store.recordAttempt(attempt('d', 1, DELIVERED));
      assert.deepEqual(await store.countByState(), { pending: 1, inflight: 0, retrying: 0, parked: 0, delivered: 1, dead: 0, discarded: 0 });
    }));

  it('stops before its first chunk when its signal has aborted', () =>
    withClockedStore(openFresh, async (store, clock) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      await store.recordAttempt(attempt('d1', 1, DELIVERED));
      clock.advance(1);
      assert.deepEqual((await store.deleteExpired(policy(clock.now()), AbortSignal.abort())).deleted, NOTHING_DELETED);
      assert.deepEqual(await ids(store, 'e1'), ['d1']);
    }));

  it('shrinks to a size by deleting events without deliveries, then delivered deliveries, whatever their windows', () =>
    withClockedStore(openFresh, async (store) => {
      await store.acceptEvents([event('e-no-route', []), event('e-done', [pending('d-done')]), event('e-dead', [dead('d-dead', 'MAPPING_FAILED: x')]), event('e-waiting', [pending('d-waiting')])]);
      await store.recordAttempt(attempt('d-done', 1, DELIVERED));
      const roomy = await store.shrinkTo(Number.MAX_SAFE_INTEGER);
      assert.deepEqual(roomy.deleted, NOTHING_DELETED, 'under its size it deletes nothing');
      const { sizeBytes } = await store.size();
      const { dataBytes } = await store.size();
      assert.ok(roomy.dataBytes > 0 && roomy.dataBytes === dataBytes && dataBytes <= sizeBytes, JSON.stringify({ roomy, dataBytes, sizeBytes }));

      const shrunk = await store.shrinkTo(0);
      assert.deepEqual(shrunk.deleted, { deliveries: 1, dead: 0, events: 2 });
      assert.ok(shrunk.dataBytes > 0, 'what must stay still takes room: the guard reports it');
      assert.equal(await store.getEvent('e-no-route'), undefined);
      assert.equal(await store.getEvent('e-done'), undefined);
      assert.deepEqual(await ids(store, 'e-dead'), ['d-dead']);
      assert.deepEqual(await ids(store, 'e-waiting'), ['d-waiting']);
    }));

  it('reports its size on disk, the free space beside it (null where it cannot know), and when its oldest unfinished delivery was accepted', () =>
    withClockedStore(openFresh, async (store, clock) => {
      const size = await store.size();
      assert.ok(size.sizeBytes >= size.dataBytes && size.dataBytes > 0 && (size.freeBytes === null || size.freeBytes > 0), JSON.stringify(size));
      assert.equal(await store.oldestUnfinishedAt(), null);
      await store.acceptEvents([event('e1', [pending('first')])]);
      clock.advance(5_000);
      await store.acceptEvents([event('e2', [pending('second'), dead('d-dead', 'MAPPING_FAILED: x')], T0 + 5_000)]);
      assert.equal(await store.oldestUnfinishedAt(), T0);
      await store.recordAttempt(attempt('first', 1, DELIVERED));
      assert.equal(await store.oldestUnfinishedAt(), T0 + 5_000);
      await store.recordAttempt(attempt('second', 1, retrying(T0 + 60_000)));
      assert.equal(await store.oldestUnfinishedAt(), T0 + 5_000, 'retrying is unfinished');
    }));
}
