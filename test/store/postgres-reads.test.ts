/**
 * The PostgreSQL store's reads, operator actions, replays and retention (engine/store/postgres/
 * reads.ts) against a real migrated schema seeded by SQL, asserting what the store contract
 * (store-contract.ts) asserts of the SQLite store, and what only PostgreSQL needs: bounded finds,
 * chunked actions and retention past one chunk, the size of a schema.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { createPostgresReads, type PostgresReads } from '../../engine/store/postgres/reads.js';
import { findPage } from '../../engine/store/postgres/find-deliveries.js';
import type { DeliveryFilter, FindOptions, NewReplay, NewReplayDelivery, ReplayScan, ReplayStep, RetentionPolicy } from '../../engine/store/store.js';
import { isHmsError, T0 } from './contract-helpers.js';
import { attemptRow, deliveryRow, eventRow, insert, useMigratedSchemas, type MigratedSchema } from './postgres-fixtures.js';

const withSchema = useMigratedSchemas('reads');
const DAY = 86_400_000;
const MINUTE = 60_000;
const NOTHING_DELETED = { deliveries: 0, dead: 0, events: 0 };

function withReads(body: (reads: PostgresReads, schema: MigratedSchema) => Promise<void>): () => Promise<void> {
  return () => withSchema((schema) => body(createPostgresReads(schema.context), schema));
}

async function column(pool: pg.Pool, sql: string, values: unknown[] = []): Promise<unknown[]> {
  return (await pool.query(sql, values)).rows.map((row: Record<string, unknown>) => Object.values(row)[0]);
}

/**
 * The contract's seven deliveries of five events, a second apart (contract-find.ts):
 *   d1 crm/main   permit.approved  delivered 200        d2 erp/main  permit.approved  dead 400
 *   d3 crm/main   permit.cancelled retrying 503 (1)     d4 erp/other permit.cancelled pending
 *   d5 crm/main   invoice.paid     dead, no answer (2)  d6 crm/alert sync.dead         delivered 204
 *   d7 crm/main   permit.approved  dead 503 (3)
 */
async function seedSeven(pool: pg.Pool): Promise<void> {
  const typed = (id: string, type: string, at: number, fields: Record<string, unknown>) => ({ ...eventRow(id, at), type, body: JSON.stringify({ type, id, ...fields }) });
  await insert(pool, 'events', [
    typed('e1', 'permit.approved', T0, { permitId: 123 }),
    typed('e2', 'permit.cancelled', T0 + 1_000, { permitId: 124 }),
    typed('e3', 'invoice.paid', T0 + 2_000, { amount: 50 }),
    typed('e4', 'sync.dead', T0 + 3_000, {}),
    typed('e5', 'permit.approved', T0 + 4_000, { permitId: 125 }),
  ]);
  const at = (n: number) => ({ created_at: T0 + n * 1_000 });
  await insert(pool, 'deliveries', [
    deliveryRow('d1', 'e1', { state: 'delivered', attempts: 1, last_status: 200, next_attempt_at: null }),
    deliveryRow('d2', 'e1', { connector: 'erp', state: 'dead', attempts: 1, last_status: 400, last_error: 'TARGET_REJECTED: it failed', last_error_code: 'TARGET_REJECTED', next_attempt_at: null }),
    deliveryRow('d3', 'e2', { ...at(1), state: 'retrying', attempts: 1, last_status: 503, last_error: 'TARGET_UNAVAILABLE: 503', last_error_code: 'TARGET_UNAVAILABLE', next_attempt_at: T0 + 60_000 }),
    deliveryRow('d4', 'e2', { ...at(1), connector: 'erp', route: 'other' }),
    deliveryRow('d5', 'e3', { ...at(2), state: 'dead', attempts: 2, last_error: 'RETRIES_EXHAUSTED after 2 attempts', last_error_code: 'RETRIES_EXHAUSTED', next_attempt_at: null }),
    deliveryRow('d6', 'e4', { ...at(3), route: 'alert', state: 'delivered', attempts: 1, last_status: 204, next_attempt_at: null }),
    deliveryRow('d7', 'e5', { ...at(4), state: 'dead', attempts: 3, last_status: 503, last_error: 'RETRIES_EXHAUSTED: it failed', last_error_code: 'RETRIES_EXHAUSTED', next_attempt_at: null }),
  ]);
}

async function ids(reads: PostgresReads, filter: DeliveryFilter, extra: Partial<FindOptions> = {}): Promise<string[]> {
  return (await reads.findDeliveries({ filter, order: 'desc', limit: 100, ...extra })).deliveries.map((d) => d.id);
}

