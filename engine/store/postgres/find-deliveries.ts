/**
 * Finding deliveries by an operator's filter in the PostgreSQL store (Store.findDeliveries), and
 * the chunks the bulk actions walk; the same pages as SQLite's (sqlite/find-deliveries.ts). The
 * statement is built per filter, its access path chosen so that no call reads more than
 * FIND_SCAN_ROWS deliveries on the table:
 *
 * 1. `eventId`: the deliveries_event index (an event has a few deliveries).
 * 2. states, delivered not among them: one arm per state, each read in seq order from the
 *    deliveries_by_state index (state, seq), ordered and limited, merged (Merge Append). The
 *    delivered deliveries, most of the table, are not read.
 * 3. anything else: the table in seq order (acceptance order) by its primary key, from the
 *    cursor, over at most FIND_SCAN_ROWS seqs; `since` and `until` narrow that range first
 *    (seqBound). A filter that matches little therefore gives short pages, even empty ones, with
 *    a `next`.
 *
 * Cursors are seqs as text. `q` (a JSONata predicate over event bodies) is not the store's: the
 * operate layer runs it over pages read with `withBody` (operate/find-deliveries.ts).
 */
import { HmsError } from '../../errors.js';
import type { DeliveryState } from '../../model.js';
import type { DeliveryFilter, DeliveryPage, FindOptions, StatusFilter } from '../delivery-queries.js';
import { toListItem, type FoundRow } from '../store-rows.js';
import { parameterList, rows, type Queryable } from './read-access.js';

/** Most seqs one call examines on the table (path 3), as in the SQLite store. */
export const FIND_SCAN_ROWS = 50_000;

export interface FoundPage<Row> {
  readonly rows: readonly Row[];
  /** Where the following page starts; null when none can match. */
  readonly next: string | null;
}

/** What a find reads of each delivery: the row as listed, with its event body, or its seq only
 * (for the bulk actions). */
type FindShape = 'rows' | 'bodies' | 'seqs';

/** Store.findDeliveries on `db`. */
export async function findPage(db: Queryable, options: FindOptions, scanRows = FIND_SCAN_ROWS): Promise<DeliveryPage> {
  const page = await findShaped<FoundRow>(db, options, options.withBody === true ? 'bodies' : 'rows', scanRows);
  return { deliveries: page.rows.map(toListItem), next: page.next };
}

/** The same page, the seqs of its deliveries only, oldest first or newest first as asked. */
export async function findSeqs(db: Queryable, options: Omit<FindOptions, 'withBody'>, scanRows = FIND_SCAN_ROWS): Promise<FoundPage<number>> {
  const page = await findShaped<{ seq: number }>(db, options, 'seqs', scanRows);
  return { rows: page.rows.map((row) => row.seq), next: page.next };
}

async function findShaped<Row extends { seq: number }>(db: Queryable, options: FindOptions, shape: FindShape, scanRows: number): Promise<FoundPage<Row>> {
  const { filter, order, limit } = options;
  if (filter.states?.length === 0 || filter.connectors?.length === 0) return { rows: [], next: null };
  const after = options.after === undefined ? undefined : cursorSeq(options.after);
  const params = parameterList();
  const terms = filterTerms(filter, params.add);
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  const limitParam = params.add(limit + 1);
  // The table path reads the cursor into its range of seqs instead.
  const cursorTerm = after === undefined || !(filter.eventId !== undefined || indexed(filter)) ? [] : [`d.seq ${order === 'asc' ? '>' : '<'} ${params.add(after)}`];
  const select = (where: readonly string[]) => `SELECT ${columns(shape)} FROM deliveries d${joinOf(filter, shape)} WHERE ${where.join(' AND ') || 'TRUE'} ORDER BY d.seq ${direction} LIMIT ${limitParam}`;
  // Added only by the paths that test the states: every parameter given must be used.
  const stateTerm = () => (filter.states === undefined ? [] : [`d.state = ANY(${params.add(filter.states)}::text[])`]);

  if (filter.eventId !== undefined) return pageOf(await rows<Row>(db, select([...terms, ...stateTerm(), ...cursorTerm]), params.values), limit, null);
  const states = filter.states;
  if (states !== undefined && indexed(filter)) {
    // One arm per state: each an ordered read of deliveries_by_state, which the planner merges.
    const arms = states.map((state) => `(${select([`d.state = '${stateName(state)}'`, "d.state <> 'delivered'", ...terms, ...cursorTerm])})`);
    const sql = arms.length === 1 ? arms[0]! : `SELECT * FROM (${arms.join(' UNION ALL ')}) a ORDER BY seq ${direction} LIMIT ${limitParam}`;
    return pageOf(await rows<Row>(db, sql, params.values), limit, null);
  }
  const range = await seqRange(db, filter, order, after);
  if (range === undefined) return { rows: [], next: null };
  const { low, high } = range;
  const [from, to] = order === 'asc' ? [low, Math.min(high, low + scanRows - 1)] : [Math.max(low, high - scanRows + 1), high];
  const found = await rows<Row>(db, select([`d.seq BETWEEN ${params.add(from)} AND ${params.add(to)}`, ...terms, ...stateTerm()]), params.values);
  const unread = order === 'asc' ? to < high : from > low;
  return pageOf(found, limit, unread ? String(order === 'asc' ? to : from) : null);
}

/** Whether the filter's states are read through deliveries_by_state (path 2). */
function indexed(filter: DeliveryFilter): boolean {
  return filter.states !== undefined && !filter.states.includes('delivered');
}

