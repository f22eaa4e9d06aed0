/**
 * Retention in the PostgreSQL store (Store.deleteExpired, shrinkTo) and its size (Store.size), as
 * in SQLite (sqlite/retention-ops.ts, sqlite-retention.ts). Invariants:
 * - Only `delivered`, `dead` and `discarded` deliveries are chosen, each deleted with its attempts;
 *   they are locked as they are chosen (FOR UPDATE SKIP LOCKED), so a delivery another replica or
 *   an operator is changing at that moment is left for a later run, and one that changed state
 *   before the lock is no longer chosen.
 * - An event is deleted only once none of its deliveries remains, and only past its cutoff. Events
 *   without deliveries are found by walking events_received (received_at, seq) from the oldest,
 *   once per call, rather than by a table kept beside (SQLite's events_unreferenced).
 * - Work is done in chunks of at most RETENTION_CHUNK_ROWS rows, each a transaction of its own on
 *   the pool (not the write queue: a chunk must not hold the group commit of ingest and dispatch),
 *   and the AbortSignal is checked before each chunk.
 *
 * Space: a deleted row's space is reused by new rows of the same table, but PostgreSQL gives it
 * back to the file system only by VACUUM FULL, which the store never runs (it locks the table). So
 * `size` is what the schema's tables take on disk, and the disk guard (shrinkTo), which measures
 * that, deletes until nothing more may go once the size is over its bound.
 */
import type pg from 'pg';
import type { RetentionPolicy, RetentionResult, StoreSize } from '../store.js';
import { inTransaction } from './connection.js';
import { checkOpen, connectorsWith, rows, type Queryable } from './read-access.js';

/** Most deliveries (each with its attempts) or events examined in one chunk. */
export const RETENTION_CHUNK_ROWS = 5_000;
/** The first chunk of a run and the least one; the size adapts in between (nextChunkRows). */
export const MIN_CHUNK_ROWS = 500;
/** How long a chunk should hold its rows' locks, at most, by the clock. */
export const TARGET_HOLD_MS = 50;

type FinishedState = 'delivered' | 'dead' | 'discarded';

/** The WHERE that selects the deliveries_finished index, with `state = '<state>'` before it. */
const FINISHED = "state IN ('delivered', 'dead', 'discarded')";

interface ChunkDeleted {
  readonly deliveries: number;
  readonly events: number;
}

/** Where a walk over events without deliveries has got to, in (received_at, seq) order. */
interface EventWalk {
  receivedAt: number;
  seq: number;
  done: boolean;
}

/** The rows of the next chunk after one that took `heldMs`: halved past TARGET_HOLD_MS, doubled
 * under half of it, within MIN_CHUNK_ROWS and RETENTION_CHUNK_ROWS. */
export function nextChunkRows(rows: number, heldMs: number): number {
  if (heldMs > TARGET_HOLD_MS) return Math.max(MIN_CHUNK_ROWS, Math.floor(rows / 2));
  if (heldMs < TARGET_HOLD_MS / 2) return Math.min(RETENTION_CHUNK_ROWS, rows * 2);
  return rows;
}

/** One call's tally: what it deleted, its longest write, and the size of its next chunk. */
function tally(pool: pg.Pool) {
  const result = { deleted: { deliveries: 0, dead: 0, events: 0 }, longestWriteMs: 0, longestWriteCpuMs: 0 };
  let rowsNext = MIN_CHUNK_ROWS;
  return {
    result,
    rows: () => rowsNext,
    /** Runs `run` as a transaction of its own, timed BEGIN to COMMIT. The CPU figure is this
     * process's; the server's own work is not in it. */
    async chunk<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      checkOpen(pool);
      const started = performance.now();
      const cpu = process.cpuUsage();
      const value = await inTransaction(pool, run);
      const ms = performance.now() - started;
      const { user, system } = process.cpuUsage(cpu);
      result.longestWriteMs = Math.max(result.longestWriteMs, ms);
      result.longestWriteCpuMs = Math.max(result.longestWriteCpuMs, (user + system) / 1000);
      rowsNext = nextChunkRows(rowsNext, ms);
      return value;
    },
    add(deleted: ChunkDeleted, dead = false) {
      result.deleted.deliveries += deleted.deliveries;
      if (dead) result.deleted.dead += deleted.deliveries;
      result.deleted.events += deleted.events;
    },
  };
}

