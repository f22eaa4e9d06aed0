/**
 * Every SQL statement of the SQLite backend (except the schema, which is in migrations.ts).
 * Statements are prepared once, when the store opens; positional parameters are named by the
 * labels of each statement's tuple type.
 *
 * The state lists in `selectDue` and `expireLeases` must stay textually identical to the WHERE of
 * the `deliveries_due` partial index, or SQLite will not use it (a test checks the plan).
 */
import type Database from 'better-sqlite3';
import type { DeliveryState } from '../../model.js';
import type { DisabledConnector } from '../store.js';
import type { AttemptRow, DeliveryDetailRow, DeliveryRow, DueRow, EventRow, KeyRunRow } from '../store-rows.js';

type Db = Database.Database;

/** The part of a prepared better-sqlite3 statement this backend uses, typed by parameters and row. */
export interface Stmt<Params extends unknown[], Row = unknown> {
  run(...params: Params): Database.RunResult;
  get(...params: Params): Row | undefined;
  all(...params: Params): Row[];
  iterate(...params: Params): IterableIterator<Row>;
}

/** WAL frames (pages) past which a commit checkpoints: 1,000 of 4 KiB, about 4 MB of WAL. */
export const WAL_AUTOCHECKPOINT_PAGES = 1_000;

/**
 * Connection settings, applied in this order before anything touches the file.
 * - locking_mode=EXCLUSIVE first: the connection keeps its lock until it closes, so one engine
 *   owns a data directory, and (in WAL mode) the WAL index lives in heap memory, not a -shm file.
 * - busy_timeout small: only a second opener ever waits, and it should fail fast with STORE_LOCKED.
 * - auto_vacuum=INCREMENTAL before journal_mode: it only takes hold on a file with no page yet (a
 *   new database), and setting WAL writes the first page. Retention then gives deleted pages back
 *   (`incremental_vacuum`); an older database gets it through a one-time VACUUM (compact-once.ts).
 * - journal_mode=WAL: a commit appends its pages to the WAL and syncs once; a rollback journal
 *   syncs the journal and the database file.
 * - synchronous=FULL: in WAL mode NORMAL syncs only at checkpoints, so a power loss can undo
 *   transactions that were already reported committed. FULL syncs the WAL at every commit, so an
 *   acknowledged event is on disk across power loss too; group commit pays that fsync once per
 *   flush, not once per event. Flushes of dispatch bookkeeping alone drop to NORMAL (see
 *   write-queue.ts): losing them only repeats a delivery.
 * - foreign_keys: a delivery must belong to a stored event, an attempt to a stored delivery.
 * - cache_size: negative means KiB; 16 MiB keeps the hot index pages (due work, event ids) in memory
 *   without dominating the engine's memory (RSS stays under 200 MB through 100,000 events).
 * - journal_size_limit 64 MiB: a checkpoint truncates a WAL that a large transaction (a burst, a
 *   VACUUM) grew past it, so the store's size on disk falls back once the data is checkpointed.
 * - wal_autocheckpoint (WAL_AUTOCHECKPOINT_PAGES, SQLite's default, written out): the commit that
 *   takes the WAL past it checkpoints before it returns, which bounds the WAL under constant
 *   ingest. Retention's chunks commit with it off and checkpoint on a turn of their own instead
 *   (sqlite-access.ts, writeAlone and checkpointAlone).
 */
export const PRAGMAS = [
  'locking_mode = EXCLUSIVE',
  'busy_timeout = 50',
  'auto_vacuum = INCREMENTAL',
  'journal_mode = WAL',
  'synchronous = FULL',
  'foreign_keys = ON',
  'cache_size = -16384',
  'temp_store = MEMORY',
  'journal_size_limit = 67108864',
  `wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`,
] as const;

/** What giving a dead delivery another go writes (redrive, retryDead): `retrying`, due at the first
 * parameter, with a fresh retry schedule counted from the attempts already made; then `updated_at`. */
const RESTART_DEAD = `SET state = 'retrying', next_attempt_at = ?, schedule_offset = attempts, updated_at = ?`;

