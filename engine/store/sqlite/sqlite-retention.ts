/**
 * Retention in the SQLite store (see Store.deleteExpired and Store.shrinkTo): loops over the
 * chunks of retention-ops.ts, each chunk one transaction of its own, so that ingest and dispatch
 * commit between chunks. A chunk's COMMIT never checkpoints the WAL; a PASSIVE checkpoint on a
 * turn of its own does, every few chunks (checkpoint-pacer.ts): a chunk of deletes writes hundreds of pages, and
 * SQLite's auto-checkpoint at a COMMIT copies every page of the WAL into the database file and
 * syncs it, which in the bench made up most of the slowest chunks' holds (a checkpoint's fsync
 * waits on the disk, sometimes for hundreds of ms). Both steps are timed, BEGIN to COMMIT and
 * the checkpoint alone; the longest of either is the figure a caller reports as retention's
 * longest hold, since ingest and dispatch wait for both.
 */
import type { RetentionPolicy, RetentionResult } from '../store.js';
import { createCheckpointPacer } from './checkpoint-pacer.js';
import * as ops from './retention-ops.js';
import type { Statements } from './sql.js';

/** How long one write transaction took, by the clock and in CPU time. */
export interface WriteHold {
  readonly ms: number;
  readonly cpuMs: number;
}

export interface RetentionAccess {
  readonly sql: Statements;
  /** Runs `run` as a write in a transaction of its own; `held` hears how long it took. */
  write<T>(run: () => T, held: (hold: WriteHold) => void): Promise<T>;
  read<T>(run: () => T): Promise<T>;
  /** Checkpoints the WAL outside any transaction, answering with the frames it held; `held`
   * hears how long it took. */
  checkpoint(held: (hold: WriteHold) => void): Promise<{ walFrames: number }>;
  /** StoreSize.dataBytes. */
  dataBytes(): Promise<number>;
}

export interface SqliteRetention {
  deleteExpired(policy: RetentionPolicy, signal?: AbortSignal): Promise<RetentionResult>;
  shrinkTo(maxBytes: number, signal?: AbortSignal): Promise<RetentionResult & { dataBytes: number }>;
}

/**
 * The rows of the next chunk, after one that took `heldMs`: halved past ops.TARGET_HOLD_MS,
 * doubled under half of it, within ops.MIN_CHUNK_ROWS and ops.RETENTION_CHUNK_ROWS. The first
 * chunks of a run read pages no one has touched for days, from disk, and cost several times the
 * later ones; a slow disk or a busy machine costs more throughout.
 */
export function nextChunkRows(rows: number, heldMs: number): number {
  if (heldMs > ops.TARGET_HOLD_MS) return Math.max(ops.MIN_CHUNK_ROWS, Math.floor(rows / 2));
  if (heldMs < ops.TARGET_HOLD_MS / 2) return Math.min(ops.RETENTION_CHUNK_ROWS, rows * 2);
  return rows;
}

/** What one call deleted so far, its longest write, and the size of its next chunk. */
function tally(access: Pick<RetentionAccess, 'checkpoint'>) {
  const result = { deleted: { deliveries: 0, dead: 0, events: 0 }, longestWriteMs: 0, longestWriteCpuMs: 0 };
  let rows = ops.MIN_CHUNK_ROWS;
  const held = (hold: WriteHold) => {
    result.longestWriteMs = Math.max(result.longestWriteMs, hold.ms);
    result.longestWriteCpuMs = Math.max(result.longestWriteCpuMs, hold.cpuMs);
  };
  return {
    result,
    rows: () => rows,
    held,
    /** Checkpoints the WAL between this call's chunks; its holds count among the call's. */
    checkpoints: createCheckpointPacer(() => access.checkpoint(held)),
    /** Like `held`, for a chunk of deletes: sizes the next one. */
    heldChunk: (hold: WriteHold) => {
      result.longestWriteMs = Math.max(result.longestWriteMs, hold.ms);
      result.longestWriteCpuMs = Math.max(result.longestWriteCpuMs, hold.cpuMs);
      rows = nextChunkRows(rows, hold.ms);
    },
    add(chunk: ops.ChunkDeleted, dead = false) {
      result.deleted.deliveries += chunk.deliveries;
      if (dead) result.deleted.dead += chunk.deliveries;
      result.deleted.events += chunk.events;
    },
  };
}