/** See Store.deleteExpired. */
export async function deleteExpired(pool: pg.Pool, policy: RetentionPolicy, signal?: AbortSignal): Promise<RetentionResult> {
  const counts = tally(pool);
  for (const state of ['delivered', 'dead', 'discarded'] as const) {
    for (const connector of await connectorsWithFinished(pool, state)) {
      const cutoffs = policy.connectors.get(connector) ?? policy;
      // Discarded deliveries are kept as delivered ones are, from when they were discarded.
      const before = state === 'dead' ? cutoffs.deadBefore : cutoffs.deliveredBefore;
      if (before === null) continue;
      for (;;) {
        if (signal?.aborted) return counts.result;
        const limit = counts.rows();
        const deleted = await counts.chunk((client) => deleteFinished(client, state, connector, before, policy.eventsBefore, limit));
        counts.add(deleted, state === 'dead');
        if (deleted.deliveries < limit) break;
      }
    }
  }
  const walk: EventWalk = { receivedAt: Number.MIN_SAFE_INTEGER, seq: 0, done: false };
  while (!walk.done && !signal?.aborted) {
    const limit = counts.rows();
    counts.add({ deliveries: 0, events: await counts.chunk((client) => deleteEventsWithoutDeliveries(client, policy.eventsBefore, walk, limit)) });
  }
  return counts.result;
}

/** See Store.shrinkTo: events without deliveries first, then the oldest delivered deliveries,
 * then discarded ones, measuring the size after each chunk that deleted something. */
export async function shrinkTo(pool: pg.Pool, schema: string, maxBytes: number, signal?: AbortSignal): Promise<RetentionResult & { dataBytes: number }> {
  const counts = tally(pool);
  const walk: EventWalk = { receivedAt: Number.MIN_SAFE_INTEGER, seq: 0, done: false };
  let dataBytes = await schemaBytes(pool, schema);
  while (dataBytes > maxBytes && !signal?.aborted) {
    const limit = counts.rows();
    let deleted: ChunkDeleted = { deliveries: 0, events: 0 };
    if (!walk.done) {
      deleted = { deliveries: 0, events: await counts.chunk((client) => deleteEventsWithoutDeliveries(client, Number.MAX_SAFE_INTEGER, walk, limit)) };
      if (deleted.events === 0 && !walk.done) continue;
    }
    if (deleted.events === 0) deleted = await counts.chunk((client) => deleteOldestFinished(client, limit));
    if (deleted.deliveries + deleted.events === 0) break;
    counts.add(deleted);
    dataBytes = await schemaBytes(pool, schema);
  }
  return { ...counts.result, dataBytes };
}

/** See Store.size: the schema's tables with their indexes and TOAST. PostgreSQL's WAL is the
 * server's, shared with every other database, so none of it is counted; the free space of the
 * server's disk cannot be known from a client: null. */
export async function size(db: Queryable, schema: string): Promise<StoreSize> {
  const bytes = await schemaBytes(db, schema);
  return { sizeBytes: bytes, dataBytes: bytes, freeBytes: null };
}