function columns(shape: FindShape): string {
  if (shape === 'seqs') return 'd.seq';
  return `d.seq, d.id, d.event_id, e.type AS event_type, d.connector, d.route, d.state, d.attempts, d.last_status,
    d.last_error, d.next_attempt_at, d.created_at, d.updated_at, ${shape === 'bodies' ? 'e.body' : 'NULL'} AS event_body`;
}

/** The join with events, unless a list of seqs needs nothing of them. */
function joinOf(filter: DeliveryFilter, shape: FindShape): string {
  return shape === 'seqs' && filter.eventTypes === undefined ? '' : ' JOIN events e ON e.id = d.event_id';
}

/** The seqs a table read may cover (path 3): the table's, narrowed by `since`, `until` and the
 * cursor; undefined when none is left. */
async function seqRange(db: Queryable, filter: DeliveryFilter, order: 'asc' | 'desc', after: number | undefined): Promise<{ low: number; high: number } | undefined> {
  const [range] = await rows<{ low: number | null; high: number | null }>(db, 'SELECT (SELECT min(seq) FROM deliveries) AS low, (SELECT max(seq) FROM deliveries) AS high');
  if (range?.low == null || range.high == null) return undefined;
  let low = range.low;
  let high = range.high;
  if (filter.since !== undefined) low = Math.max(low, await seqBound(db, filter.since, range.low, range.high));
  if (filter.until !== undefined) high = Math.min(high, (await seqBound(db, filter.until, range.low, range.high)) - 1);
  if (after !== undefined) {
    if (order === 'asc') low = Math.max(low, after + 1);
    else high = Math.min(high, after - 1);
  }
  return low > high ? undefined : { low, high };
}

/**
 * The least seq from which deliveries were accepted at `time` or later, by binary search over the
 * primary key: acceptance times grow with seq, as both follow the order of acceptance. (Where a
 * clock stepped back makes them disagree, the filter's own time test still holds, so a page never
 * shows a delivery outside the window.)
 */
async function seqBound(db: Queryable, time: number, low: number, high: number): Promise<number> {
  let lo = low;
  let hi = high + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const [row] = await rows<{ seq: number; created_at: number }>(db, 'SELECT seq, created_at FROM deliveries WHERE seq >= $1 ORDER BY seq LIMIT 1', [mid]);
    if (row === undefined || row.created_at >= time) hi = mid;
    else lo = row.seq + 1;
  }
  return lo;
}

/** The first `limit` rows; `next` after the last of them when one more was read, else `whenShort`. */
function pageOf<Row extends { seq: number }>(found: Row[], limit: number, whenShort: string | null): FoundPage<Row> {
  if (found.length > limit) return { rows: found.slice(0, limit), next: String(found[limit - 1]!.seq) };
  return { rows: found, next: whenShort };
}

/** The filter's WHERE terms, but its states, which each path places itself. */
function filterTerms(filter: DeliveryFilter, add: (value: unknown) => string): string[] {
  const terms: string[] = [];
  if (filter.connectors !== undefined) terms.push(`d.connector = ANY(${add(filter.connectors)}::text[])`);
  if (filter.route !== undefined) terms.push(`d.route = ${add(filter.route)}`);
  if (filter.eventId !== undefined) terms.push(`d.event_id = ${add(filter.eventId)}`);
  if (filter.since !== undefined) terms.push(`d.created_at >= ${add(filter.since)}`);
  if (filter.until !== undefined) terms.push(`d.created_at < ${add(filter.until)}`);
  if (filter.minAttempts !== undefined) terms.push(`d.attempts >= ${add(filter.minAttempts)}`);
  if (filter.eventTypes !== undefined) {
    // `sync.` types only match patterns that start with `sync.`, as a route's `on`.
    const each = filter.eventTypes.map((pattern) => (pattern.startsWith('sync.') ? `e.type LIKE ${add(likePattern(pattern))}` : `(e.type LIKE ${add(likePattern(pattern))} AND e.type NOT LIKE 'sync.%')`));
    terms.push(`(${each.join(' OR ')})`);
  }
  if (filter.statuses !== undefined) terms.push(`(${filter.statuses.map(statusTerm).join(' OR ')})`);
  return terms;
}

/** A type pattern (`*` any run of characters) as a LIKE pattern: `%` and `_` match themselves. */
export function likePattern(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

/** The SQL for one status filter; its values come from the API's checked list, never raw text. */
function statusTerm(status: StatusFilter): string {
  if (typeof status === 'number') return `d.last_status = ${Math.trunc(status)}`;
  if (status === 'network') return "(d.last_status IS NULL AND d.attempts > 0 AND d.last_error_code IN ('TARGET_UNAVAILABLE', 'RETRIES_EXHAUSTED'))";
  const hundreds = Number(status[0]) * 100;
  return `d.last_status BETWEEN ${hundreds} AND ${hundreds + 99}`;
}

/** A state as SQL text: only the names of the model's states pass. */
function stateName(state: DeliveryState): string {
  if (!/^[a-z]+$/.test(state)) throw new HmsError('QUERY_INVALID', `"${String(state).slice(0, 20)}" is not a delivery state`);
  return state;
}

function cursorSeq(cursor: string): number {
  if (!/^[0-9]{1,15}$/.test(cursor)) throw new HmsError('QUERY_INVALID', `"after" must be the "next" of an earlier page, not "${cursor.slice(0, 40)}"`);
  return Number(cursor);
}