describe('PostgreSQL store: views of an event and a delivery, counts and backlog', () => {
  it('shows an event with its deliveries and their attempts, the delivered attempt from the delivery itself', withReads(async (reads, { pool }) => {
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await insert(pool, 'events', [eventRow('e1', T0, { traceparent: tp })]);
    await insert(pool, 'deliveries', [
      deliveryRow('d-ok', 'e1', { state: 'delivered', attempts: 2, last_status: 200, next_attempt_at: null, last_started_at: T0 + 200, last_duration_ms: 20, last_revision: 'rev-2', last_traceparent: tp }),
      deliveryRow('d-retry', 'e1', { connector: 'erp', state: 'retrying', attempts: 1, last_status: 503, last_error: 'TARGET_UNAVAILABLE: 503', next_attempt_at: T0 + 60_000, ordering_key: 'k1', updated_at: T0 + 7 }),
    ]);
    await insert(pool, 'attempts', [attemptRow('d-ok', 1), attemptRow('d-retry', 1, { request: '{"method":"POST"}', response_body: 'busy', traceparent: tp })]);
    const failed = { attempt: 1, startedAt: T0 + 100, durationMs: 10, status: 503, error: 'TARGET_UNAVAILABLE: 503', errorCode: 'TARGET_UNAVAILABLE', revision: 'rev-1', responseBody: null, request: null, traceparent: null };
    const retryHistory = [{ ...failed, responseBody: 'busy', request: '{"method":"POST"}', traceparent: tp }];
    assert.deepEqual(await reads.getEvent('e1'), {
      id: 'e1', type: 'order.created', receivedAt: T0, body: JSON.stringify({ type: 'order.created', id: 'e1' }), traceparent: tp,
      deliveries: [
        { id: 'd-ok', connector: 'crm', route: 'main', state: 'delivered', attempts: 2, lastStatus: 200, lastError: null, nextAttemptAt: null,
          history: [failed, { attempt: 2, startedAt: T0 + 200, durationMs: 20, status: 200, error: null, errorCode: null, revision: 'rev-2', responseBody: null, request: null, traceparent: tp }] },
        { id: 'd-retry', connector: 'erp', route: 'main', state: 'retrying', attempts: 1, lastStatus: 503, lastError: 'TARGET_UNAVAILABLE: 503', nextAttemptAt: T0 + 60_000, history: retryHistory },
      ],
    });
    assert.deepEqual(await reads.getDelivery('d-retry'), {
      id: 'd-retry', connector: 'erp', route: 'main', state: 'retrying', attempts: 1, lastStatus: 503, lastError: 'TARGET_UNAVAILABLE: 503', nextAttemptAt: T0 + 60_000,
      history: retryHistory, eventId: 'e1', eventType: 'order.created', acceptedAt: T0, updatedAt: T0 + 7, orderingKey: 'k1',
      eventBody: JSON.stringify({ type: 'order.created', id: 'e1' }), eventTraceparent: tp,
    });
    assert.deepEqual(await reads.deliveryState('d-ok'), { state: 'delivered', connector: 'crm' });
    assert.equal(await reads.getEvent('missing'), undefined);
    assert.equal(await reads.getDelivery('missing'), undefined);
    assert.equal(await reads.deliveryState('missing'), undefined);
  }));

  it('sees every write called before it, even one still gathering for its group commit', withReads(async (reads, { pool, context }) => {
    await insert(pool, 'events', [eventRow('e1')]);
    const written = context.writes.enqueue((client) => insert(client, 'deliveries', [deliveryRow('d1', 'e1')]), true);
    assert.deepEqual(await reads.deliveryState('d1'), { state: 'pending', connector: 'crm' });
    await written;
  }));

  it('counts deliveries per state and per connector, with the acceptance of the oldest unfinished one', withReads(async (reads, { pool }) => {
    assert.deepEqual(await reads.backlog(), []);
    assert.equal(await reads.oldestUnfinishedAt(), null);
    await insert(pool, 'events', [eventRow('e1', T0 + 5), eventRow('e2', T0 + 10)]);
    await insert(pool, 'deliveries', [
      deliveryRow('dead-1', 'e1', { created_at: T0 + 5, state: 'dead', next_attempt_at: null }),
      deliveryRow('r', 'e1', { created_at: T0 + 5, state: 'retrying', attempts: 1 }),
      deliveryRow('gone', 'e1', { created_at: T0 + 5, connector: 'erp', state: 'parked', next_attempt_at: null }),
      deliveryRow('x', 'e1', { created_at: T0 + 5, connector: 'erp', state: 'dead', next_attempt_at: null }),
      deliveryRow('p1', 'e2', { created_at: T0 + 10 }),
      deliveryRow('i', 'e2', { created_at: T0 + 10, state: 'inflight' }),
      deliveryRow('ok', 'e2', { created_at: T0 + 10, connector: 'ops', state: 'delivered', next_attempt_at: null }),
      deliveryRow('thrown', 'e2', { created_at: T0 + 10, connector: 'ops', state: 'discarded', next_attempt_at: null }),
    ]);
    assert.deepEqual(await reads.countByState(), { pending: 1, inflight: 1, retrying: 1, parked: 1, delivered: 1, dead: 2, discarded: 1 });
    assert.deepEqual(await reads.backlog(), [
      { connector: 'crm', pending: 1, inflight: 1, retrying: 1, parked: 0, dead: 1, discarded: 0, oldestWaitingAt: T0 + 5 },
      { connector: 'erp', pending: 0, inflight: 0, retrying: 0, parked: 1, dead: 1, discarded: 0, oldestWaitingAt: null },
      { connector: 'ops', pending: 0, inflight: 0, retrying: 0, parked: 0, dead: 0, discarded: 1, oldestWaitingAt: null },
    ]);
    assert.equal(await reads.oldestUnfinishedAt(), T0 + 5);
    await pool.query(`UPDATE deliveries SET state = 'delivered' WHERE id = 'r'`);
    assert.equal(await reads.oldestUnfinishedAt(), T0 + 10, 'the oldest follows as older ones finish');
    assert.equal((await reads.backlog())[0]?.oldestWaitingAt, T0 + 10);
  }));
});

