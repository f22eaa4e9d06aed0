/**
 * Retention in the SQLite store (see Store.deleteExpired and Store.shrinkTo): loops over the
 * chunks of retention-ops.ts, each chunk one transaction of its own, so that ingest and dispatch
 * commit between chunks. Each is timed from BEGIN to COMMIT (a checkpoint SQLite makes at that
 * COMMIT included); the longest is the figure a caller reports as retention's longest hold.
 */
import type { RetentionPolicy, RetentionResult } from '../store.js';
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
  /** StoreSize.dataBytes. */
  dataBytes(): Promise<number>;
}

export interface SqliteRetention {
  deleteExpired(policy: RetentionPolicy, signal?: AbortSignal): Promise<RetentionResult>;
  shrinkTo(maxBytes: number, signal?: AbortSignal): Promise<RetentionResult & { dataBytes: number }>;
}

/** What one call deleted so far, and its longest write. */
function tally() {
  const result = { deleted: { deliveries: 0, dead: 0, events: 0 }, longestWriteMs: 0, longestWriteCpuMs: 0 };
  return {
    result,
    held: (hold: WriteHold) => {
      result.longestWriteMs = Math.max(result.longestWriteMs, hold.ms);
      result.longestWriteCpuMs = Math.max(result.longestWriteCpuMs, hold.cpuMs);
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
  const chunk = ops.RETENTION_CHUNK_ROWS;

  /** Repeats `step`, one write each, until it deletes less than a chunk or `signal` aborts. */
  async function repeat(step: () => ops.ChunkDeleted, counts: ReturnType<typeof tally>, signal: AbortSignal | undefined, dead = false): Promise<void> {
    while (!signal?.aborted) {
      const deleted = await access.write(step, counts.held);
      counts.add(deleted, dead);
      if (Math.max(deleted.deliveries, deleted.events) < chunk) return;
    }
  }

  /** Gives free pages beyond `keepFreeBytes` back, a chunk per write. The file itself is cut at
   * the next checkpoint (SQLite's own, every 4 MB of WAL, or at close). */
  async function reclaim(keepFreeBytes: number, counts: ReturnType<typeof tally>, signal: AbortSignal | undefined): Promise<void> {
    while (!signal?.aborted) {
      if ((await access.write(() => ops.reclaimChunk(sql, keepFreeBytes), counts.held)) === 0) return;
    }
  }

  return {
    async deleteExpired(policy, signal) {
      const counts = tally();
      for (const state of ['delivered', 'dead'] as const) {
        for (const connector of await access.read(() => ops.connectorsWithFinished(sql, state))) {
          const cutoffs = policy.connectors.get(connector) ?? policy;
          const before = state === 'delivered' ? cutoffs.deliveredBefore : cutoffs.deadBefore;
          if (before === null) continue;
          await repeat(() => ops.deleteFinished(sql, state, connector, before, policy.eventsBefore, chunk), counts, signal, state === 'dead');
        }
      }
      await repeat(() => ({ deliveries: 0, events: ops.deleteUnreferencedEvents(sql, policy.eventsBefore, chunk) }), counts, signal);
      const { deliveries, events } = counts.result.deleted;
      if (deliveries + events > 0) await reclaim(ops.RECLAIM_KEEP_FREE_BYTES, counts, signal);
      return counts.result;
    },

    async shrinkTo(maxBytes, signal) {
      const counts = tally();
      let dataBytes = await access.dataBytes();
      while (dataBytes > maxBytes && !signal?.aborted) {
        let deleted: ops.ChunkDeleted = await access.write(() => ({ deliveries: 0, events: ops.deleteUnreferencedEvents(sql, Number.MAX_SAFE_INTEGER, chunk) }), counts.held);
        if (deleted.events === 0) deleted = await access.write(() => ops.deleteOldestDelivered(sql, chunk), counts.held);
        if (deleted.deliveries + deleted.events === 0) break;
        counts.add(deleted);
        // Over its size, the store keeps no free pages in reserve.
        await reclaim(0, counts, signal);
        dataBytes = await access.dataBytes();
      }
      return { ...counts.result, dataBytes };
    },
  };
}
