/** Store contract: finding deliveries by an operator's filter, a page at a time, and reading one. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DeliveryFilter, FindOptions, NewDelivery, NewEvent, Store } from '../../engine/store/store.js';
import { attempt, DELIVERED, died, isHmsError, pending, retrying, T0, withStore, type OpenFreshStore } from './contract-helpers.js';

function typed(id: string, type: string, receivedAt: number, fields: Record<string, unknown>, deliveries: readonly NewDelivery[]): NewEvent {
  return { id, type, body: JSON.stringify({ type, id, ...fields }), receivedAt, deliveries };
}

/**
 * Seven deliveries of five events, a second apart:
 *   d1 crm/main   permit.approved  delivered 200        d2 erp/main  permit.approved  dead 400
 *   d3 crm/main   permit.cancelled retrying 503 (1)     d4 erp/other permit.cancelled pending
 *   d5 crm/main   invoice.paid     dead, no answer (2)  d6 crm/alert sync.dead         delivered 204
 *   d7 crm/main   permit.approved  dead 503 (3)
 */
async function withSeven(store: Store): Promise<void> {
  await store.acceptEvents([
    typed('e1', 'permit.approved', T0, { permitId: 123 }, [pending('d1'), pending('d2', 'erp')]),
    typed('e2', 'permit.cancelled', T0 + 1_000, { permitId: 124 }, [pending('d3'), pending('d4', 'erp', T0, 'other')]),
    typed('e3', 'invoice.paid', T0 + 2_000, { amount: 50 }, [pending('d5')]),
    typed('e4', 'sync.dead', T0 + 3_000, {}, [pending('d6', 'crm', T0, 'alert')]),
    typed('e5', 'permit.approved', T0 + 4_000, { permitId: 125 }, [pending('d7')]),
  ]);
  await store.recordAttempt(attempt('d1', 1, DELIVERED));
  await store.recordAttempt(attempt('d2', 1, died('TARGET_REJECTED', 400)));
  await store.recordAttempt(attempt('d3', 1, retrying(T0 + 60_000)));
  await store.recordAttempt(attempt('d5', 1, { ...retrying(T0 + 5_000, 'TARGET_UNAVAILABLE: ECONNREFUSED'), status: null }));
  await store.recordAttempt(attempt('d5', 2, { status: null, error: 'RETRIES_EXHAUSTED after 2 attempts; last: TARGET_UNAVAILABLE: ECONNREFUSED', errorCode: 'RETRIES_EXHAUSTED', nextState: 'dead', nextAttemptAt: null }));
  await store.recordAttempt(attempt('d6', 1, { ...DELIVERED, status: 204 }));
  await store.recordAttempt(attempt('d7', 1, retrying(T0 + 5_000)));
  await store.recordAttempt(attempt('d7', 2, retrying(T0 + 6_000)));
  await store.recordAttempt(attempt('d7', 3, died('RETRIES_EXHAUSTED', 503)));
}

async function ids(store: Store, filter: DeliveryFilter, extra: Partial<FindOptions> = {}): Promise<string[]> {
  return (await store.findDeliveries({ filter, order: 'desc', limit: 100, ...extra })).deliveries.map((d) => d.id);
}