describe('PostgreSQL store: after close', () => {
  it('rejects reads, actions, replays and retention with ENGINE_CLOSED once its pool is ending', withReads(async (reads, { pool }) => {
    await insert(pool, 'events', [eventRow('e1')]);
    await pool.end();
    const closed = isHmsError('ENGINE_CLOSED');
    await assert.rejects(reads.getEvent('e1'), closed);
    await assert.rejects(reads.countByState(), closed);
    await assert.rejects(reads.act('retry', ['d1'], null, T0), closed);
    await assert.rejects(reads.startReplay(newReplay('r1')), closed);
    await assert.rejects(reads.deleteExpired(policy(T0)), closed);
  }));
});

describe('PostgreSQL store: finds', () => {
  it('combines filters with AND in both orders: connector, route, states, type globs, event id, time, status, attempts', withReads(async (reads, { pool }) => {
    await seedSeven(pool);
    const cases: [DeliveryFilter, string[]][] = [
      [{}, ['d7', 'd6', 'd5', 'd4', 'd3', 'd2', 'd1']],
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
      [{ eventTypes: ['permit_approved'] }, [], ],
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
      [{ connectors: [] }, []],
    ];
    for (const [filter, expected] of cases) assert.deepEqual(await ids(reads, filter), expected, JSON.stringify(filter));
    for (const [filter, expected] of cases) assert.deepEqual(await ids(reads, filter, { order: 'asc' }), [...expected].reverse(), `asc ${JSON.stringify(filter)}`);
  }));

  it('pages with the cursor it hands out, each delivery once, in both orders and on every access path', withReads(async (reads, { pool }) => {
    await seedSeven(pool);
    for (const filter of [{}, { states: ['dead', 'retrying'] }, { eventId: 'e2' }, { connectors: ['crm'] }, { states: ['delivered', 'dead'] }] as DeliveryFilter[]) {
      for (const order of ['desc', 'asc'] as const) {
        const all = await ids(reads, filter, { order });
        const paged: string[] = [];
        let after: string | undefined;
        for (let pages = 0; pages < 20; pages++) {
          const page = await reads.findDeliveries({ filter, order, limit: 2, ...(after !== undefined && { after }) });
          paged.push(...page.deliveries.map((d) => d.id));
          if (page.next === null) break;
          after = page.next;
        }
        assert.deepEqual(paged, all, `${order} ${JSON.stringify(filter)}`);
      }
    }
    assert.equal((await reads.findDeliveries({ filter: { states: ['dead'] }, order: 'asc', limit: 3 })).next, null, 'no cursor when nothing more can match');
    await assert.rejects(reads.findDeliveries({ filter: {}, order: 'desc', limit: 2, after: 'not-a-cursor' }), isHmsError('QUERY_INVALID'));
  }));

  it('examines a bounded stretch of the table per call: short and empty pages, with a next, until the end', withReads(async (_reads, { pool }) => {
    await seedSeven(pool);
    const pages: string[][] = [];
    let after: string | undefined;
    for (let calls = 0; calls < 10; calls++) {
      const page = await findPage(pool, { filter: { connectors: ['erp'] }, order: 'asc', limit: 10, ...(after !== undefined && { after }) }, 2);
      pages.push(page.deliveries.map((d) => d.id));
      if (page.next === null) break;
      after = page.next;
    }
    assert.deepEqual(pages, [['d2'], ['d4'], [], []], 'two seqs a call: d1 d2 | d3 d4 | d5 d6 | d7');
  }));

  it('gives event bodies only when asked, and every field of a listed delivery', withReads(async (reads, { pool }) => {
    await seedSeven(pool);
    const [plain] = (await reads.findDeliveries({ filter: { eventId: 'e1' }, order: 'asc', limit: 1 })).deliveries;
    assert.equal(plain!.eventBody, undefined);
    const [withBody] = (await reads.findDeliveries({ filter: { eventId: 'e1' }, order: 'asc', limit: 1, withBody: true })).deliveries;
    assert.deepEqual(JSON.parse(withBody!.eventBody!), { type: 'permit.approved', id: 'e1', permitId: 123 });
    const [d3] = (await reads.findDeliveries({ filter: { eventId: 'e2', route: 'main' }, order: 'desc', limit: 10 })).deliveries;
    assert.deepEqual(
      { ...d3, cursor: typeof d3!.cursor },
      { id: 'd3', cursor: 'string', eventId: 'e2', eventType: 'permit.cancelled', connector: 'crm', route: 'main', state: 'retrying', attempts: 1, lastStatus: 503, lastError: 'TARGET_UNAVAILABLE: 503', nextAttemptAt: T0 + 60_000, acceptedAt: T0 + 1_000, updatedAt: T0 },
    );
  }));
});

