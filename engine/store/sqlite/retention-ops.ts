/**
 * Retention's writes in the SQLite store: each function is one chunk, a synchronous step run in a
 * transaction of its own, so that other writes commit between chunks. The loops over chunks are
 * in sqlite-retention.ts.
 *
 * Invariants kept here:
 * - A delivery is deleted with its attempts; only `delivered`, `dead` and `discarded` ones are
 *   ever chosen.
 * - An event is deleted only once none of its deliveries remains. Until it is past its cutoff it
 *   waits in `events_unreferenced`, which therefore holds exactly the stored events without
 *   deliveries (ingest adds those stored without any).
 * - `deliveries_gaps` stays max(seq) minus the number of deliveries (see SQL.countByState).
 */
import type { FinishedRow, Statements } from './sql.js';

/**
 * Most deliveries (each with its attempts) or events deleted in one write. Deleting a delivered
 * delivery, its attempt and its event costs some 8 µs of CPU on the bench machine once its pages
 * are in memory, so a full chunk takes about 8 ms (figures: docs/operations.md › Performance).
 */
export const RETENTION_CHUNK_ROWS = 1_000;
/** The first chunk of a run, and the least one: the size adapts in between (nextChunkRows). */
export const MIN_CHUNK_ROWS = 100;
/** How long a chunk should hold other writes back, at most, by the clock. */
export const TARGET_HOLD_MS = 20;
/** Most free pages given back to the file system in one write: incremental_vacuum moves the live
 * pages at the end of the file into free ones: 500 took 6 ms of CPU at the median but up to 50 ms
 * on the bench machine, 200 stay well under. */
export const RECLAIM_CHUNK_PAGES = 200;
/** Free pages kept for new rows to reuse rather than given back, in bytes: a store that deletes
 * about as much as it takes in each minute would otherwise shrink and grow its file every minute. */
export const RECLAIM_KEEP_FREE_BYTES = 16 * 1024 * 1024;

export interface ChunkDeleted {
  readonly deliveries: number;
  readonly events: number;
}

const NOTHING: ChunkDeleted = { deliveries: 0, events: 0 };

/** The states retention deletes. */
export type FinishedState = 'delivered' | 'dead' | 'discarded';

/** Connectors having deliveries in `state`. */
export function connectorsWithFinished(sql: Statements, state: FinishedState): string[] {
  return { delivered: sql.deliveredConnectors, dead: sql.diedConnectors, discarded: sql.discardedConnectors }[state].all().map((row) => row.name);
}

/**
 * Deletes up to `limit` deliveries of `connector` in `state` that finished (were delivered, died,
 * or were discarded) before `before`, oldest first, with their attempts. Their events left without deliveries
 * are deleted when received before `eventsBefore`, and remembered until then otherwise.
 */
export function deleteFinished(
  sql: Statements,
  state: FinishedState,
  connector: string,
  before: number,
  eventsBefore: number,
  limit: number,
): ChunkDeleted {
  const rows = { delivered: sql.deliveredBefore, dead: sql.diedBefore, discarded: sql.discardedBefore }[state].all(connector, before, limit);
  return rows.length === 0 ? NOTHING : deleteDeliveries(sql, rows, eventsBefore);
}

/** The disk guard's chunk: up to `limit` of the oldest delivered deliveries, whatever their age,
 * with their events once none of their deliveries remains; when none is left, discarded ones. */
export function deleteOldestDelivered(sql: Statements, limit: number): ChunkDeleted {
  const connector = sql.oldestDeliveredConnector.get()?.name;
  if (connector !== undefined) return deleteFinished(sql, 'delivered', connector, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, limit);
  const discarded = sql.discardedConnectors.get()?.name;
  return discarded === undefined ? NOTHING : deleteFinished(sql, 'discarded', discarded, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, limit);
}

/** Deletes up to `limit` events without deliveries received before `before`, oldest first. */
export function deleteUnreferencedEvents(sql: Statements, before: number, limit: number): number {
  const rows = sql.unreferencedBefore.all(before, limit);
  const last = rows[rows.length - 1];
  if (last === undefined) return 0;
  const deleted = sql.deleteEvents.run(JSON.stringify(rows.map((row) => row.seq))).changes;
  sql.forgetUnreferencedThrough.run(last.received_at, last.seq);
  return deleted;
}

function deleteDeliveries(sql: Statements, rows: readonly FinishedRow[], eventsBefore: number): ChunkDeleted {
  const maxSeqBefore = sql.maxDeliverySeq.get() ?? 0;
  sql.deleteAttemptsOf.run(JSON.stringify(rows.map((row) => row.id)));
  const deliveries = sql.deleteDeliveries.run(JSON.stringify(rows.map((row) => row.seq))).changes;
  // Deleting the newest deliveries lowers max(seq), and the next ones reuse those seqs: the gaps
  // are max(seq) less the count, whichever rows went.
  sql.addDeliveryGaps.run(deliveries + (sql.maxDeliverySeq.get() ?? 0) - maxSeqBefore);
  const eventIds = JSON.stringify([...new Set(rows.map((row) => row.event_id))]);
  const events = sql.deleteEventsLeftBefore.run(eventIds, eventsBefore).changes;
  sql.rememberEventsLeft.run(eventIds);
  return { deliveries, events };
}

/**
 * Gives up to RECLAIM_CHUNK_PAGES free pages back to the file system, keeping `keepFreeBytes` of
 * them for new rows. Returns how many it gave back (none when auto_vacuum is not on).
 */
export function reclaimChunk(sql: Statements, keepFreeBytes: number): number {
  const keepPages = Math.floor(keepFreeBytes / (sql.pageSize.get() ?? 4096));
  const free = sql.freelistCount.get() ?? 0;
  const pages = Math.min(RECLAIM_CHUNK_PAGES, free - keepPages);
  if (pages <= 0) return 0;
  sql.incrementalVacuum.run(pages);
  return free - (sql.freelistCount.get() ?? 0);
}
