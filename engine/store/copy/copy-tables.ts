/**
 * What `hms-sync store copy` carries from a SQLite data directory into a PostgreSQL schema: every
 * table of the store's durable state, each as one ordered read of SQLite and batched inserts into
 * the table of the same name and columns (PostgreSQL's migration 1 mirrors SQLite's schema after
 * its migration 9). Counters that SQLite keeps by triggers (delivery_counts, waiting_floors,
 * store_counters, events_unreferenced) are not copied: PostgreSQL reads the same answers from
 * indexes.
 *
 * Contract:
 * - Rows are identified by their key (`conflict`): a row already in PostgreSQL is left as it is,
 *   so a second copy inserts nothing.
 * - A delivery is copied only with its event, an attempt only with its delivery (`parent`): a copy
 *   run again after the engines on PostgreSQL worked never brings back a delivery whose event was
 *   already there (retention there may have deleted it after it was delivered).
 * - Connector state and replays (`firstCopyOnly`) are copied by the first copy only, the one that
 *   found none of the directory's events in the target: later, the target's state is the one the
 *   engines on PostgreSQL keep (an operator may have resumed a connector the copy brought paused).
 * - `seq` is copied as it is (OVERRIDING SYSTEM VALUE), not renumbered: events keep their
 *   acceptance order, deliveries their order of creation (which per-key ordering and the claim
 *   order follow), and a running replay's `position` (the seq of its last event) stays valid.
 * - Work in progress resumes as after a crash: an `inflight` delivery becomes `pending`, and a
 *   pending one handed to a dispatcher (a due time in the future) is due at the copy's `now`;
 *   `retrying` ones keep their backoff.
 */

/** One table to copy. `select` reads SQLite (named parameter @now), its columns in `columns` order. */
export interface CopyTable {
  readonly name: string;
  readonly columns: readonly string[];
  /** The key that identifies a row: an insert that conflicts on it is skipped. */
  readonly conflict: string;
  /** True for a table whose seq is a PostgreSQL identity column. */
  readonly identity: boolean;
  /** The column whose rows are inserted; kept for the tables whose `parent` names this one. */
  readonly key?: string;
  /** A row is copied only when its `column` names a row this copy inserted into `table`. */
  readonly parent?: { readonly column: string; readonly table: string };
  /** Copied only by a first copy (see the module's contract). */
  readonly firstCopyOnly?: boolean;
  readonly select: string;
  /** Turns a SQLite value into the one PostgreSQL stores (default: as it is). */
  readonly convert?: (row: Record<string, unknown>) => Record<string, unknown>;
}

const EVENT_COLUMNS = ['seq', 'id', 'type', 'body', 'received_at', 'traceparent'];
const DELIVERY_COLUMNS = [
  'seq', 'id', 'event_id', 'connector', 'route', 'state', 'attempts', 'last_status', 'last_error', 'next_attempt_at',
  'created_at', 'updated_at', 'last_error_code', 'schedule_offset', 'ordering_key', 'replay_id',
  'last_started_at', 'last_duration_ms', 'last_revision', 'last_traceparent',
];
const ATTEMPT_COLUMNS = ['delivery_id', 'attempt', 'started_at', 'duration_ms', 'status', 'error', 'revision', 'error_code', 'response_body', 'request', 'traceparent'];
const REPLAY_COLUMNS = [
  'id', 'connector', 'mode', 'since', 'until', 'retained_since', 'event_types', 'where_source', 'per_second', 'declared',
  'created_by', 'created_at', 'state', 'position', 'matched', 'skipped_by_retention', 'created', 'finished_at',
];

const list = (columns: readonly string[]) => columns.join(', ');

/** The delivery columns as read from SQLite, with work in progress made due (see the contract). */
const DELIVERY_SELECT = list(
  DELIVERY_COLUMNS.map((column) => {
    if (column === 'state') return `CASE WHEN state = 'inflight' THEN 'pending' ELSE state END AS state`;
    if (column === 'next_attempt_at') return `CASE WHEN state IN ('pending', 'inflight') AND next_attempt_at > @now THEN @now ELSE next_attempt_at END AS next_attempt_at`;
    return column;
  }),
);

/** In dependency order: an event before its deliveries, a delivery before its attempts. */
export const COPY_TABLES: readonly CopyTable[] = [
  { name: 'events', columns: EVENT_COLUMNS, conflict: 'id', identity: true, key: 'id', select: `SELECT ${list(EVENT_COLUMNS)} FROM events ORDER BY seq` },
  { name: 'deliveries', columns: DELIVERY_COLUMNS, conflict: 'id', identity: true, key: 'id', parent: { column: 'event_id', table: 'events' }, select: `SELECT ${DELIVERY_SELECT} FROM deliveries ORDER BY seq` },
  { name: 'attempts', columns: ATTEMPT_COLUMNS, conflict: 'delivery_id, attempt', identity: false, parent: { column: 'delivery_id', table: 'deliveries' }, select: `SELECT ${list(ATTEMPT_COLUMNS)} FROM attempts ORDER BY delivery_id, attempt` },
  { name: 'disabled_connectors', columns: ['connector', 'revision', 'since', 'reason'], conflict: 'connector', identity: false, firstCopyOnly: true, select: 'SELECT connector, revision, since, reason FROM disabled_connectors ORDER BY connector' },
  { name: 'paused_connectors', columns: ['connector', 'paused_by', 'since'], conflict: 'connector', identity: false, firstCopyOnly: true, select: 'SELECT connector, paused_by, since FROM paused_connectors ORDER BY connector' },
  {
    name: 'replays',
    columns: REPLAY_COLUMNS,
    conflict: 'id',
    identity: false,
    firstCopyOnly: true,
    select: `SELECT ${list(REPLAY_COLUMNS)} FROM replays ORDER BY created_at, id`,
    convert: (row) => ({ ...row, declared: row.declared === 1 }),
  },
  { name: 'declared_backfills', columns: ['connector', 'replay_id', 'started_at'], conflict: 'connector', identity: false, firstCopyOnly: true, select: 'SELECT connector, replay_id, started_at FROM declared_backfills ORDER BY connector' },
];