/**
 * The contract's deliveries in every state (contract-actions.ts): e1 (crm): d-rejected dead 400,
 * d-when dead at ingest, d-ok delivered, d-exhausted dead after 2, d-waiting retrying (due in a
 * minute), d-new pending (due in an hour); e2: d-erp dead (erp), d-parked (connector gone).
 */
async function seedEveryState(pool: pg.Pool): Promise<void> {
  await insert(pool, 'events', [eventRow('e1'), eventRow('e2')]);
  const dead = (code: string, attempts: number) => ({ state: 'dead', attempts, next_attempt_at: null, last_error_code: code, last_error: `${code}: it failed` });
  await insert(pool, 'deliveries', [
    deliveryRow('d-rejected', 'e1', { ...dead('TARGET_REJECTED', 1), last_status: 400 }),
    deliveryRow('d-when', 'e1', dead('MAPPING_FAILED', 0)),
    deliveryRow('d-ok', 'e1', { state: 'delivered', attempts: 1, last_status: 200, next_attempt_at: null }),
    deliveryRow('d-exhausted', 'e1', { ...dead('RETRIES_EXHAUSTED', 2), last_status: 503 }),
    deliveryRow('d-waiting', 'e1', { state: 'retrying', attempts: 1, last_status: 503, next_attempt_at: T0 + 60_000 }),
    deliveryRow('d-new', 'e1', { next_attempt_at: T0 + 3_600_000 }),
    deliveryRow('d-erp', 'e2', { ...dead('TARGET_REJECTED', 1), connector: 'erp', last_status: 422 }),
    deliveryRow('d-parked', 'e2', { connector: 'gone', state: 'parked', next_attempt_at: null }),
  ]);
}

/** Each delivery's [state, next_attempt_at, schedule_offset, updated_at], by id. */
async function rowsById(pool: pg.Pool): Promise<Record<string, [string, number | null, number, number]>> {
  const { rows } = await pool.query<{ id: string; state: string; next_attempt_at: number | null; schedule_offset: number; updated_at: number }>('SELECT id, state, next_attempt_at, schedule_offset, updated_at FROM deliveries');
  return Object.fromEntries(rows.map((r) => [r.id, [r.state, r.next_attempt_at, r.schedule_offset, r.updated_at]]));
}

const CRM: ReadonlySet<string> = new Set(['crm']);
const BOTH: ReadonlySet<string> = new Set(['crm', 'erp']);