export const SQL = {
  // Transaction control. The open transaction is EXCLUSIVE so the lock is taken at open, not at
  // the first write. Each queued operation of a flush runs in its own savepoint.
  beginExclusive: 'BEGIN EXCLUSIVE',
  begin: 'BEGIN IMMEDIATE',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  savepoint: 'SAVEPOINT op',
  release: 'RELEASE op',
  rollbackToSavepoint: 'ROLLBACK TO op',
  checkpoint: 'PRAGMA wal_checkpoint(TRUNCATE)',
  checkpointPassive: 'PRAGMA wal_checkpoint(PASSIVE)',
  autocheckpointOff: 'PRAGMA wal_autocheckpoint = 0',
  autocheckpointOn: `PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`,
  syncFull: 'PRAGMA synchronous = FULL',
  syncNormal: 'PRAGMA synchronous = NORMAL',

  // Migrations
  createMigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  selectSchemaVersion: 'SELECT coalesce(max(version), 0) AS version FROM schema_migrations',
  insertMigration: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',

  // Crash recovery at open (see open-database.ts): the leases of a previous owner, and the due
  // times of pending deliveries it gave back, end now. Read from deliveries_due (its WHERE, textually)
  // from `now` on: the leases and the retries not yet due, never the backlog that is due already.
  expireLeases: `UPDATE deliveries SET next_attempt_at = @now
    WHERE state IN ('pending', 'inflight', 'retrying') AND next_attempt_at > @now AND state <> 'retrying'`,

  // Ingest
  // Many rows per statement (see MAX_ROWS_PER_STATEMENT). An event id already stored is skipped;
  // RETURNING names the events that were stored.
  insertEvents: (rows: number) => `INSERT OR IGNORE INTO events (id, type, body, received_at, traceparent) VALUES ${placeholders(rows, 5)} RETURNING id, seq`,
  // Events stored without deliveries wait for --retain-events alone (see migration 5).
  insertUnreferenced: (rows: number) => `INSERT INTO events_unreferenced (received_at, seq) VALUES ${placeholders(rows, 2)}`,
  insertDeliveries: (rows: number) => `INSERT INTO deliveries
    (id, event_id, connector, route, state, last_error, last_error_code, next_attempt_at, created_at, updated_at, ordering_key)
    VALUES ${placeholders(rows, 11)}`,

  // Dispatch. A delivery's created_at is its event's acceptance, or when a replay created it. A
  // delivery with an ordering key is due only when no older delivery of its connector and key is
  // unfinished, so one key is sent one at a time in acceptance (seq) order. The subquery's WHERE
  // must stay textually identical to the deliveries_ordering index's.
  selectDue: `SELECT d.id, d.event_id, e.type AS event_type, d.connector, d.route, d.attempts, d.schedule_offset,
      d.ordering_key, e.body, d.created_at AS received_at, e.traceparent, d.replay_id
    FROM deliveries d INDEXED BY deliveries_due JOIN events e ON e.id = d.event_id
    WHERE d.state IN ('pending', 'inflight', 'retrying') AND d.next_attempt_at <= ?
      AND d.connector IN (SELECT value FROM json_each(?))
      AND (d.ordering_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM deliveries o
        WHERE o.connector = d.connector AND o.ordering_key = d.ordering_key AND o.seq < d.seq
          AND o.ordering_key IS NOT NULL AND o.state IN ('pending', 'inflight', 'retrying')))
    ORDER BY d.next_attempt_at, d.seq`,
  // A key's unfinished deliveries from its oldest (claimKeyRuns).
  selectKeyRun: `SELECT d.id, d.event_id, e.type AS event_type, d.connector, d.route, d.attempts, d.schedule_offset,
      d.ordering_key, e.body, d.created_at AS received_at, e.traceparent, d.replay_id, d.next_attempt_at
    FROM deliveries d INDEXED BY deliveries_ordering JOIN events e ON e.id = d.event_id
    WHERE d.connector = ? AND d.ordering_key = ?
      AND d.ordering_key IS NOT NULL AND d.state IN ('pending', 'inflight', 'retrying')
    ORDER BY d.seq
    LIMIT ?`,
  claim: `UPDATE deliveries SET state = 'inflight', next_attempt_at = ?, updated_at = ?
    WHERE id IN (SELECT value FROM json_each(?))`,
  // A failed attempt is an attempts row; every attempt, delivered or not, is also kept on its
  // delivery as its last one (a delivered attempt only there: see migration 9).
  insertAttempt: `INSERT INTO attempts (delivery_id, attempt, started_at, duration_ms, status, error, error_code, revision, response_body, request, traceparent)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  updateAfterAttempt: `UPDATE deliveries SET attempts = ?, last_status = ?, last_error = ?, last_error_code = ?,
    state = ?, next_attempt_at = ?, last_started_at = ?, last_duration_ms = ?, last_revision = ?, last_traceparent = ?, updated_at = ?
    WHERE id = ? AND attempts < ?`,
  // The same two for many attempts at once: `rows` rows of parameters in one statement, since a
  // statement's fixed cost is most of the cost of a one-row write. A delivery appears at most once.
  // An attempt must be later than the delivery's last one: a repeated one changes nothing.
  insertAttempts: (rows: number) => `INSERT INTO attempts (delivery_id, attempt, started_at, duration_ms, status, error, error_code, revision, response_body, request, traceparent)
    VALUES ${placeholders(rows, 11)}`,
  updateAfterAttempts: (rows: number) => `UPDATE deliveries SET attempts = v.column2, last_status = v.column3, last_error = v.column4,
    last_error_code = v.column5, state = v.column6, next_attempt_at = v.column7, last_started_at = v.column8,
    last_duration_ms = v.column9, last_revision = v.column10, last_traceparent = v.column11, updated_at = ?
    FROM (VALUES ${placeholders(rows, 11)}) AS v WHERE deliveries.id = v.column1 AND deliveries.attempts < v.column2`,
  // Held but not sent: back to waiting, attempts untouched. Never attempted means pending.
  requeue: `UPDATE deliveries SET state = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END,
    next_attempt_at = ?, updated_at = ? WHERE id = ? AND state IN ('pending', 'inflight', 'retrying')`,

  // Connectors disabled by a 410
  upsertDisabled: `INSERT INTO disabled_connectors (connector, revision, since, reason) VALUES (?, ?, ?, ?)
    ON CONFLICT (connector) DO UPDATE SET revision = excluded.revision, since = excluded.since, reason = excluded.reason`,
  deleteDisabled: 'DELETE FROM disabled_connectors WHERE connector = ?',
  selectDisabled: 'SELECT connector, revision, since, reason FROM disabled_connectors ORDER BY connector',

  // Connector reconciliation: the connectors with unfinished deliveries (from the counts), then the
  // unfinished deliveries of one that is gone parked.
  connectorsWaiting: `SELECT DISTINCT connector FROM delivery_counts WHERE state IN ('pending', 'inflight', 'retrying') AND n > 0`,
  parkConnector: `UPDATE deliveries SET state = 'parked', next_attempt_at = NULL, updated_at = ?
    WHERE state IN ('pending', 'inflight', 'retrying') AND connector = ?`,
  // Each connector's floor raised to its oldest unfinished delivery, or past the last delivery
  // when it has none (see migration 9): a walk over the rows from the floor, which each row passes
  // once between two calls.
  advanceFloors: `UPDATE waiting_floors SET seq = coalesce(
      (SELECT seq FROM deliveries NOT INDEXED WHERE seq >= waiting_floors.seq AND connector = waiting_floors.connector
        AND state IN ('pending', 'inflight', 'retrying') ORDER BY seq LIMIT 1),
      (SELECT coalesce(max(seq), 0) + 1 FROM deliveries))`,
  resumeParked: `UPDATE deliveries SET state = 'retrying', next_attempt_at = ?, updated_at = ?
    WHERE state = 'parked' AND connector IN (SELECT value FROM json_each(?))`,

  // Redrive, at most `limit` deliveries at a time (see write-ops.ts). The WHERE's state test must
  // stay textually identical to the deliveries_dead_cause index's.
  redrive: `UPDATE deliveries ${RESTART_DEAD}
    WHERE seq IN (SELECT seq FROM deliveries
      WHERE state = 'dead' AND connector = ? AND last_error_code IN (SELECT value FROM json_each(?)) LIMIT ?)`,

  selectDeliveryState: 'SELECT state, connector FROM deliveries WHERE id = ?',
  // An operator's retry and discard (see DeliveryAction in delivery-queries.ts), by id or by seq.
  retryByIds: (by: 'id' | 'seq') => `UPDATE deliveries SET state = 'retrying', next_attempt_at = @now, updated_at = @now,
      schedule_offset = CASE WHEN state IN ('dead', 'discarded') THEN attempts ELSE schedule_offset END
    WHERE ${by} IN (SELECT value FROM json_each(@keys)) AND state IN ('dead', 'discarded', 'retrying', 'parked')
      AND (@anyConnector OR connector IN (SELECT value FROM json_each(@connectors)))`,
  discardByIds: (by: 'id' | 'seq') => `UPDATE deliveries SET state = 'discarded', next_attempt_at = NULL, updated_at = @now
    WHERE ${by} IN (SELECT value FROM json_each(@keys)) AND state IN ('dead', 'retrying', 'parked')
      AND (@anyConnector OR connector IN (SELECT value FROM json_each(@connectors)))`,

  // Reads
  selectEvent: 'SELECT id, type, body, received_at, traceparent FROM events WHERE id = ?',
  selectEventDeliveries: `SELECT id, connector, route, state, attempts, last_status, last_error, next_attempt_at,
      last_started_at, last_duration_ms, last_revision, last_traceparent
    FROM deliveries WHERE event_id = ? ORDER BY seq`,
  selectEventAttempts: `SELECT a.delivery_id, a.attempt, a.started_at, a.duration_ms, a.status, a.error,
      a.error_code, a.revision, a.response_body, a.request, a.traceparent
    FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
    WHERE d.event_id = ? ORDER BY a.delivery_id, a.attempt`,
  selectDelivery: `SELECT d.id, d.event_id, e.type AS event_type, d.connector, d.route, d.state, d.attempts, d.last_status,
      d.last_error, d.next_attempt_at, d.last_started_at, d.last_duration_ms, d.last_revision, d.last_traceparent, d.created_at, d.updated_at,
      d.ordering_key, e.body, e.traceparent
    FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?`,
  selectDeliveryAttempts: `SELECT delivery_id, attempt, started_at, duration_ms, status, error, error_code, revision, response_body, request, traceparent
    FROM attempts WHERE delivery_id = ? ORDER BY attempt`,
  // Counted without a scan of any delivery: every state but delivered from delivery_counts (kept
  // by triggers, migration 9), and 'all' as max(seq) less the seqs no delivery holds
  // (deliveries_gaps, which retention keeps as it deletes). Delivered is what remains: the
  // delivered deliveries retention has not deleted yet.
  countByState: `SELECT state, sum(n) AS n FROM delivery_counts GROUP BY state
    UNION ALL SELECT 'all', coalesce(max(seq), 0) - (SELECT value FROM store_counters WHERE name = 'deliveries_gaps') FROM deliveries`,
  // When the oldest unfinished delivery was accepted: the oldest of each connector's (see
  // oldestWaiting), oldest first.
  oldestUnfinishedAt: `SELECT created_at FROM (${oldestWaiting('created_at')}) ORDER BY seq LIMIT 1`,

  // Retention (see retention-ops.ts). Each state test must stay textually identical to the WHERE
  // of its index: deliveries_delivered, deliveries_died (migration 5), deliveries_discarded (7).
  // The connectors having delivered (or dead, or discarded) deliveries: one index seek per connector.
  deliveredConnectors: connectorsWith("state = 'delivered'"),
  diedConnectors: connectorsWith("state = 'dead'"),
  discardedConnectors: connectorsWith("state = 'discarded'"),
  // The connector whose oldest delivered delivery is the oldest of all (the disk guard's next).
  oldestDeliveredConnector: `${connectorsWith("state = 'delivered'")}
    ORDER BY (SELECT min(updated_at) FROM deliveries WHERE state = 'delivered' AND connector = name) LIMIT 1`,
  deliveredBefore: `SELECT seq, id, event_id FROM deliveries
    WHERE state = 'delivered' AND connector = ? AND updated_at < ? ORDER BY updated_at LIMIT ?`,
  diedBefore: `SELECT seq, id, event_id FROM deliveries
    WHERE state = 'dead' AND connector = ? AND updated_at < ? ORDER BY updated_at LIMIT ?`,
  discardedBefore: `SELECT seq, id, event_id FROM deliveries
    WHERE state = 'discarded' AND connector = ? AND updated_at < ? ORDER BY updated_at LIMIT ?`,
  deleteAttemptsOf: 'DELETE FROM attempts WHERE delivery_id IN (SELECT value FROM json_each(?))',
  deleteDeliveries: 'DELETE FROM deliveries WHERE seq IN (SELECT value FROM json_each(?))',
  maxDeliverySeq: 'SELECT coalesce(max(seq), 0) FROM deliveries',
  addDeliveryGaps: "UPDATE store_counters SET value = value + ? WHERE name = 'deliveries_gaps'",
  // Of the events whose deliveries were just deleted, those with none left: deleted when received
  // before the cutoff, the others remembered in events_unreferenced until they are.
  deleteEventsLeftBefore: `DELETE FROM events WHERE id IN (SELECT value FROM json_each(?)) AND received_at < ?
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)`,
  rememberEventsLeft: `INSERT OR IGNORE INTO events_unreferenced (received_at, seq)
    SELECT received_at, seq FROM events e WHERE id IN (SELECT value FROM json_each(?))
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)`,
  unreferencedBefore: 'SELECT received_at, seq FROM events_unreferenced WHERE received_at < ? ORDER BY received_at, seq LIMIT ?',
  deleteEvents: 'DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))',
  // The rows just read, being the first ones in key order.
  forgetUnreferencedThrough: 'DELETE FROM events_unreferenced WHERE (received_at, seq) <= (?, ?)',
  // Space: pages, and giving free ones back to the file system (auto_vacuum = INCREMENTAL).
  pageSize: 'PRAGMA page_size',
  pageCount: 'PRAGMA page_count',
  freelistCount: 'PRAGMA freelist_count',
  incrementalVacuum: (pages: number) => `PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`,
  // What waits per connector, for the metrics: the counts (delivery_counts), and when each
  // connector's oldest unfinished delivery was accepted (oldestWaiting). A scrape reads no row of
  // the backlog but those.
  backlogByConnector: `SELECT connector, state, n, NULL AS oldest FROM delivery_counts
      WHERE n > 0 AND state IN ('pending', 'inflight', 'retrying', 'parked', 'dead', 'discarded')
    UNION ALL SELECT connector, 'oldest', 0, created_at FROM (${oldestWaiting('created_at')})`,
} as const;

/**
 * Each connector with unfinished deliveries (from the counts), with the seq and `column` of its
 * oldest one: the first unfinished row from its floor on (migration 9), walked in seq order.
 */
function oldestWaiting(column: string): string {
  return `SELECT f.connector, d.seq, d.${column} FROM waiting_floors f JOIN deliveries d NOT INDEXED ON d.seq = (
      SELECT seq FROM deliveries NOT INDEXED WHERE seq >= f.seq AND connector = f.connector
        AND state IN ('pending', 'inflight', 'retrying') ORDER BY seq LIMIT 1)
    WHERE EXISTS (SELECT 1 FROM delivery_counts c WHERE c.connector = f.connector AND c.state IN ('pending', 'inflight', 'retrying') AND c.n > 0)`;
}

/**
 * The distinct connectors of the deliveries matching `where` (a partial index's WHERE, whose
 * leading column is connector): a recursive skip from one connector to the next, one index seek
 * each, instead of reading every row.
 */
function connectorsWith(where: string): string {
  return `WITH RECURSIVE c(name) AS (
      SELECT (SELECT min(connector) FROM deliveries WHERE ${where})
      UNION ALL
      SELECT (SELECT min(connector) FROM deliveries WHERE ${where} AND connector > c.name) FROM c WHERE c.name IS NOT NULL)
    SELECT name FROM c WHERE name IS NOT NULL`;
}

/** Most rows of parameters in one multi-row statement. */
export const MAX_ROWS_PER_STATEMENT = 64;

/** `(?, ?), (?, ?)` for rows = 2, columns = 2. */
function placeholders(rows: number, columns: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}

/** A count of one connector's deliveries in one state, or (state 'oldest') when its oldest
 * unfinished delivery was accepted. */
export interface BacklogRow {
  connector: string;
  state: 'pending' | 'inflight' | 'retrying' | 'parked' | 'dead' | 'discarded' | 'oldest';
  n: number;
  oldest: number | null;
}

/** A set of names, as bound to `json_each(?)`. */
export function nameList(names: ReadonlySet<string>): string {
  return JSON.stringify([...names]);
}

export type Statements = ReturnType<typeof prepareStatements>;

/** Prepares the statements of a running store; the schema must be current. */
export function prepareStatements(db: Db) {
  const prepare = <Params extends unknown[], Row = unknown>(source: string): Stmt<Params, Row> =>
    db.prepare<Params, Row>(source);
  /** A statement without parameters whose rows are their first column. */
  const pluck = <Value>(source: string): Stmt<[], Value> => db.prepare<[], Value>(source).pluck();
  /** A multi-row statement for each row count, prepared when first used. */
  const forRows = <Row = unknown>(source: (rows: number) => string): ((rows: number) => Stmt<unknown[], Row>) => {
    const prepared = new Map<number, Stmt<unknown[], Row>>();
    return (rows) => {
      let statement = prepared.get(rows);
      if (statement === undefined) prepared.set(rows, (statement = prepare<unknown[], Row>(source(rows))));
      return statement;
    };
  };
  return {
    begin: prepare<[]>(SQL.begin),
    commit: prepare<[]>(SQL.commit),
    rollback: prepare<[]>(SQL.rollback),
    savepoint: prepare<[]>(SQL.savepoint),
    release: prepare<[]>(SQL.release),
    rollbackToSavepoint: prepare<[]>(SQL.rollbackToSavepoint),
    // SQLite applies PRAGMA synchronous when the statement is compiled, so a prepared copy would
    // do nothing when run again: these compile it on every call.
    syncFull: { run: (): void => void db.exec(SQL.syncFull) },
    syncNormal: { run: (): void => void db.exec(SQL.syncNormal) },
    insertEvents: forRows<{ id: string; seq: number }>(SQL.insertEvents),
    insertUnreferenced: forRows(SQL.insertUnreferenced),
    insertDeliveries: forRows(SQL.insertDeliveries),
    selectDue: prepare<[now: number, connectors: string], DueRow>(SQL.selectDue),
    selectKeyRun: prepare<[connector: string, orderingKey: string, limit: number], KeyRunRow>(SQL.selectKeyRun),
    claim: prepare<[leaseUntil: number, now: number, ids: string]>(SQL.claim),
    insertAttempt: prepare<
      [
        deliveryId: string,
        attempt: number,
        startedAt: number,
        durationMs: number,
        status: number | null,
        error: string | null,
        errorCode: string | null,
        revision: string,
        responseBody: string | null,
        request: string | null,
        traceparent: string | null,
      ]
    >(SQL.insertAttempt),
    updateAfterAttempt: prepare<
      [
        attempts: number,
        lastStatus: number | null,
        lastError: string | null,
        lastErrorCode: string | null,
        state: DeliveryState,
        nextAttemptAt: number | null,
        startedAt: number,
        durationMs: number,
        revision: string,
        traceparent: string | null,
        now: number,
        id: string,
        before: number,
      ]
    >(SQL.updateAfterAttempt),
    insertAttempts: forRows(SQL.insertAttempts),
    updateAfterAttempts: forRows(SQL.updateAfterAttempts),
    requeue: prepare<[dueAt: number, now: number, id: string]>(SQL.requeue),
    upsertDisabled: prepare<[connector: string, revision: string, since: number, reason: string]>(SQL.upsertDisabled),
    deleteDisabled: prepare<[connector: string]>(SQL.deleteDisabled),
    selectDisabled: prepare<[], DisabledConnector>(SQL.selectDisabled),
    connectorsWaiting: prepare<[], { connector: string }>(SQL.connectorsWaiting),
    parkConnector: prepare<[now: number, connector: string]>(SQL.parkConnector),
    advanceFloors: prepare<[]>(SQL.advanceFloors),
    resumeParked: prepare<[dueAt: number, now: number, connectors: string]>(SQL.resumeParked),
    redrive: prepare<[dueAt: number, now: number, connector: string, codes: string, limit: number]>(SQL.redrive),
    selectDeliveryState: prepare<[id: string], { state: DeliveryState; connector: string }>(SQL.selectDeliveryState),
    retryByIds: prepare<[ActionParams]>(SQL.retryByIds('id')),
    retryBySeqs: prepare<[ActionParams]>(SQL.retryByIds('seq')),
    discardByIds: prepare<[ActionParams]>(SQL.discardByIds('id')),
    discardBySeqs: prepare<[ActionParams]>(SQL.discardByIds('seq')),
    selectEvent: prepare<[id: string], EventRow>(SQL.selectEvent),
    selectEventDeliveries: prepare<[eventId: string], DeliveryRow>(SQL.selectEventDeliveries),
    selectEventAttempts: prepare<[eventId: string], AttemptRow>(SQL.selectEventAttempts),
    selectDelivery: prepare<[id: string], DeliveryDetailRow>(SQL.selectDelivery),
    selectDeliveryAttempts: prepare<[id: string], AttemptRow>(SQL.selectDeliveryAttempts),
    countByState: prepare<[], { state: string; n: number }>(SQL.countByState),
    oldestUnfinishedAt: prepare<[], { created_at: number }>(SQL.oldestUnfinishedAt),
    backlogByConnector: prepare<[], BacklogRow>(SQL.backlogByConnector),
    checkpoint: prepare<[]>(SQL.checkpoint),
    checkpointPassive: prepare<[], { busy: number; log: number; checkpointed: number }>(SQL.checkpointPassive),
    // Run whole each time: SQLite applies a PRAGMA's new value when it prepares the statement, so
    // a prepared one would set it once, at prepare, and not at every run.
    autocheckpointOff: { run: (): void => void db.exec(SQL.autocheckpointOff) },
    autocheckpointOn: { run: (): void => void db.exec(SQL.autocheckpointOn) },
    deliveredConnectors: prepare<[], { name: string }>(SQL.deliveredConnectors),
    diedConnectors: prepare<[], { name: string }>(SQL.diedConnectors),
    discardedConnectors: prepare<[], { name: string }>(SQL.discardedConnectors),
    oldestDeliveredConnector: prepare<[], { name: string }>(SQL.oldestDeliveredConnector),
    deliveredBefore: prepare<[connector: string, before: number, limit: number], FinishedRow>(SQL.deliveredBefore),
    diedBefore: prepare<[connector: string, before: number, limit: number], FinishedRow>(SQL.diedBefore),
    discardedBefore: prepare<[connector: string, before: number, limit: number], FinishedRow>(SQL.discardedBefore),
    deleteAttemptsOf: prepare<[deliveryIds: string]>(SQL.deleteAttemptsOf),
    deleteDeliveries: prepare<[seqs: string]>(SQL.deleteDeliveries),
    maxDeliverySeq: pluck<number>(SQL.maxDeliverySeq),
    addDeliveryGaps: prepare<[gaps: number]>(SQL.addDeliveryGaps),
    deleteEventsLeftBefore: prepare<[eventIds: string, before: number]>(SQL.deleteEventsLeftBefore),
    rememberEventsLeft: prepare<[eventIds: string]>(SQL.rememberEventsLeft),
    unreferencedBefore: prepare<[before: number, limit: number], { received_at: number; seq: number }>(SQL.unreferencedBefore),
    deleteEvents: prepare<[seqs: string]>(SQL.deleteEvents),
    forgetUnreferencedThrough: prepare<[receivedAt: number, seq: number]>(SQL.forgetUnreferencedThrough),
    pageSize: pluck<number>(SQL.pageSize),
    pageCount: pluck<number>(SQL.pageCount),
    freelistCount: pluck<number>(SQL.freelistCount),
    // Run whole: a prepared incremental_vacuum frees one page per step.
    incrementalVacuum: { run: (pages: number): void => void db.exec(SQL.incrementalVacuum(pages)) },
  };
}

/** The parameters of an operator's action: ids or seqs (JSON), the time, and the connectors it
 * may touch (JSON), unless anyConnector is 1. */
export interface ActionParams {
  keys: string;
  now: number;
  connectors: string;
  anyConnector: 0 | 1;
}

/** A finished delivery chosen for deletion. */
export interface FinishedRow {
  seq: number;
  id: string;
  event_id: string;
}
