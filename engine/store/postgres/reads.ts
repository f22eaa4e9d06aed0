/**
 * The PostgreSQL store's reads, operator actions, replays and retention: every Store method but
 * the write and claim path (postgres-store.ts spreads this table into its own). Each method
 * behaves as the SQLite store's does; the contract is engine/store/store.ts.
 *
 * Where each runs:
 * - Reads run on the pool once the writes called before them have settled (read-access.ts).
 * - `act`, `actOnMatching` (a chunk per write), `startReplay`, `recordReplayStep` and
 *   `cancelReplay` go through the write queue, ordered with the dispatcher's writes as in SQLite;
 *   each is one transaction (a savepoint of a group commit).
 * - Retention chunks (`deleteExpired`, `shrinkTo`) run in transactions of their own on the pool
 *   (retention-ops.ts), so that a chunk never holds back the group commit of ingest and dispatch.
 * - Once the pool is ending (Store.close ends it), each rejects with ENGINE_CLOSED.
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import type { Store } from '../store.js';
import { act, actOnChunk } from './delivery-actions.js';
import { backlog, countByState, oldestUnfinishedAt } from './counts.js';
import { findPage } from './find-deliveries.js';
import { asStoreError, checkOpen, readAfterWrites, type Queryable } from './read-access.js';
import { deliveryState, getDelivery, getEvent } from './read-views.js';
import * as replays from './replay-ops.js';
import * as retention from './retention-ops.js';
import { notifyWake } from './wake-listener.js';
import type { PgWriteQueue } from './write-queue.js';

export interface PostgresStoreContext {
  /** Reads run on the pool; every connection's search_path is already the schema. */
  readonly pool: pg.Pool;
  /** Writes that must be ordered with the dispatcher's go through it (see the module's comment). */
  readonly writes: PgWriteQueue;
  /** For catalog queries (pg_total_relation_size), never for table names (search_path does that). */
  readonly schema: string;
  readonly clock: Clock;
  /** The replica this store works for: it runs the replays it starts (replay-ops.ts). */
  readonly replicaId: string;
}

export type PostgresReads = Pick<
  Store,
  | 'startReplay'
  | 'scanReplayEvents'
  | 'recordReplayStep'
  | 'cancelReplay'
  | 'getReplay'
  | 'listReplays'
  | 'getEvent'
  | 'findDeliveries'
  | 'getDelivery'
  | 'deliveryState'
  | 'act'
  | 'actOnMatching'
  | 'countByState'
  | 'oldestUnfinishedAt'
  | 'deleteExpired'
  | 'shrinkTo'
  | 'size'
  | 'backlog'
>;

export function createPostgresReads(context: PostgresStoreContext): PostgresReads {
  const { pool, writes, schema } = context;
  const read = <T>(run: (db: Queryable) => Promise<T>) => readAfterWrites(context, run);
  /** A write on the queue's connection; its errors are already mapped by the queue. */
  const write = async <T>(run: (client: pg.PoolClient) => Promise<T>) => {
    checkOpen(pool);
    return writes.enqueue(run);
  };
  /** Retention's own transactions, outside the queue. */
  const alone = async <T>(run: () => Promise<T>) => {
    checkOpen(pool);
    try {
      return await run();
    } catch (error) {
      throw asStoreError(error);
    }
  };

  return {
    startReplay: (replay) => write((client) => replays.startReplay(client, replay, context.replicaId)),
    scanReplayEvents: (scan) => read((db) => replays.scanReplayEvents(db, scan)),
    recordReplayStep: (id, step) => write((client) => replays.recordReplayStep(client, id, step, context.replicaId)),
    cancelReplay: (id, now) => write((client) => replays.cancelReplay(client, id, now)),
    getReplay: (id) => read((db) => replays.getReplay(db, id)),
    listReplays: (options) => read((db) => replays.listReplays(db, options)),
    getEvent: (id) => read((db) => getEvent(db, id)),
    findDeliveries: (options) => read((db) => findPage(db, options)),
    getDelivery: (id) => read((db) => getDelivery(db, id)),
    deliveryState: (id) => read((db) => deliveryState(db, id)),
    act: (action, ids, connectors, now) => write((client) => wakeAfterRetry(client, schema, action, act(client, action, 'id', ids, connectors, now))),
    async actOnMatching(action, filter, connectors, now) {
      let total = 0;
      let after: string | undefined;
      for (;;) {
        const from = after;
        const { changed, next } = await write(async (client) => {
          const chunk = await actOnChunk(client, action, filter, connectors, now, from);
          await wakeAfterRetry(client, schema, action, Promise.resolve(chunk.changed));
          return chunk;
        });
        total += changed;
        if (next === null) return total;
        after = next;
      }
    },
    countByState: () => read((db) => countByState(db)),
    oldestUnfinishedAt: () => read((db) => oldestUnfinishedAt(db)),
    deleteExpired: (policy, signal) => alone(() => retention.deleteExpired(pool, policy, signal)),
    shrinkTo: (maxBytes, signal) => alone(() => retention.shrinkTo(pool, schema, maxBytes, signal)),
    size: () => read((db) => retention.size(db, schema)),
    backlog: () => read((db) => backlog(db)),
  };
}

/** An operator's retry makes deliveries due now for every replica: wake them (wake-listener.ts). */
async function wakeAfterRetry(client: pg.PoolClient, schema: string, action: string, changing: Promise<number>): Promise<number> {
  const changed = await changing;
  if (action === 'retry' && changed > 0) await notifyWake(client, schema, 'due');
  return changed;
}