describe("PostgreSQL store: operators' retries and discards", () => {
  it('retries dead and discarded deliveries with a fresh schedule, retrying and parked ones keeping theirs', withReads(async (reads, { pool }) => {
    await seedEveryState(pool);
    assert.equal(await reads.act('retry', ['d-exhausted', 'd-waiting', 'd-parked'], new Set(['crm', 'gone']), T0 + 500), 3);
    const after = await rowsById(pool);
    assert.deepEqual(after['d-exhausted'], ['retrying', T0 + 500, 2, T0 + 500]);
    assert.deepEqual(after['d-waiting'], ['retrying', T0 + 500, 0, T0 + 500]);
    assert.deepEqual(after['d-parked'], ['retrying', T0 + 500, 0, T0 + 500]);
    assert.equal(await reads.act('retry', ['d-ok', 'd-new', 'd-erp', 'missing'], CRM, T0 + 600), 0, 'delivered, pending, and a connector not given are left alone');
    assert.deepEqual((await rowsById(pool))['d-new'], ['pending', T0 + 3_600_000, 0, T0]);
  }));

  it('discards dead, retrying and parked deliveries of any connector, and a discarded one can be retried by hand', withReads(async (reads, { pool }) => {
    await seedEveryState(pool);
    assert.equal(await reads.act('discard', ['d-rejected', 'd-waiting', 'd-parked', 'd-ok', 'd-new'], null, T0 + 500), 3);
    assert.deepEqual((await reads.countByState()).discarded, 3);
    assert.deepEqual((await rowsById(pool))['d-waiting'], ['discarded', null, 0, T0 + 500]);
    assert.equal(await reads.act('discard', ['d-rejected'], null, T0 + 700), 0, 'already discarded');
    assert.equal(await reads.act('retry', ['d-rejected'], CRM, T0 + 700), 1);
    assert.deepEqual((await rowsById(pool))['d-rejected'], ['retrying', T0 + 700, 1, T0 + 700]);
  }));

  it('acts on every delivery matching a filter, only in the states the action takes and of the connectors given', withReads(async (reads, { pool }) => {
    await seedEveryState(pool);
    assert.equal(await reads.actOnMatching('retry', { states: ['dead'], connectors: ['crm'] }, BOTH, T0 + 500), 3);
    assert.equal(await reads.actOnMatching('retry', { connectors: ['erp'] }, CRM, T0 + 500), 0, 'erp is not among the connectors');
    assert.equal(await reads.actOnMatching('discard', { eventId: 'e2' }, null, T0 + 600), 2, 'dead d-erp and parked d-parked');
    assert.equal(await reads.actOnMatching('discard', {}, null, T0 + 700), 4, 'd-rejected, d-when, d-exhausted (retrying now) and d-waiting');
    assert.deepEqual((await reads.findDeliveries({ filter: { states: ['discarded'] }, order: 'asc', limit: 10 })).deliveries.map((d) => d.id), ['d-rejected', 'd-when', 'd-exhausted', 'd-waiting', 'd-erp', 'd-parked']);
  }));

  it('acts on more deliveries than one chunk takes, each once', withReads(async (reads, { pool }) => {
    await insert(pool, 'events', [eventRow('many')]);
    await pool.query(`INSERT INTO deliveries (id, event_id, connector, route, state, attempts, created_at, updated_at)
      SELECT 'm' || n, 'many', CASE WHEN n % 2 = 0 THEN 'crm' ELSE 'erp' END, 'main', 'dead', 1, ${T0}, ${T0} FROM generate_series(1, 12000) n`);
    assert.equal(await reads.actOnMatching('retry', { states: ['dead'] }, CRM, T0 + 1), 6_000);
    assert.equal(await reads.actOnMatching('discard', {}, null, T0 + 2), 12_000);
    assert.deepEqual(await reads.countByState(), { pending: 0, inflight: 0, retrying: 0, parked: 0, delivered: 0, dead: 0, discarded: 12_000 });
  }));
});

function newReplay(id: string, extra: Partial<NewReplay> = {}): NewReplay {
  return { id, connector: 'crm', mode: 'redeliver', since: T0, until: T0 + 10 * MINUTE, retainedSince: T0 - MINUTE, eventTypes: null, where: null, perSecond: 100, createdAt: T0 + 20 * MINUTE, createdBy: 'api token', declared: false, ...extra };
}

function replayDelivery(id: string, eventId: string, state: NewReplayDelivery['state'] = 'pending'): NewReplayDelivery {
  return { id, eventId, connector: 'crm', route: 'main', state, nextAttemptAt: state === 'dead' ? null : T0 + 20 * MINUTE, ...(state === 'dead' && { lastError: 'MAPPING_FAILED: no' }) };
}

function step(position: number, deliveries: readonly NewReplayDelivery[], extra: Partial<ReplayStep> = {}): ReplayStep {
  return { deliveries, position, matched: new Set(deliveries.map((d) => d.eventId)).size, skippedByRetention: 0, done: false, now: T0 + 20 * MINUTE, ...extra };
}

/** Events e0..e{n-1}, one a minute from T0, each with a delivery of erp. */
async function eventsEachMinute(pool: pg.Pool, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    await insert(pool, 'events', [eventRow(`e${i}`, T0 + i * MINUTE)]);
    await insert(pool, 'deliveries', [deliveryRow(`live${i}`, `e${i}`, { connector: 'erp', created_at: T0 + i * MINUTE })]);
  }
}

