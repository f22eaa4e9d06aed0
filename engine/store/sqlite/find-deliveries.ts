/**
 * Finding deliveries by an operator's filter in the SQLite store (Store.findDeliveries), and the
 * pages the bulk actions walk. The SQL is built per filter, choosing the access path so that the
 * common filters read through an index and no call reads more than FIND_SCAN_ROWS deliveries:
 *
 * 1. `eventId`: the deliveries_event index (an event has a few deliveries).
 * 2. states that each have a partial index (pending, inflight, retrying; parked; dead; discarded),
 *    delivered not among them: one arm per index, each ordered and limited, merged. What waits,
 *    is parked, dead or discarded is read; the delivered deliveries, most of the table, are not.
 * 3. anything else: the table in seq order (acceptance order), from the cursor, over at most
 *    FIND_SCAN_ROWS seqs; `since` and `until` narrow that range first (seqBound). A filter that
 *    matches little therefore gives short pages, even empty ones, with a `next`.
 *
 * Cursors are seqs as text. Each WHERE of a state arm is textually the WHERE of its index, or
 * SQLite would not use the index (a test checks the plans).
 */
import type Database from 'better-sqlite3';
import { HmsError } from '../../errors.js';
import type { DeliveryState } from '../../model.js';
import type { DeliveryFilter, DeliveryPage, FindOptions, StatusFilter } from '../delivery-queries.js';
import { toListItem, type FoundRow } from '../store-rows.js';

/** Most seqs one call examines on the table (path 3): some 20 ms of a two-core machine's time
 * with a filter that matches nothing (docs/operations.md › Finding deliveries). */
export const FIND_SCAN_ROWS = 50_000;
/** Distinct filter shapes whose statements are kept prepared; past it the cache starts over. */
const STATEMENT_CACHE_SIZE = 200;

/**
 * The partial index of each state but delivered: the table it reads (SQLite would rather walk the
 * whole table in seq order than sort what an index gives, so the index is named), and the WHERE
 * term that selects it. Dead deliveries are read through deliveries_dead, in seq order, so a page
 * stops at its limit; an index of them by connector would have every one of a connector sorted.
 */
const STATE_ARMS: readonly { readonly states: readonly DeliveryState[]; readonly from: string; readonly term: string }[] = [
  { states: ['pending', 'inflight', 'retrying'], from: 'deliveries d INDEXED BY deliveries_due', term: "d.state IN ('pending', 'inflight', 'retrying')" },
  { states: ['parked'], from: 'deliveries d INDEXED BY deliveries_parked', term: "d.state = 'parked'" },
  { states: ['dead'], from: 'deliveries d INDEXED BY deliveries_dead', term: "d.state = 'dead'" },
  { states: ['discarded'], from: 'deliveries d INDEXED BY deliveries_discarded', term: "d.state = 'discarded'" },
];

export interface FoundPage<Row = FoundRow> {
  readonly rows: readonly Row[];
  readonly next: string | null;
}

/** What a find reads of each delivery: the row as listed, the row with its event body, or only
 * its seq (for the bulk actions: from the index alone where it can, no join unless the filter
 * reads the event). */
export type FindShape = 'rows' | 'bodies' | 'seqs';

type Params = Record<string, string | number>;

export type DeliveryFinder = ReturnType<typeof createDeliveryFinder>;

