/** Store contract: accepting events, reading them back, counting, closing. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DELIVERY_STATES } from '../../engine/model.js';
import { dead, event, handedOver, isHmsError, pending, T0, withStore, type OpenFreshStore } from './contract-helpers.js';

export function ingestContract(openFresh: OpenFreshStore): void {
  it('returns an accepted event with its deliveries in order of creation', () =>
    withStore(openFresh, async (store) => {
      const e = event('e1', [
        pending('d-b', 'crm', T0, 'orders'),
        dead('d-a', 'MAPPING_FAILED: total is not a number', 'erp'),
        pending('d-c', 'crm', T0 + 5_000, 'invoices'),
      ]);
      assert.deepEqual(await store.acceptEvents([e]), [{ id: 'e1', duplicate: false, deliveries: 3 }]);
      const fresh = { attempts: 0, lastStatus: null, history: [] };
      assert.deepEqual(await store.getEvent('e1'), {
        id: 'e1',
        type: 'order.created',
        receivedAt: T0,
        body: e.body,
        traceparent: null,
        deliveries: [
          { id: 'd-b', connector: 'crm', route: 'orders', state: 'pending', lastError: null, nextAttemptAt: T0, ...fresh },
          {
            id: 'd-a',
            connector: 'erp',
            route: 'main',
            state: 'dead',
            lastError: 'MAPPING_FAILED: total is not a number',
            nextAttemptAt: null,
            ...fresh,
          },
          {
            id: 'd-c',
            connector: 'crm',
            route: 'invoices',
            state: 'pending',
            lastError: null,
            nextAttemptAt: T0 + 5_000,
            ...fresh,
          },
        ],
      });
    }));

  it('returns undefined for an event id it never accepted', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      assert.equal(await store.getEvent('e2'), undefined);
    }));

  it('stores an event without deliveries', () =>
    withStore(openFresh, async (store) => {
      assert.deepEqual(await store.acceptEvents([event('e1', [])]), [{ id: 'e1', duplicate: false, deliveries: 0 }]);
      assert.deepEqual((await store.getEvent('e1'))?.deliveries, []);
      assert.deepEqual(await store.acceptEvents([]), []);
    }));

  it('reports an id accepted by an earlier call as a duplicate and stores nothing new for it', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      const again = { ...event('e1', [pending('d9')]), body: '{"type":"changed"}' };
      assert.deepEqual(await store.acceptEvents([again, event('e2', [pending('d2')])]), [
        { id: 'e1', duplicate: true, deliveries: 0 },
        { id: 'e2', duplicate: false, deliveries: 1 },
      ]);
      const e1 = await store.getEvent('e1');
      assert.equal(e1?.body, event('e1', []).body);
      assert.deepEqual(e1?.deliveries.map((d) => d.id), ['d1']);
      assert.equal((await store.countByState()).pending, 2);
    }));

  it('reports the second of two equal ids in one call as a duplicate', () =>
    withStore(openFresh, async (store) => {
      assert.deepEqual(await store.acceptEvents([event('e1', [pending('d1')]), event('e1', [pending('d2')])]), [
        { id: 'e1', duplicate: false, deliveries: 1 },
        { id: 'e1', duplicate: true, deliveries: 0 },
      ]);
      assert.deepEqual((await store.getEvent('e1'))?.deliveries.map((d) => d.id), ['d1']);
    }));

  it('accepts an id only once when concurrent calls carry it', () =>
    withStore(openFresh, async (store) => {
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.acceptEvents([event('e1', [pending(`d${i}`)])])),
      );
      assert.equal(results.flat().filter((r) => !r.duplicate).length, 1);
      assert.equal((await store.getEvent('e1'))?.deliveries.length, 1);
    }));

  it('stores none of a batch when one of its events cannot be stored', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      // d1 is taken: the second event of the batch cannot be stored, so the first is not either.
      await assert.rejects(store.acceptEvents([event('e2', [pending('d2')]), event('e3', [pending('d1')])]));
      assert.equal(await store.getEvent('e2'), undefined);
      assert.equal(await store.getEvent('e3'), undefined);
      assert.equal((await store.countByState()).pending, 1);
    }));

  it('stores concurrent batches even when one of them fails', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      const [bad, good] = await Promise.allSettled([
        store.acceptEvents([event('e2', [pending('d1')])]),
        store.acceptEvents([event('e3', [pending('d3')])]),
      ]);
      assert.equal(bad.status, 'rejected');
      assert.deepEqual(good, { status: 'fulfilled', value: [{ id: 'e3', duplicate: false, deliveries: 1 }] });
      assert.equal(await store.getEvent('e2'), undefined);
      assert.equal((await store.getEvent('e3'))?.deliveries.length, 1);
    }));

  it('shows a read every write called before it, even one not awaited', () =>
    withStore(openFresh, async (store) => {
      void store.acceptEvents([event('e1', [handedOver('d1', T0 + 1_000), pending('d2')])]);
      void store.claimDue({ now: T0, limit: 1, leaseMs: 1_000, connectors: new Set(['crm']) });
      void store.reconcileConnectors(new Set(['erp']), T0);
      const view = await store.getEvent('e1');
      assert.deepEqual(view?.deliveries.map((d) => d.state), ['parked', 'parked']);
      assert.equal((await store.countByState()).parked, 2);
    }));

  it('counts deliveries in every state, zero for states nobody is in', () =>
    withStore(openFresh, async (store) => {
      const zero = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0]));
      assert.deepEqual(await store.countByState(), zero);
      await store.acceptEvents([event('e1', [pending('d1'), pending('d2'), pending('d3'), dead('d4', 'MAPPING_FAILED: x')])]);
      await store.claimDue({ now: T0, limit: 1, leaseMs: 1_000, connectors: new Set(['crm']) });
      await store.recordAttempt({
        deliveryId: 'd2',
        attempt: 1,
        startedAt: T0,
        durationMs: 5,
        status: 200,
        error: null,
        errorCode: null,
        revision: 'r1',
        nextState: 'delivered',
        nextAttemptAt: null,
      });
      assert.deepEqual(await store.countByState(), { ...zero, pending: 1, inflight: 1, delivered: 1, dead: 1 });
    }));

  it('closes idempotently and rejects every operation after close with ENGINE_CLOSED', () =>
    withStore(openFresh, async (store) => {
      await store.acceptEvents([event('e1', [pending('d1')])]);
      await Promise.all([store.close(), store.close()]);
      await store.close();
      const closed = isHmsError('ENGINE_CLOSED');
      await assert.rejects(store.acceptEvents([event('e2', [])]), closed);
      await assert.rejects(store.requeue(['d1'], T0), closed);
      await assert.rejects(
        store.recordAttempt({
          deliveryId: 'd1',
          attempt: 1,
          startedAt: T0,
          durationMs: 1,
          status: 200,
          error: null,
          errorCode: null,
          revision: 'r1',
          nextState: 'delivered',
          nextAttemptAt: null,
        }),
        closed,
      );
      await assert.rejects(store.claimDue({ now: T0, limit: 1, leaseMs: 1, connectors: new Set(['crm']) }), closed);
      await assert.rejects(store.reconcileConnectors(new Set(), T0), closed);
      await assert.rejects(store.getEvent('e1'), closed);
      await assert.rejects(store.countByState(), closed);
    }));

  it('completes writes that were called before close', () =>
    withStore(openFresh, async (store) => {
      const accepted = store.acceptEvents([event('e1', [pending('d1')])]);
      const claimed = store.claimDue({ now: T0, limit: 1, leaseMs: 1_000, connectors: new Set(['crm']) });
      await store.close();
      assert.deepEqual(await accepted, [{ id: 'e1', duplicate: false, deliveries: 1 }]);
      assert.deepEqual((await claimed).map((d) => d.id), ['d1']);
    }));
}