async function scanAll(reads: PostgresReads, scan: Omit<ReplayScan, 'after'>): Promise<string[]> {
  const found: string[] = [];
  let after: number | null = null;
  for (let calls = 0; calls < 100; calls += 1) {
    const page = await reads.scanReplayEvents({ ...scan, after });
    found.push(...page.events.map((e) => e.id));
    if (page.done) return found;
    assert.ok(after === null || page.through > after, 'each call moves on');
    after = page.through;
  }
  throw new Error('the scan never finished');
}

describe('PostgreSQL store: replays', () => {
  it('scans the events of a window in acceptance order, a stretch at a time, and for a backfill those without its delivery', withReads(async (reads, { pool }) => {
    await eventsEachMinute(pool, 12);
    const window = { since: T0 + 2 * MINUTE, until: T0 + 9 * MINUTE, limit: 3 };
    assert.deepEqual(await scanAll(reads, window), ['e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8']);
    const first = await reads.scanReplayEvents({ ...window, after: null, limit: 1_000 });
    assert.equal(first.done, true);
    assert.deepEqual(first.events[0], { position: first.events[0]!.position, id: 'e2', type: 'order.created', body: JSON.stringify({ type: 'order.created', id: 'e2' }), receivedAt: T0 + 2 * MINUTE, traceparent: null });
    const rest = await reads.scanReplayEvents({ ...window, after: first.events[3]!.position, limit: 1_000 });
    assert.deepEqual(rest.events.map((e) => e.id), ['e6', 'e7', 'e8']);
    assert.deepEqual(await scanAll(reads, { since: T0 + 30 * MINUTE, until: T0 + 40 * MINUTE, limit: 5 }), [], 'a window after every event is empty');
    await insert(pool, 'events', [eventRow('has-crm', T0 + 12 * MINUTE), eventRow('no-routes', T0 + 13 * MINUTE)]);
    await insert(pool, 'deliveries', [deliveryRow('c1', 'has-crm')]);
    const all = { since: T0 + 10 * MINUTE, until: T0 + 20 * MINUTE, limit: 100 };
    assert.deepEqual(await scanAll(reads, { ...all, withoutDeliveryOf: 'crm' }), ['e10', 'e11', 'no-routes']);
    assert.deepEqual(await scanAll(reads, { ...all, withoutDeliveryOf: 'erp' }), ['has-crm', 'no-routes']);
  }));

  it('starts a declared backfill once per connector name, and lists replays newest first, and by state', withReads(async (reads) => {
    assert.equal(await reads.startReplay(newReplay('r1', { declared: true, createdAt: T0 })), true);
    assert.equal(await reads.startReplay(newReplay('r2', { declared: true })), false, 'the same connector again');
    const backfill = { createdAt: T0 + 1, connector: 'erp', mode: 'backfill', eventTypes: ['order.*'], where: 'total > 5', perSecond: 2.5, declared: true } as const;
    assert.equal(await reads.startReplay(newReplay('r3', backfill)), true);
    assert.equal(await reads.getReplay('r2'), undefined);
    await reads.cancelReplay('r1', T0 + 2);
    const [newest, oldest] = await reads.listReplays({ limit: 10 });
    assert.deepEqual(newest, { ...newReplay('r3', backfill), state: 'running', position: null, matched: 0, skippedByRetention: 0, created: 0, finishedAt: null, delivered: 0, dead: 0, waiting: 0 });
    assert.deepEqual([oldest?.id, oldest?.state, oldest?.finishedAt], ['r1', 'cancelled', T0 + 2]);
    assert.deepEqual((await reads.listReplays({ state: 'running', limit: 10 })).map((r) => r.id), ['r3']);
    assert.deepEqual((await reads.listReplays({ limit: 1 })).map((r) => r.id), ['r3']);
  }));

  it('records a step with its deliveries in one transaction while the replay runs, and nothing once it ended or was cancelled', withReads(async (reads, { pool }) => {
    await eventsEachMinute(pool, 3);
    await reads.startReplay(newReplay('r1'));
    assert.equal(await reads.recordReplayStep('r1', step(2, [replayDelivery('x0', 'e0'), replayDelivery('x1', 'e1'), replayDelivery('x1b', 'e1', 'dead')])), true);
    const created = await pool.query('SELECT id, replay_id, state, created_at, next_attempt_at, last_error_code FROM deliveries WHERE replay_id IS NOT NULL ORDER BY seq');
    assert.deepEqual(created.rows, [
      { id: 'x0', replay_id: 'r1', state: 'pending', created_at: T0 + 20 * MINUTE, next_attempt_at: T0 + 20 * MINUTE, last_error_code: null },
      { id: 'x1', replay_id: 'r1', state: 'pending', created_at: T0 + 20 * MINUTE, next_attempt_at: T0 + 20 * MINUTE, last_error_code: null },
      { id: 'x1b', replay_id: 'r1', state: 'dead', created_at: T0 + 20 * MINUTE, next_attempt_at: null, last_error_code: 'MAPPING_FAILED' },
    ]);
    await pool.query(`UPDATE deliveries SET state = 'delivered' WHERE id = 'x0'`);
    const view = await reads.getReplay('r1');
    assert.deepEqual([view?.position, view?.matched, view?.created, view?.delivered, view?.dead, view?.waiting], [2, 2, 3, 1, 1, 1]);

    await reads.recordReplayStep('r1', step(3, [replayDelivery('x2', 'e2')], { skippedByRetention: 2, done: true }));
    const done = await reads.getReplay('r1');
    assert.deepEqual([done?.state, done?.finishedAt, done?.skippedByRetention, done?.created], ['done', T0 + 20 * MINUTE, 2, 4]);
    assert.equal(await reads.recordReplayStep('r1', step(3, [replayDelivery('x9', 'e2')])), false, 'a finished replay takes no step');
    assert.equal((await reads.cancelReplay('r1', T0 + 40 * MINUTE))?.state, 'done', 'a finished replay stays as it ended');

    await reads.startReplay(newReplay('r2'));
    const cancelled = await reads.cancelReplay('r2', T0 + 30 * MINUTE);
    assert.deepEqual([cancelled?.state, cancelled?.finishedAt], ['cancelled', T0 + 30 * MINUTE]);
    assert.equal(await reads.recordReplayStep('r2', step(1, [replayDelivery('y0', 'e0')])), false);
    assert.equal(await reads.deliveryState('y0'), undefined, 'nothing created after the cancel');
    assert.equal(await reads.cancelReplay('nope', T0), undefined);
  }));
});