/** Reads deliveries by filter over one connection; statements are prepared once per shape. */
export function createDeliveryFinder(db: Database.Database) {
  const statements = new Map<string, Database.Statement<[Params], FoundRow>>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
      statements.set(sql, (statement = db.prepare<[Params], FoundRow>(sql)));
    }
    return statement;
  };
  // Two subqueries: SQLite reads a lone min() or max() off the end of the table, but scans it for both in one.
  const seqRange = db.prepare<[], { low: number | null; high: number | null }>('SELECT (SELECT min(seq) FROM deliveries) AS low, (SELECT max(seq) FROM deliveries) AS high');
  const firstFrom = db.prepare<[from: number], { seq: number; created_at: number }>('SELECT seq, created_at FROM deliveries WHERE seq >= ? ORDER BY seq LIMIT 1');

  /**
   * The least seq from which deliveries were accepted at `time` or later, by binary search over
   * the table: acceptance times grow with seq, as both follow the order of acceptance. (A system
   * clock stepped back makes them disagree for the deliveries accepted meanwhile; the filter's
   * own time test still holds, so a page never shows one outside the window.)
   */
  function seqBound(time: number, low: number, high: number): number {
    let lo = low;
    let hi = high + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = firstFrom.get(mid);
      if (row === undefined || row.created_at >= time) hi = mid;
      else lo = row.seq + 1;
    }
    return lo;
  }

  /** A page of `options`, reading at most `scanRows` seqs on the table path. */
  function find(options: FindOptions, scanRows = FIND_SCAN_ROWS): FoundPage {
    return findShaped(options, options.withBody === true ? 'bodies' : 'rows', scanRows);
  }

  /** The same page, its seqs only. */
  function findSeqs(options: Omit<FindOptions, 'withBody'>, scanRows = FIND_SCAN_ROWS): FoundPage<number> {
    const page = findShaped(options, 'seqs', scanRows);
    return { rows: page.rows.map((row) => row.seq), next: page.next };
  }

  function findShaped(options: FindOptions, shape: FindShape, scanRows: number): FoundPage {
    const { filter, order, limit } = options;
    if (filter.states?.length === 0 || filter.connectors?.length === 0) return { rows: [], next: null };
    const after = options.after === undefined ? undefined : cursorSeq(options.after);
    const { path, sql } = findSql(filter, order, shape, after !== undefined);
    const params = { ...filterParams(filter), limit: limit + 1, ...(after !== undefined && { after }) };
    if (path === 'table') {
      const read = fromTable(sql, filter, order, after, params, scanRows);
      return pageOf(read.rows, limit, read.unreadFrom);
    }
    if (waitingOnly(filter)) {
      // A backlog is mostly the newest deliveries: the table's next seqs usually fill the page,
      // where deliveries_due, ordered by due time, would have every waiting delivery sorted.
      const read = fromTable(findSql(filter, order, shape, false, 'table').sql, filter, order, after, params, scanRows);
      if (read.rows.length > limit) return pageOf(read.rows, limit, null);
    }
    return pageOf(prepared(sql).all(params), limit, null);
  }

  /**
   * The table path: the rows (limit + 1 at most) of the seqs the filter and cursor allow, reading
   * at most `scanRows` of them from the end `order` starts at; `unreadFrom` is where the seqs left
   * unread start, as a cursor, or null when none are.
   */
  function fromTable(sql: string, filter: DeliveryFilter, order: 'asc' | 'desc', after: number | undefined, params: Params, scanRows: number): { rows: FoundRow[]; unreadFrom: string | null } {
    const nothing = { rows: [], unreadFrom: null };
    const range = seqRange.get();
    if (range?.low == null || range.high == null) return nothing;
    let low = range.low;
    let high = range.high;
    if (filter.since !== undefined) low = Math.max(low, seqBound(filter.since, range.low, range.high));
    if (filter.until !== undefined) high = Math.min(high, seqBound(filter.until, range.low, range.high) - 1);
    if (after !== undefined) {
      if (order === 'asc') low = Math.max(low, after + 1);
      else high = Math.min(high, after - 1);
    }
    if (low > high) return nothing;
    const [from, to] = order === 'asc' ? [low, Math.min(high, low + scanRows - 1)] : [Math.max(low, high - scanRows + 1), high];
    const rows = prepared(sql).all({ ...params, from, to });
    const unread = order === 'asc' ? to < high : from > low;
    return { rows, unreadFrom: unread ? String(order === 'asc' ? to : from) : null };
  }

  return { find, findSeqs };
}

/**
 * The statement of a find and its access path (see the module's comment). Its parameters are
 * filterParams's, `limit`, `after` (with `cursor`), and on the table path `from` and `to`, the
 * range of seqs it reads.
 */
export function findSql(filter: DeliveryFilter, order: 'asc' | 'desc', shape: FindShape, cursor: boolean, force?: 'table'): { path: 'indexed' | 'table'; sql: string } {
  const columns =
    shape === 'seqs'
      ? 'd.seq'
      : `d.seq, d.id, d.event_id, e.type AS event_type, d.connector, d.route, d.state, d.attempts, d.last_status,
      d.last_error, d.next_attempt_at, d.created_at, d.updated_at, ${shape === 'bodies' ? 'e.body' : 'NULL'} AS event_body`;
  const join = shape === 'seqs' && filter.eventTypes === undefined ? '' : ' JOIN events e ON e.id = d.event_id';
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  const select = (from: string, where: readonly string[]) => `SELECT ${columns} FROM ${from}${join} WHERE ${where.join(' AND ') || 'TRUE'} ORDER BY d.seq ${direction} LIMIT @limit`;
  const terms = filterTerms(filter);
  const stateTerm = filter.states === undefined ? [] : ['d.state IN (SELECT value FROM json_each(@states))'];
  const cursorTerm = cursor ? [order === 'asc' ? 'd.seq > @after' : 'd.seq < @after'] : [];
  if (filter.eventId !== undefined && force === undefined) return { path: 'indexed', sql: select('deliveries d INDEXED BY deliveries_event', [...terms, ...stateTerm, ...cursorTerm]) };
  const arms = force === undefined ? indexArms(filter) : undefined;
  if (arms === undefined) return { path: 'table', sql: select('deliveries d NOT INDEXED', ['d.seq BETWEEN @from AND @to', ...terms, ...stateTerm]) };
  // An arm whose every state is asked for needs no state test beyond its index's own, which
  // leaves its index enough for a list of seqs.
  const armSelect = (arm: (typeof STATE_ARMS)[number]) => select(arm.from, [arm.term, ...terms, ...(arm.states.every((state) => filter.states!.includes(state)) ? [] : stateTerm), ...cursorTerm]);
  if (arms.length === 1) return { path: 'indexed', sql: armSelect(arms[0]!) };
  return { path: 'indexed', sql: `${arms.map((arm) => `SELECT * FROM (${armSelect(arm)})`).join(' UNION ALL ')} ORDER BY seq ${direction} LIMIT @limit` };
}

