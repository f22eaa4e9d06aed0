/**
 * The write operations of the SQLite store, each a synchronous function that the write queue runs
 * inside a flush's transaction (so each is atomic, and sees the operations queued before it).
 */
import { HmsError } from '../../errors.js';
import { ACTION_STATES, type DeliveryAction, type DeliveryFilter } from '../delivery-queries.js';
import {
  REDRIVE_ERROR_CODES,
  type AcceptResult,
  type AttemptRecord,
  type ClaimedDelivery,
  type ClaimOptions,
  type DisabledConnector,
  type KeyRunOptions,
  type NewEvent,
  type ReconcileResult,
} from '../store.js';
import type { DeliveryFinder } from './find-deliveries.js';
import { MAX_ROWS_PER_STATEMENT, nameList, type ActionParams, type Statements } from './sql.js';
import { inSavepoint, type Settled } from './write-queue.js';
import { claimedDelivery, keyRun } from '../store-rows.js';
import { attemptRuns } from '../attempt-runs.js';

/** Bound to `json_each(?)` in SQL.redrive. */
const REDRIVE_CODES_JSON = JSON.stringify(REDRIVE_ERROR_CODES);

/**
 * Stores each event that is new, with its deliveries, created when the event was received. An id
 * already stored (by an earlier call or earlier in this batch) is a duplicate and gets no deliveries. A pending or inflight delivery
 * without nextAttemptAt is due when its event was received; a dead one without lastErrorCode died
 * of MAPPING_FAILED.
 */
export function acceptEvents(sql: Statements, events: readonly NewEvent[], now: number): AcceptResult[] {
  const stored = new Map<string, number>();
  for (const chunk of chunked(events)) {
    const values = chunk.flatMap((event) => [event.id, event.type, event.body, event.receivedAt, event.traceparent ?? null]);
    for (const row of sql.insertEvents(chunk.length).all(...values)) stored.set(row.id, row.seq);
  }
  const results: AcceptResult[] = [];
  const rows: unknown[][] = [];
  const unreferenced: number[][] = [];
  for (const event of events) {
    // An id stored by an earlier call was not returned; one repeated in this batch is new only once.
    const seq = stored.get(event.id);
    if (seq === undefined) {
      results.push({ id: event.id, duplicate: true, deliveries: 0 });
      continue;
    }
    stored.delete(event.id);
    if (event.deliveries.length === 0) unreferenced.push([event.receivedAt, seq]);
    for (const d of event.deliveries) {
      const nextAttemptAt = d.state === 'dead' ? null : (d.nextAttemptAt ?? event.receivedAt);
      const lastErrorCode = d.lastErrorCode ?? (d.state === 'dead' ? 'MAPPING_FAILED' : null);
      rows.push([d.id, event.id, d.connector, d.route, d.state, d.lastError ?? null, lastErrorCode, nextAttemptAt, event.receivedAt, now, d.orderingKey ?? null]);
    }
    results.push({ id: event.id, duplicate: false, deliveries: event.deliveries.length });
  }
  for (const chunk of chunked(rows)) sql.insertDeliveries(chunk.length).run(...chunk.flat());
  for (const chunk of chunked(unreferenced)) sql.insertUnreferenced(chunk.length).run(...chunk.flat());
  return results;
}

/** Consecutive slices of at most MAX_ROWS_PER_STATEMENT items. */
function* chunked<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += MAX_ROWS_PER_STATEMENT) yield items.slice(start, start + MAX_ROWS_PER_STATEMENT);
}

/**
 * Takes up to `limit` due deliveries, oldest first, passing over `skip` ids, and leases them. A
 * delivery behind an unfinished older one of its ordering key is not due (see SQL.selectDue).
 * A skipped id still blocks the later deliveries of its key: it is unfinished.
 * Rows are read lazily, so a large `skip` set costs only the rows passed over. The iterator must
 * finish before the updates run: a connection cannot write while a statement is stepping.
 */