/** Deletes what finished before `before` (dead ones kept unless `deadBefore`), events received before `eventsBefore`. */
function policy(before: number, extra: Partial<RetentionPolicy> = {}): RetentionPolicy {
  return { deliveredBefore: before, deadBefore: null, eventsBefore: before, connectors: new Map(), ...extra };
}

async function idsOf(reads: PostgresReads, eventId: string): Promise<string[] | undefined> {
  return (await reads.getEvent(eventId))?.deliveries.map((d) => d.id);
}

const finished = (state: string, updatedAt: number, extra: Record<string, unknown> = {}) => ({ state, updated_at: updatedAt, next_attempt_at: null, attempts: 1, ...extra });

describe('PostgreSQL store: retention, the disk guard and size', () => {
  it('deletes finished deliveries past their cutoffs with their attempts, never an unfinished one, dead ones only with deadBefore', withReads(async (reads, { pool }) => {
    await insert(pool, 'events', [eventRow('e1')]);
    await insert(pool, 'deliveries', [
      deliveryRow('d-old', 'e1', finished('delivered', T0, { attempts: 2 })),
      deliveryRow('d-new', 'e1', finished('delivered', T0 + DAY)),
      deliveryRow('d-dead', 'e1', finished('dead', T0)),
      deliveryRow('d-discarded', 'e1', finished('discarded', T0)),
      ...['pending', 'inflight', 'retrying', 'parked'].map((state) => deliveryRow(`d-${state}`, 'e1', { state, updated_at: T0 - 365 * DAY })),
    ]);
    await insert(pool, 'attempts', [attemptRow('d-old', 1), attemptRow('d-dead', 1)]);
    const result = await reads.deleteExpired(policy(T0 + DAY, { eventsBefore: T0 }));
    assert.deepEqual(result.deleted, { deliveries: 2, dead: 0, events: 0 });
    assert.ok(result.longestWriteMs >= 0 && result.longestWriteCpuMs >= 0);
    assert.deepEqual(await idsOf(reads, 'e1'), ['d-new', 'd-dead', 'd-pending', 'd-inflight', 'd-retrying', 'd-parked']);
    assert.deepEqual(await column(pool, 'SELECT delivery_id FROM attempts'), ['d-dead'], "the deleted delivery's attempts went with it");
    assert.deepEqual((await reads.deleteExpired(policy(T0 + 365 * DAY, { deadBefore: T0 + 1, eventsBefore: T0 }))).deleted, { deliveries: 2, dead: 1, events: 0 });
    assert.deepEqual(await idsOf(reads, 'e1'), ['d-pending', 'd-inflight', 'd-retrying', 'd-parked']);
    assert.deepEqual((await reads.shrinkTo(0)).deleted, NOTHING_DELETED, 'the disk guard spares unfinished ones too');
  }));

  it("applies a connector's own cutoffs over the defaults", withReads(async (reads, { pool }) => {
    await insert(pool, 'events', [eventRow('e1')]);
    await insert(pool, 'deliveries', [
      deliveryRow('crm-1', 'e1', finished('delivered', T0)),
      deliveryRow('erp-1', 'e1', finished('delivered', T0, { connector: 'erp' })),
      deliveryRow('old-1', 'e1', finished('delivered', T0, { connector: 'removed' })),
      deliveryRow('erp-2', 'e1', finished('dead', T0, { connector: 'erp' })),
    ]);
    const now = T0 + 10 * DAY;
    const result = await reads.deleteExpired(policy(now - 7 * DAY, { connectors: new Map([['erp', { deliveredBefore: now - 30 * DAY, deadBefore: now - 5 * DAY }]]), eventsBefore: T0 }));
    assert.deepEqual(result.deleted, { deliveries: 3, dead: 1, events: 0 });
    assert.deepEqual(await idsOf(reads, 'e1'), ['erp-1']);
  }));

  it('keeps an event until eventsBefore, then deletes it once none of its deliveries remains', withReads(async (reads, { pool }) => {
    await insert(pool, 'events', [eventRow('e-no-route'), eventRow('e-done'), eventRow('e-mixed')]);
    await insert(pool, 'deliveries', [deliveryRow('d-done', 'e-done', finished('delivered', T0)), deliveryRow('d-ok', 'e-mixed', finished('delivered', T0)), deliveryRow('d-dead', 'e-mixed', finished('dead', T0))]);
    const now = T0 + DAY;
    assert.deepEqual((await reads.deleteExpired(policy(now, { eventsBefore: T0 - 1 }))).deleted, { deliveries: 2, dead: 0, events: 0 });
    assert.deepEqual((await reads.deleteExpired(policy(now))).deleted, { deliveries: 0, dead: 0, events: 2 });
    assert.equal(await reads.getEvent('e-done'), undefined);
    assert.deepEqual(await idsOf(reads, 'e-mixed'), ['d-dead']);
    assert.deepEqual((await reads.deleteExpired(policy(now, { deadBefore: now }))).deleted, { deliveries: 1, dead: 1, events: 1 });
    assert.equal(await reads.getEvent('e-mixed'), undefined);
  }));

  it('works past one chunk, finding events without deliveries behind many with one, and stops when its signal aborts', withReads(async (reads, { pool }) => {
    await pool.query(`INSERT INTO events (id, type, body, received_at) SELECT 'e' || n, 't', '{}', ${T0} + n FROM generate_series(1, 12000) n`);
    await pool.query(`INSERT INTO deliveries (id, event_id, connector, route, state, created_at, updated_at)
      SELECT 'd' || n, 'e' || n, 'crm', 'main', CASE WHEN n <= 6000 THEN 'dead' ELSE 'delivered' END, ${T0}, ${T0} FROM generate_series(1, 12000) n`);
    await insert(pool, 'events', [eventRow('lonely', T0 + 20_000)]);
    assert.deepEqual((await reads.deleteExpired(policy(T0 + 1), AbortSignal.abort())).deleted, NOTHING_DELETED);
    const result = await reads.deleteExpired(policy(T0 + 30_000));
    assert.deepEqual(result.deleted, { deliveries: 6_000, dead: 0, events: 6_001 });
    assert.deepEqual(await reads.countByState(), { pending: 0, inflight: 0, retrying: 0, parked: 0, delivered: 0, dead: 6_000, discarded: 0 });
  }));

  it('shrinks by deleting events without deliveries, then delivered deliveries, and reports the schema size with free space unknown', withReads(async (reads, { pool }) => {
    await insert(pool, 'events', [eventRow('e-no-route'), eventRow('e-done'), eventRow('e-dead'), eventRow('e-waiting')]);
    await insert(pool, 'deliveries', [deliveryRow('d-done', 'e-done', finished('delivered', T0)), deliveryRow('d-dead', 'e-dead', finished('dead', T0)), deliveryRow('d-waiting', 'e-waiting')]);
    const size = await reads.size();
    assert.ok(size.sizeBytes === size.dataBytes && size.dataBytes > 0, JSON.stringify(size));
    assert.equal(size.freeBytes, null);
    const roomy = await reads.shrinkTo(Number.MAX_SAFE_INTEGER);
    assert.deepEqual(roomy.deleted, NOTHING_DELETED);
    assert.equal(roomy.dataBytes, (await reads.size()).dataBytes);
    const shrunk = await reads.shrinkTo(0);
    assert.deepEqual(shrunk.deleted, { deliveries: 1, dead: 0, events: 2 });
    assert.ok(shrunk.dataBytes > 0);
    assert.equal(await reads.getEvent('e-no-route'), undefined);
    assert.equal(await reads.getEvent('e-done'), undefined);
    assert.deepEqual(await idsOf(reads, 'e-dead'), ['d-dead']);
    assert.deepEqual(await idsOf(reads, 'e-waiting'), ['d-waiting']);
  }));
});