export function createSqliteRetention(access: RetentionAccess): SqliteRetention {
  const { sql } = access;

  /** One chunk: `step`, deleting up to `rows` rows, in a transaction of its own; then, when the
   * WAL has grown enough, a checkpoint of it (see checkpoint-pacer.ts). */
  async function chunk<T>(step: () => T, rows: number, held: (hold: WriteHold) => void, counts: ReturnType<typeof tally>): Promise<T> {
    const done = await access.write(step, held);
    await counts.checkpoints.afterChunk(rows, counts.rows());
    return done;
  }

  /** Repeats `step` (deleting up to its `limit` rows), one write each, until it deletes less than
   * its limit or `signal` aborts. */
  async function repeat(step: (limit: number) => ops.ChunkDeleted, counts: ReturnType<typeof tally>, signal: AbortSignal | undefined, dead = false): Promise<void> {
    while (!signal?.aborted) {
      const limit = counts.rows();
      const deleted = await chunk(() => step(limit), limit, counts.heldChunk, counts);
      counts.add(deleted, dead);
      if (Math.max(deleted.deliveries, deleted.events) < limit) return;
    }
  }

  /** Gives free pages beyond `keepFreeBytes` back, a chunk per write. The file itself is cut at
   * the checkpoint that follows each chunk. */
  async function reclaim(keepFreeBytes: number, counts: ReturnType<typeof tally>, signal: AbortSignal | undefined): Promise<void> {
    while (!signal?.aborted) {
      // Moving pages is not counted in rows: a checkpoint follows each such chunk.
      if ((await chunk(() => ops.reclaimChunk(sql, keepFreeBytes), Number.POSITIVE_INFINITY, counts.held, counts)) === 0) return;
    }
  }

  return {
    async deleteExpired(policy, signal) {
      const counts = tally(access);
      for (const state of ['delivered', 'dead', 'discarded'] as const) {
        for (const connector of await access.read(() => ops.connectorsWithFinished(sql, state))) {
          const cutoffs = policy.connectors.get(connector) ?? policy;
          // Discarded deliveries are kept as delivered ones are, from when they were discarded.
          const before = state === 'dead' ? cutoffs.deadBefore : cutoffs.deliveredBefore;
          if (before === null) continue;
          await repeat((limit) => ops.deleteFinished(sql, state, connector, before, policy.eventsBefore, limit), counts, signal, state === 'dead');
        }
      }
      await repeat((limit) => ({ deliveries: 0, events: ops.deleteUnreferencedEvents(sql, policy.eventsBefore, limit) }), counts, signal);
      const { deliveries, events } = counts.result.deleted;
      if (deliveries + events > 0) await reclaim(ops.RECLAIM_KEEP_FREE_BYTES, counts, signal);
      await counts.checkpoints.finish();
      return counts.result;
    },

    async shrinkTo(maxBytes, signal) {
      const counts = tally(access);
      let dataBytes = await access.dataBytes();
      while (dataBytes > maxBytes && !signal?.aborted) {
        const limit = counts.rows();
        let deleted: ops.ChunkDeleted = await chunk(() => ({ deliveries: 0, events: ops.deleteUnreferencedEvents(sql, Number.MAX_SAFE_INTEGER, limit) }), limit, counts.heldChunk, counts);
        if (deleted.events === 0) deleted = await chunk(() => ops.deleteOldestDelivered(sql, limit), limit, counts.heldChunk, counts);
        if (deleted.deliveries + deleted.events === 0) break;
        counts.add(deleted);
        // Over its size, the store keeps no free pages in reserve.
        await reclaim(0, counts, signal);
        dataBytes = await access.dataBytes();
      }
      await counts.checkpoints.finish();
      return { ...counts.result, dataBytes };
    },
  };
}
