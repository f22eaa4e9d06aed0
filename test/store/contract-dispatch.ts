/** Store contract: claiming due work, leases, attempts and their state transitions, parking. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  attempt,
  claim,
  claimIds,
  CRM,
  dead,
  DELIVERED,
  died,
  event,
  handedOver,
  pending,
  retrying,
  REVISION,
  stateOf,
  T0,
  withStore,
  type OpenFreshStore,
} from './contract-helpers.js';

export function dispatchContract(openFresh: OpenFreshStore): void {
  it('claims due deliveries oldest first, up to the limit, with their event', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([
        event('e1', [pending('d30', 'crm', T0 + 30), pending('d10', 'crm', T0 + 10)]),
        event('e2', [pending('d20', 'crm', T0 + 20), pending('later', 'crm', T0 + 1_000)]),
      ]);
      const first = await claim(store, T0 + 100, 2);
      assert.deepEqual(first[0], {
        id: 'd10',
        eventId: 'e1',
        eventType: 'order.created',
        connector: 'crm',
        route: 'main',
        orderingKey: null,
        attempts: 0,
        scheduleOffset: 0,
        eventBody: event('e1', []).body,
        receivedAt: T0,
        traceparent: null,
        replayId: null,
      });
      assert.deepEqual(claimIds(first), ['d10', 'd20']);
      assert.deepEqual(claimIds(await claim(store, T0 + 100, 2)), ['d30']);
      assert.deepEqual(await claim(store, T0 + 100, 2), []);
      const leased = await stateOf(store, 'e1', 'd10');
      assert.deepEqual([leased.state, leased.nextAttemptAt, leased.attempts], ['inflight', T0 + 1_100, 0]);
    }));

  it('passes over skipped ids without claiming them and still fills the limit', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('a'), pending('b', 'crm', T0 + 1), pending('c', 'crm', T0 + 2)])]);
      assert.deepEqual(claimIds(await claim(store, T0 + 10, 2, { skip: new Set(['a']) })), ['b', 'c']);
      assert.equal((await stateOf(store, 'e1', 'a')).state, 'pending');
      assert.deepEqual(claimIds(await claim(store, T0 + 10)), ['a']);
    }));

  it('claims an inflight delivery again once its lease has expired', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      assert.deepEqual(claimIds(await claim(store, T0)), ['d1']);
      assert.deepEqual(await claim(store, T0 + 999), []);
      assert.deepEqual(claimIds(await claim(store, T0 + 1_000)), ['d1']);
      assert.equal((await stateOf(store, 'e1', 'd1')).nextAttemptAt, T0 + 2_000);
    }));

  it('claims only deliveries of the given connectors', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('c1', 'crm'), pending('e1', 'erp'), pending('c2', 'crm')])]);
      assert.deepEqual(await claim(store, T0, 10, { connectors: new Set() }), []);
      assert.deepEqual(claimIds(await claim(store, T0, 10, { connectors: new Set(['erp']) })), ['e1']);
      assert.deepEqual(claimIds(await claim(store, T0, 10, { connectors: new Set(['crm', 'erp']) })), ['c1', 'c2']);
    }));

  it('never hands one delivery to two concurrent claimers', () =>
    withStore(openFresh, async (store) => {
      const ids = Array.from({ length: 20 }, (_, i) => `d${i}`);
      await store.acceptEvents([event('e1', ids.map((id) => pending(id)))]);
      const [a, b] = await Promise.all([claim(store, T0, 15), claim(store, T0, 15)]);
      const all = [...claimIds(a), ...claimIds(b)];
      assert.equal(new Set(all).size, all.length, 'no id claimed twice');
      assert.deepEqual(all.sort(), [...ids].sort());
    }));

  it('records a retry then a success, keeping every attempt in order', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      await claim(store, T0);
      const unavailable = 'TARGET_UNAVAILABLE: 503 Service Unavailable';
      await store.recordAttempt(attempt('d1', 1, retrying(T0 + 5_000, unavailable)));
      assert.deepEqual(await stateOf(store, 'e1', 'd1'), {
        id: 'd1',
        connector: 'crm',
        route: 'main',
        state: 'retrying',
        attempts: 1,
        lastStatus: 503,
        lastError: unavailable,
        nextAttemptAt: T0 + 5_000,
        history: [
          { attempt: 1, startedAt: T0 + 100, durationMs: 10, status: 503, error: unavailable, errorCode: 'TARGET_UNAVAILABLE', revision: REVISION, responseBody: null, request: null, traceparent: null },
        ],
      });
      assert.deepEqual(await claim(store, T0 + 4_999), []);
      const [again] = await claim(store, T0 + 5_000);
      assert.equal(again?.attempts, 1);
      await store.recordAttempt(attempt('d1', 2, DELIVERED));
      const delivered = await stateOf(store, 'e1', 'd1');
      assert.deepEqual({ ...delivered, history: delivered.history.map((h) => h.attempt) }, {
        id: 'd1',
        connector: 'crm',
        route: 'main',
        state: 'delivered',
        attempts: 2,
        lastStatus: 200,
        lastError: null,
        nextAttemptAt: null,
        history: [1, 2],
      });
      assert.deepEqual(await claim(store, T0 + 1e9), []);
    }));

  it('keeps dead and parked deliveries out of claims', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1'), pending('d2'), dead('d3', 'MAPPING_FAILED: x')])]);
      const rejected = 'TARGET_REJECTED: 400';
      await store.recordAttempt(attempt('d1', 1, { status: 400, error: rejected, errorCode: 'TARGET_REJECTED', nextState: 'dead', nextAttemptAt: null }));
      await store.recordAttempt(attempt('d2', 1, { status: null, error: 'removed', errorCode: null, nextState: 'parked', nextAttemptAt: null }));
      assert.deepEqual(await claim(store, T0 + 1e9), []);
      assert.deepEqual([(await stateOf(store, 'e1', 'd1')).state, (await stateOf(store, 'e1', 'd2')).state], ['dead', 'parked']);
      assert.equal((await stateOf(store, 'e1', 'd1')).lastError, rejected);
    }));

  it('shows the attempt of a delivery delivered at its first try in its history, with its time, duration and revision', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [handedOver('d1', T0 + 60_000)])]);
      await store.recordAttempt(attempt('d1', 1, DELIVERED, 'rev-1@abc'));
      const delivered = await stateOf(store, 'e1', 'd1');
      assert.deepEqual(delivered.history, [
        { attempt: 1, startedAt: T0 + 100, durationMs: 10, status: 200, error: null, errorCode: null, revision: 'rev-1@abc', responseBody: null, request: null, traceparent: null },
      ]);
      assert.deepEqual([delivered.state, delivered.attempts, delivered.lastStatus], ['delivered', 1, 200]);
    }));

  it('rejects a delivered attempt whose number was already recorded, and keeps the delivery as it was', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      await store.recordAttempt(attempt('d1', 1, DELIVERED));
      await assert.rejects(store.recordAttempt(attempt('d1', 1, { ...DELIVERED, status: 201 })));
      const d1 = await stateOf(store, 'e1', 'd1');
      assert.deepEqual([d1.attempts, d1.lastStatus, d1.history.map((h) => h.status)], [1, 200, [200]]);
    }));

  it('rejects an attempt for an unknown delivery or a repeated attempt number, alone', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      await store.recordAttempt(attempt('d1', 1, retrying(T0)));
      const [unknown, repeated, other] = await Promise.allSettled([
        store.recordAttempt(attempt('nope', 1, DELIVERED)),
        store.recordAttempt(attempt('d1', 1, DELIVERED)),
        store.acceptEvents([event('e2', [pending('d2')])]),
      ]);
      assert.equal(unknown.status, 'rejected');
      assert.equal(repeated.status, 'rejected');
      assert.equal(other.status, 'fulfilled');
      const d1 = await stateOf(store, 'e1', 'd1');
      assert.deepEqual([d1.state, d1.history.length], ['retrying', 1]);
      assert.ok(await store.getEvent('e2'));
    }));

  it('records many attempts of one turn, a bad one rejected alone and two of one delivery in call order', () =>
    withStore(openFresh, async (store) => {
      const ids = Array.from({ length: 150 }, (_, i) => `d${i}`);
      await store.acceptEvents([event('e1', ids.map((id) => pending(id)))]);
      const calls = [
        ...ids.map((id) => store.recordAttempt(attempt(id, 1, retrying(T0 + 5_000)))),
        store.recordAttempt(attempt('nope', 1, DELIVERED)),
        store.recordAttempt(attempt('d7', 2, DELIVERED)),
      ];
      const outcomes = await Promise.allSettled(calls);
      assert.deepEqual(outcomes.map((o) => o.status).filter((s) => s === 'rejected').length, 1);
      assert.equal(outcomes[ids.length]!.status, 'rejected');
      const view = (await store.getEvent('e1'))!;
      const d7 = view.deliveries.find((d) => d.id === 'd7')!;
      assert.deepEqual([d7.state, d7.attempts, d7.history.map((h) => h.status)], ['delivered', 2, [503, 200]]);
      const others = view.deliveries.filter((d) => d.id !== 'd7');
      assert.ok(others.every((d) => d.state === 'retrying' && d.nextAttemptAt === T0 + 5_000 && d.history.length === 1));
      assert.equal(others.length, 149);
    }));

  it('records many attempts of one turn when none fails, two of one delivery in call order', () =>
    withStore(openFresh, async (store) => {
      const ids = Array.from({ length: 100 }, (_, i) => `d${i}`);
      await store.acceptEvents([event('e1', ids.map((id) => pending(id)))]);
      await Promise.all([
        ...ids.map((id, i) => store.recordAttempt(attempt(id, 1, i % 2 === 0 ? DELIVERED : retrying(T0 + 5_000)))),
        store.recordAttempt(attempt('d99', 2, died('TARGET_REJECTED', 400))),
      ]);
      const view = (await store.getEvent('e1'))!;
      const d99 = view.deliveries.find((d) => d.id === 'd99')!;
      assert.deepEqual([d99.state, d99.attempts, d99.history.map((h) => h.status)], ['dead', 2, [503, 400]]);
      assert.deepEqual(
        view.deliveries.slice(0, 2).map((d) => [d.id, d.state, d.lastStatus, d.lastError, d.attempts, d.nextAttemptAt]),
        [
          ['d0', 'delivered', 200, null, 1, null],
          ['d1', 'retrying', 503, 'TARGET_UNAVAILABLE: 503', 1, T0 + 5_000],
        ],
      );
      assert.equal(view.deliveries.filter((d) => d.state === 'delivered').length, 50);
    }));

  it('accepts a delivery handed over to a dispatcher inflight, its lease hiding it until it expires', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [handedOver('d1', T0 + 500)])]);
      const d1 = await stateOf(store, 'e1', 'd1');
      assert.deepEqual([d1.state, d1.nextAttemptAt], ['inflight', T0 + 500]);
      assert.deepEqual(await claim(store, T0 + 499), []);
      assert.deepEqual(claimIds(await claim(store, T0 + 500)), ['d1']);
    }));

  it('never requeues a delivered, dead or parked delivery', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1'), dead('d2', 'MAPPING_FAILED: x'), pending('d3', 'gone')])]);
      await store.recordAttempt(attempt('d1', 1, DELIVERED));
      await store.reconcileConnectors(CRM, T0);
      await store.requeue(['d1', 'd2', 'd3'], T0 + 500);
      const states = await Promise.all(['d1', 'd2', 'd3'].map((id) => stateOf(store, 'e1', id)));
      assert.deepEqual(states.map((d) => [d.state, d.nextAttemptAt]), [['delivered', null], ['dead', null], ['parked', null]]);
    }));

  it('applies writes of one turn in call order, so a final attempt is not undone by a later requeue', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [handedOver('d1', T0 + 500), handedOver('d2', T0 + 500)])]);
      await Promise.all([store.recordAttempt(attempt('d1', 1, DELIVERED)), store.requeue(['d1'], T0 + 500)]);
      assert.equal((await stateOf(store, 'e1', 'd1')).state, 'delivered');
      await Promise.all([
        store.requeue(['d2'], T0 + 500),
        store.recordAttempt(attempt('d2', 1, retrying(T0 + 9_000))),
      ]);
      const d2 = await stateOf(store, 'e1', 'd2');
      assert.deepEqual([d2.state, d2.nextAttemptAt], ['retrying', T0 + 9_000]);
    }));

  it('parks unfinished deliveries of removed connectors and resumes them, due now, when they return', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([
        event('e1', [pending('p', 'crm'), handedOver('i', T0 + 60_000), pending('r', 'crm'), pending('ok', 'crm'), pending('x', 'erp')]),
      ]);
      await store.recordAttempt(attempt('r', 1, retrying(T0 + 60_000)));
      await store.recordAttempt(attempt('ok', 1, DELIVERED));

      assert.deepEqual(await store.reconcileConnectors(new Set(['erp']), T0 + 10), { parked: { crm: 3 }, resumed: 0 });
      const states = async () => Object.fromEntries((await store.getEvent('e1'))!.deliveries.map((d) => [d.id, d.state]));
      assert.deepEqual(await states(), { p: 'parked', i: 'parked', r: 'parked', ok: 'delivered', x: 'pending' });
      assert.deepEqual(claimIds(await claim(store, T0 + 1e9, 10, { connectors: new Set(['crm', 'erp']) })), ['x']);

      assert.deepEqual(await store.reconcileConnectors(new Set(['crm', 'erp']), T0 + 20), { parked: {}, resumed: 3 });
      assert.deepEqual(await states(), { p: 'retrying', i: 'retrying', r: 'retrying', ok: 'delivered', x: 'inflight' });
      assert.equal((await stateOf(store, 'e1', 'r')).nextAttemptAt, T0 + 20);
      assert.deepEqual(claimIds(await claim(store, T0 + 20)).sort(), ['i', 'p', 'r']);
      assert.deepEqual(await store.reconcileConnectors(new Set(['crm', 'erp']), T0 + 30), { parked: {}, resumed: 0 });
    }));

  it('keeps the attempts, history and retry schedule of a parked delivery, and resumes it as retrying due now', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('p'), pending('redriven')])]);
      await store.recordAttempt(attempt('p', 1, retrying(T0 + 1_000)));
      await store.recordAttempt(attempt('p', 2, retrying(T0 + 60_000, 'TARGET_UNAVAILABLE: HTTP 502')));
      await store.recordAttempt(attempt('redriven', 1, died('TARGET_REJECTED', 400)));
      assert.equal(await store.redrive('crm', T0 + 300), 1);
      const before = await stateOf(store, 'e1', 'p');

      assert.deepEqual(await store.reconcileConnectors(new Set(), T0 + 400), { parked: { crm: 2 }, resumed: 0 });
      const parked = await stateOf(store, 'e1', 'p');
      assert.deepEqual(parked, { ...before, state: 'parked', nextAttemptAt: null });
      assert.equal(parked.history.length, 2);

      assert.deepEqual(await store.reconcileConnectors(CRM, T0 + 500), { parked: {}, resumed: 2 });
      assert.deepEqual(await stateOf(store, 'e1', 'p'), { ...before, state: 'retrying', nextAttemptAt: T0 + 500 });
      const claimed = await claim(store, T0 + 500);
      assert.deepEqual(
        claimed.map((d) => [d.id, d.attempts, d.scheduleOffset]),
        [['p', 2, 0], ['redriven', 1, 1]],
      );
    }));
}