async function schemaBytes(db: Queryable, schema: string): Promise<number> {
  const [row] = await rows<{ bytes: number }>(
    db,
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'm')`,
    [schema],
  );
  return row?.bytes ?? 0;
}

/** Connectors having deliveries in `state`: one seek of deliveries_finished per connector. */
async function connectorsWithFinished(db: Queryable, state: FinishedState): Promise<string[]> {
  return (await rows<{ name: string }>(db, connectorsWith(`state = '${state}' AND ${FINISHED}`))).map((row) => row.name);
}

/**
 * Deletes up to `limit` deliveries of `connector` in `state` that finished before `before`, oldest
 * first, with their attempts, and their events left without deliveries when received before
 * `eventsBefore`.
 */
async function deleteFinished(db: Queryable, state: FinishedState, connector: string, before: number, eventsBefore: number, limit: number): Promise<ChunkDeleted> {
  const chosen = await rows<{ seq: number; id: string; event_id: string }>(
    db,
    `SELECT seq, id, event_id FROM deliveries WHERE state = $1 AND ${FINISHED} AND connector = $2 AND updated_at < $3
      ORDER BY updated_at LIMIT $4 FOR UPDATE SKIP LOCKED`,
    [state, connector, before, limit],
  );
  return chosen.length === 0 ? { deliveries: 0, events: 0 } : deleteDeliveries(db, chosen, eventsBefore);
}

/** The disk guard's chunk: up to `limit` of the oldest delivered deliveries (of the connector
 * whose oldest is the oldest of all), whatever their age; when none is left, discarded ones. */
async function deleteOldestFinished(db: Queryable, limit: number): Promise<ChunkDeleted> {
  const [oldest] = await rows<{ name: string }>(
    db,
    `SELECT name FROM (${connectorsWith(`state = 'delivered' AND ${FINISHED}`)}) c
      ORDER BY (SELECT min(updated_at) FROM deliveries WHERE state = 'delivered' AND ${FINISHED} AND connector = c.name) LIMIT 1`,
  );
  if (oldest !== undefined) return deleteFinished(db, 'delivered', oldest.name, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, limit);
  const [discarded] = await connectorsWithFinished(db, 'discarded');
  return discarded === undefined ? { deliveries: 0, events: 0 } : deleteFinished(db, 'discarded', discarded, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, limit);
}

async function deleteDeliveries(db: Queryable, chosen: readonly { seq: number; id: string; event_id: string }[], eventsBefore: number): Promise<ChunkDeleted> {
  await db.query('DELETE FROM attempts WHERE delivery_id = ANY($1::text[])', [chosen.map((row) => row.id)]);
  const deliveries = (await db.query('DELETE FROM deliveries WHERE seq = ANY($1::bigint[])', [chosen.map((row) => row.seq)])).rowCount ?? 0;
  const events = await db.query(
    `DELETE FROM events WHERE id = ANY($1::text[]) AND received_at < $2 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)`,
    [[...new Set(chosen.map((row) => row.event_id))], eventsBefore],
  );
  return { deliveries, events: events.rowCount ?? 0 };
}

/**
 * Examines the next `limit` events received before `before` from where `walk` stands, in
 * (received_at, seq) order through events_received, and deletes those without deliveries; moves
 * `walk` past them (done when fewer than `limit` were left). Returns how many it deleted. Events a
 * concurrent transaction is giving a delivery (a replay step) are locked by it, and passed over.
 */
async function deleteEventsWithoutDeliveries(db: Queryable, before: number, walk: EventWalk, limit: number): Promise<number> {
  const examined = await rows<{ seq: number; received_at: number; unreferenced: boolean }>(
    db,
    `SELECT seq, received_at, NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id) AS unreferenced FROM events
      WHERE received_at < $1 AND (received_at, seq) > ($2, $3) ORDER BY received_at, seq LIMIT $4`,
    [before, walk.receivedAt, walk.seq, limit],
  );
  const last = examined.at(-1);
  if (last !== undefined) Object.assign(walk, { receivedAt: last.received_at, seq: last.seq });
  walk.done = examined.length < limit;
  const unreferenced = examined.filter((row) => row.unreferenced).map((row) => row.seq);
  if (unreferenced.length === 0) return 0;
  const deleted = await db.query(
    `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq = ANY($1::bigint[]) FOR UPDATE SKIP LOCKED)
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)`,
    [unreferenced],
  );
  return deleted.rowCount ?? 0;
}