export function claimDue(sql: Statements, options: ClaimOptions): ClaimedDelivery[] {
  const { now, limit, leaseMs, skip } = options;
  const claimed: ClaimedDelivery[] = [];
  if (limit <= 0 || options.connectors.size === 0) return claimed;
  for (const row of sql.selectDue.iterate(now, nameList(options.connectors))) {
    if (skip?.has(row.id)) continue;
    claimed.push(claimedDelivery(row));
    if (claimed.length >= limit) break;
  }
  if (claimed.length > 0) sql.claim.run(now + leaseMs, now, JSON.stringify(claimed.map((delivery) => delivery.id)));
  return claimed;
}

/** Claims the run of each key (see KeyRunOptions); the store's one writer reads each key's
 * unfinished deliveries from its oldest, so no other claimer holds any of them. */
export function claimKeyRuns(sql: Statements, options: KeyRunOptions): ClaimedDelivery[] {
  const { now, leaseMs, perKey, skip } = options;
  const claimed: ClaimedDelivery[] = [];
  for (const { connector, orderingKey } of options.keys) {
    for (const row of keyRun(sql.selectKeyRun.all(connector, orderingKey, perKey), now, skip)) claimed.push(claimedDelivery(row));
  }
  if (claimed.length > 0) sql.claim.run(now + leaseMs, now, JSON.stringify(claimed.map((delivery) => delivery.id)));
  return claimed;
}

/**
 * Records an attempt and moves its delivery to the attempt's next state. A retrying delivery
 * without nextAttemptAt is due now. The attempt is kept on the delivery as its last; a failed one
 * is also an attempts row, a delivered one is not (migration 9: the history shows it from the
 * delivery). Rejects for an unknown delivery or a repeated attempt number of a failure.
 */
export function recordAttempt(sql: Statements, r: AttemptRecord, now: number): void {
  if (r.nextState !== 'delivered') sql.insertAttempt.run(r.deliveryId, r.attempt, r.startedAt, r.durationMs, r.status, r.error, r.errorCode, r.revision, r.responseBody ?? null, r.request ?? null, r.traceparent ?? null);
  const nextAttemptAt = r.nextState === 'retrying' ? (r.nextAttemptAt ?? now) : null;
  const changed = sql.updateAfterAttempt.run(r.attempt, r.status, r.error, r.errorCode, r.nextState, nextAttemptAt, r.startedAt, r.durationMs, r.revision, r.traceparent ?? null, now, r.deliveryId, r.attempt);
  if (changed.changes === 0) throw new HmsError('NOT_FOUND', `no delivery ${r.deliveryId} with fewer than ${r.attempt} attempts`);
}

/**
 * Records many attempts, one result each, in order: as a few multi-row statements when they all
 * apply, else one by one so that each bad record (unknown delivery, repeated attempt number)
 * fails alone. An attempt for a delivery already in the current chunk starts the next chunk, so
 * two attempts of one delivery apply in call order.
 */
export function recordAttempts(sql: Statements, records: readonly AttemptRecord[], now: number): Settled<void>[] {
  const together = inSavepoint(sql, () => {
    for (const chunk of attemptRuns(records, MAX_ROWS_PER_STATEMENT)) recordChunk(sql, chunk, now);
  });
  const results = together.ok ? records.map(() => together) : records.map((record) => inSavepoint(sql, () => recordAttempt(sql, record, now)));
  // Deliveries finished: each connector's floor moves up to its oldest unfinished one (migration 9).
  sql.advanceFloors.run();
  return results;
}

function recordChunk(sql: Statements, chunk: readonly AttemptRecord[], now: number): void {
  const failed: unknown[] = [];
  const updates: unknown[] = [now];
  for (const r of chunk) {
    if (r.nextState !== 'delivered') failed.push(r.deliveryId, r.attempt, r.startedAt, r.durationMs, r.status, r.error, r.errorCode, r.revision, r.responseBody ?? null, r.request ?? null, r.traceparent ?? null);
    updates.push(r.deliveryId, r.attempt, r.status, r.error, r.errorCode, r.nextState, r.nextState === 'retrying' ? (r.nextAttemptAt ?? now) : null, r.startedAt, r.durationMs, r.revision, r.traceparent ?? null);
  }
  if (failed.length > 0) sql.insertAttempts(failed.length / ATTEMPT_COLUMNS).run(...failed);
  if (sql.updateAfterAttempts(chunk.length).run(...updates).changes !== chunk.length) throw new HmsError('NOT_FOUND', 'an attempt names an unknown delivery, or one already made');
}