/** The first `limit` rows; `next` after the last of them when one more was read, else `whenShort`. */
function pageOf(rows: FoundRow[], limit: number, whenShort: string | null): FoundPage {
  if (rows.length > limit) return { rows: rows.slice(0, limit), next: String(rows[limit - 1]!.seq) };
  return { rows, next: whenShort };
}

/** Whether the filter takes waiting deliveries only (pending, inflight, retrying), and not by event. */
function waitingOnly(filter: DeliveryFilter): boolean {
  return filter.eventId === undefined && filter.states !== undefined && filter.states.every((state) => STATE_ARMS[0]!.states.includes(state));
}

/** The index arms for the filter's states (path 2), or undefined when it needs the table. */
function indexArms(filter: DeliveryFilter): (typeof STATE_ARMS)[number][] | undefined {
  const { states } = filter;
  if (states === undefined || states.length === 0 || states.includes('delivered')) return undefined;
  return STATE_ARMS.filter((arm) => arm.states.some((state) => states.includes(state)));
}

/** The filter's WHERE terms, but its states, which each path places itself (see findSql). */
function filterTerms(filter: DeliveryFilter): string[] {
  const terms: string[] = [];
  if (filter.connectors !== undefined) terms.push('d.connector IN (SELECT value FROM json_each(@connectors))');
  if (filter.route !== undefined) terms.push('d.route = @route');
  if (filter.eventId !== undefined) terms.push('d.event_id = @eventId');
  if (filter.since !== undefined) terms.push('d.created_at >= @since');
  if (filter.until !== undefined) terms.push('d.created_at < @until');
  if (filter.minAttempts !== undefined) terms.push('d.attempts >= @minAttempts');
  if (filter.eventTypes !== undefined) {
    // Pattern characters are letters, digits, `_ . : -` and `*` (the API checks), so GLOB reads
    // them as a route's `on` does; `sync.` types only match patterns that start with `sync.`.
    const each = filter.eventTypes.map((pattern, i) => (pattern.startsWith('sync.') ? `e.type GLOB @type${i}` : `(e.type GLOB @type${i} AND e.type NOT GLOB 'sync.*')`));
    terms.push(`(${each.join(' OR ')})`);
  }
  if (filter.statuses !== undefined) terms.push(`(${filter.statuses.map(statusTerm).join(' OR ')})`);
  return terms;
}

/** The parameters of filterTerms's terms, and of the states term. */
export function filterParams(filter: DeliveryFilter): Params {
  const params: Params = {};
  if (filter.connectors !== undefined) params.connectors = JSON.stringify(filter.connectors);
  if (filter.route !== undefined) params.route = filter.route;
  if (filter.states !== undefined) params.states = JSON.stringify(filter.states);
  if (filter.eventId !== undefined) params.eventId = filter.eventId;
  if (filter.since !== undefined) params.since = filter.since;
  if (filter.until !== undefined) params.until = filter.until;
  if (filter.minAttempts !== undefined) params.minAttempts = filter.minAttempts;
  filter.eventTypes?.forEach((pattern, i) => (params[`type${i}`] = pattern));
  return params;
}

/** The SQL for one status filter; its values come from the API's checked list, never raw text. */
function statusTerm(status: StatusFilter): string {
  if (typeof status === 'number') return `d.last_status = ${Math.trunc(status)}`;
  if (status === 'network') return "(d.last_status IS NULL AND d.attempts > 0 AND d.last_error_code IN ('TARGET_UNAVAILABLE', 'RETRIES_EXHAUSTED'))";
  const hundreds = Number(status[0]) * 100;
  return `d.last_status BETWEEN ${hundreds} AND ${hundreds + 99}`;
}

function cursorSeq(cursor: string): number {
  if (!/^[0-9]{1,15}$/.test(cursor)) throw new HmsError('QUERY_INVALID', `"after" must be the "next" of an earlier page, not "${cursor.slice(0, 40)}"`);
  return Number(cursor);
}

/** Store.findDeliveries over a finder. */
export function findPage(finder: DeliveryFinder, options: FindOptions): DeliveryPage {
  const page = finder.find(options);
  return { deliveries: page.rows.map(toListItem), next: page.next };
}