export function findContract(openFresh: OpenFreshStore): void {
  it('lists every delivery newest first, or oldest first, with its event and last outcome', () =>
    withStore(openFresh, async (store) => {
      await withSeven(store);
      assert.deepEqual(await ids(store, {}), ['d7', 'd6', 'd5', 'd4', 'd3', 'd2', 'd1']);
      assert.deepEqual(await ids(store, {}, { order: 'asc' }), ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7']);
      const [d3] = (await store.findDeliveries({ filter: { eventId: 'e2', route: 'main' }, order: 'desc', limit: 10 })).deliveries;
      assert.deepEqual(
        { ...d3, cursor: typeof d3!.cursor },
        { id: 'd3', cursor: 'string', eventId: 'e2', eventType: 'permit.cancelled', connector: 'crm', route: 'main', state: 'retrying', attempts: 1, lastStatus: 503, lastError: 'TARGET_UNAVAILABLE: 503', nextAttemptAt: T0 + 60_000, acceptedAt: T0 + 1_000, updatedAt: d3!.updatedAt },
      );
    }));

  it('combines filters with AND: connector, route, states, event type globs, event id, time, status, attempts', () =>
    withStore(openFresh, async (store) => {
      await withSeven(store);
      const cases: [DeliveryFilter, string[]][] = [
        [{ connectors: ['erp'] }, ['d4', 'd2']],
        [{ connectors: ['erp', 'crm'], route: 'main' }, ['d7', 'd5', 'd3', 'd2', 'd1']],
        [{ states: ['dead'] }, ['d7', 'd5', 'd2']],
        [{ states: ['dead', 'retrying', 'pending'] }, ['d7', 'd5', 'd4', 'd3', 'd2']],
        [{ states: ['delivered', 'pending'] }, ['d6', 'd4', 'd1']],
        [{ states: ['dead'], connectors: ['crm'] }, ['d7', 'd5']],
        [{ eventTypes: ['permit.*'] }, ['d7', 'd4', 'd3', 'd2', 'd1']],
        [{ eventTypes: ['permit.approved', 'invoice.paid'] }, ['d7', 'd5', 'd2', 'd1']],
        [{ eventTypes: ['*'] }, ['d7', 'd5', 'd4', 'd3', 'd2', 'd1']],
        [{ eventTypes: ['sync.*'] }, ['d6']],
        [{ eventTypes: ['*', 'sync.dead'] }, ['d7', 'd6', 'd5', 'd4', 'd3', 'd2', 'd1']],
        [{ eventTypes: ['*.paid'] }, ['d5']],
        [{ eventId: 'e1' }, ['d2', 'd1']],
        [{ eventId: 'e1', states: ['dead'] }, ['d2']],
        [{ since: T0 + 1_000 }, ['d7', 'd6', 'd5', 'd4', 'd3']],
        [{ until: T0 + 1_000 }, ['d2', 'd1']],
        [{ since: T0 + 1_000, until: T0 + 3_000 }, ['d5', 'd4', 'd3']],
        [{ since: T0 + 1_500, until: T0 + 1_600 }, []],
        [{ statuses: ['2xx'] }, ['d6', 'd1']],
        [{ statuses: ['4xx', '5xx'] }, ['d7', 'd3', 'd2']],
        [{ statuses: ['network'] }, ['d5']],
        [{ statuses: [204] }, ['d6']],
        [{ statuses: [503], states: ['dead'] }, ['d7']],
        [{ minAttempts: 2 }, ['d7', 'd5']],
        [{ minAttempts: 0, connectors: ['nobody'] }, []],
        [{ states: [] }, []],
      ];
      for (const [filter, expected] of cases) assert.deepEqual(await ids(store, filter), expected, JSON.stringify(filter));
      for (const [filter, expected] of cases) assert.deepEqual(await ids(store, filter, { order: 'asc' }), [...expected].reverse(), `asc ${JSON.stringify(filter)}`);
    }));

  it('pages with the cursor it hands out, each delivery once, in both orders and on every access path', () =>
    withStore(openFresh, async (store) => {
      await withSeven(store);
      for (const filter of [{}, { states: ['dead', 'retrying'] }, { eventId: 'e2' }, { connectors: ['crm'] }] as DeliveryFilter[]) {
        for (const order of ['desc', 'asc'] as const) {
          const all = await ids(store, filter, { order });
          const paged: string[] = [];
          let after: string | undefined;
          for (let pages = 0; pages < 20; pages++) {
            const page = await store.findDeliveries({ filter, order, limit: 2, ...(after !== undefined && { after }) });
            paged.push(...page.deliveries.map((d) => d.id));
            if (page.next === null) break;
            after = page.next;
          }
          assert.deepEqual(paged, all, `${order} ${JSON.stringify(filter)}`);
        }
      }
      const last = await store.findDeliveries({ filter: { states: ['dead'] }, order: 'asc', limit: 3 });
      assert.equal(last.next, null, 'no cursor when nothing more can match');
      await assert.rejects(store.findDeliveries({ filter: {}, order: 'desc', limit: 2, after: 'not-a-cursor' }), isHmsError('QUERY_INVALID'));
    }));

  it('gives event bodies only when asked, and a delivery with its event and every attempt', () =>
    withStore(openFresh, async (store) => {
      await withSeven(store);
      const [plain] = (await store.findDeliveries({ filter: { eventId: 'e1' }, order: 'asc', limit: 1 })).deliveries;
      assert.equal(plain!.eventBody, undefined);
      const [withBody] = (await store.findDeliveries({ filter: { eventId: 'e1' }, order: 'asc', limit: 1, withBody: true })).deliveries;
      assert.deepEqual(JSON.parse(withBody!.eventBody!), { type: 'permit.approved', id: 'e1', permitId: 123 });

      await store.recordAttempt({ ...attempt('d4', 1, retrying(T0 + 9_000)), request: '{"method":"POST"}', traceparent: '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01' });
      const detail = await store.getDelivery('d4');
      assert.deepEqual(
        { ...detail, updatedAt: 0 },
        {
          id: 'd4', eventId: 'e2', eventType: 'permit.cancelled', connector: 'erp', route: 'other', state: 'retrying', attempts: 1, lastStatus: 503,
          lastError: 'TARGET_UNAVAILABLE: 503', nextAttemptAt: T0 + 9_000, acceptedAt: T0 + 1_000, updatedAt: 0, orderingKey: null,
          eventBody: JSON.stringify({ type: 'permit.cancelled', id: 'e2', permitId: 124 }), eventTraceparent: null,
          history: [{ attempt: 1, startedAt: T0 + 100, durationMs: 10, status: 503, error: 'TARGET_UNAVAILABLE: 503', errorCode: 'TARGET_UNAVAILABLE', revision: '3f2a9c1b7d4e@abc1234', responseBody: null, request: '{"method":"POST"}', traceparent: '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01' }],
        },
      );
      assert.equal(await store.getDelivery('missing'), undefined);
    }));

  it('keeps the traceparent an event came with, and gives it to the claimer and the event view', () =>
    withStore(openFresh, async (store) => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await store.acceptEvents([{ ...typed('t1', 'permit.approved', T0, {}, [pending('dt')]), traceparent }, typed('t2', 'permit.approved', T0, {}, [])]);
      assert.equal((await store.getEvent('t1'))!.traceparent, traceparent);
      assert.equal((await store.getEvent('t2'))!.traceparent, null);
      const [claimed] = await store.claimDue({ now: T0, limit: 10, leaseMs: 1_000, connectors: new Set(['crm']) });
      assert.equal(claimed!.traceparent, traceparent);
      assert.equal((await store.getDelivery('dt'))!.eventTraceparent, traceparent);
    }));
}