/** Parameters of one attempts row (SQL.insertAttempts). */
const ATTEMPT_COLUMNS = 11;

/** See Store.requeue. */
export function requeue(sql: Statements, ids: readonly string[], dueAt: number, now: number): void {
  for (const id of ids) sql.requeue.run(dueAt, now, id);
}

/** See Store.setDisabled. */
export function setDisabled(sql: Statements, connector: string, disabled: Omit<DisabledConnector, 'connector'> | null): void {
  if (disabled === null) sql.deleteDisabled.run(connector);
  else sql.upsertDisabled.run(connector, disabled.revision, disabled.since, disabled.reason);
}

/** Reads the connectors that have unfinished deliveries from the counts, and only the deliveries
 * of those not configured: what it costs does not grow with the backlog of the others. */
export function reconcileConnectors(sql: Statements, connectors: ReadonlySet<string>, now: number): ReconcileResult {
  const parked: Record<string, number> = {};
  for (const { connector } of sql.connectorsWaiting.all()) {
    if (connectors.has(connector)) continue;
    const moved = sql.parkConnector.run(now, connector).changes;
    if (moved > 0) parked[connector] = moved;
  }
  const resumed = sql.resumeParked.run(now, now, nameList(connectors)).changes;
  return { parked, resumed };
}

/**
 * Deliveries restarted or discarded per write (redrive, an operator's retry or discard of many): a
 * million of them in one statement would hold the engine's thread for seconds, ingest included.
 * The store repeats the write, one flush each, until a write changes fewer.
 */
export const RESTART_CHUNK_ROWS = 10_000;

/** Up to `limit` dead deliveries of `connector` that died of a cause in REDRIVE_ERROR_CODES become
 * `retrying`, due at `now`, their retry schedule restarted after the attempts already made. */
export function redrive(sql: Statements, connector: string, now: number, limit: number): number {
  return sql.redrive.run(now, now, connector, REDRIVE_CODES_JSON, limit).changes;
}

/** See Store.act: `keys` are delivery ids, or seqs. `connectors` null: any connector. */
export function act(sql: Statements, action: DeliveryAction, by: 'id' | 'seq', keys: readonly (string | number)[], connectors: ReadonlySet<string> | null, now: number): number {
  if (keys.length === 0) return 0;
  const params: ActionParams = { keys: JSON.stringify(keys), now, connectors: connectors === null ? '[]' : nameList(connectors), anyConnector: connectors === null ? 1 : 0 };
  const statement = action === 'retry' ? (by === 'id' ? sql.retryByIds : sql.retryBySeqs) : by === 'id' ? sql.discardByIds : sql.discardBySeqs;
  return statement.run(params).changes;
}

/**
 * One chunk of Store.actOnMatching: the next page (from `after`, in acceptance order) of the
 * deliveries matching `filter` that `action` applies to, changed. Reading and changing happen in
 * this one write, so nothing moves in between. `next` is where the following chunk starts; null
 * when none follows.
 */
export function actOnChunk(
  sql: Statements,
  finder: DeliveryFinder,
  action: DeliveryAction,
  filter: DeliveryFilter,
  connectors: ReadonlySet<string> | null,
  now: number,
  after: string | undefined,
): { changed: number; next: string | null } {
  const page = finder.findSeqs({ filter: actionFilter(action, filter, connectors), order: 'asc', limit: RESTART_CHUNK_ROWS, ...(after !== undefined && { after }) });
  return { changed: act(sql, action, 'seq', page.rows, connectors, now), next: page.next };
}

/** `filter` narrowed to what `action` applies to: its states, and of the connectors it names,
 * those given. (Deliveries of other connectors are read, and left alone by the write: a list of
 * every connector in the filter would make SQLite read each row to test it.) */
export function actionFilter(action: DeliveryAction, filter: DeliveryFilter, connectors: ReadonlySet<string> | null): DeliveryFilter {
  const states = (filter.states ?? ACTION_STATES[action]).filter((state) => ACTION_STATES[action].includes(state));
  const named = connectors === null || filter.connectors === undefined ? filter.connectors : filter.connectors.filter((name) => connectors.has(name));
  return { ...filter, states, ...(named !== undefined && { connectors: named }) };
}
