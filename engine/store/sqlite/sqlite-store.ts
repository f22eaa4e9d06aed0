/**
 * The embedded SQLite backend of the Store (see ../store.ts for the contract).
 *
 * One engine owns a data directory: the connection holds an exclusive lock for its whole life.
 * Writes (acceptEvents, recordAttempt, requeue, claimDue, reconcileConnectors, redrive, retryDead,
 * setDisabled) go through the group-commit queue (write-queue.ts): one transaction and one fsync per event-loop turn,
 * operations applied in the order they were called. Reads first flush whatever is queued, so
 * they see every write made before them.
 */
import { systemClock, type Clock } from '../../clock.js';
import { HmsError } from '../../errors.js';
import type { AttemptRecord, Store, StoreHealth } from '../store.js';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DB_FILE_NAME, openDataDirectory } from './open-database.js';
import { backlog, countByState, getEvent, listDead } from './read-views.js';
import { prepareStatements } from './sql.js';
import { diskFailure, storeUnavailable } from './store-errors.js';
import * as ops from './write-ops.js';
import { createWriteQueue, type Durability, type ItemKind } from './write-queue.js';

export interface SqliteStoreOptions {
  /** Created when missing; the database is `<dataDir>/hms-sync.db`. */
  readonly dataDir: string;
  /** Stamps updated_at and times crash recovery; defaults to the system clock (created_at is the event's receivedAt). */
  readonly clock?: Clock;
}

/**
 * Opens the store of a data directory, migrating its schema and expiring the leases of a
 * previous owner. Rejects with STORE_LOCKED when another engine uses the directory.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { dataDir } = options;
  const clock = options.clock ?? systemClock;
  const db = await openDataDirectory(dataDir, clock.now());
  const dbFile = join(dataDir, DB_FILE_NAME);
  const sql = prepareStatements(db);
  let health: StoreHealth = { writable: true, lastFailure: null };
  /** What a caller gets for an error: a disk failure becomes STORE_UNAVAILABLE and is remembered
   * for health(); any other error passes unchanged. */
  const failure = (error: unknown): unknown => {
    const why = diskFailure(error);
    if (why === undefined) return error;
    health = { writable: false, lastFailure: { at: clock.now(), message: why } };
    return storeUnavailable(why, error);
  };
  // Bookkeeping commits are small and may still fit where a batch of events does not, so only a
  // durable commit (events acknowledged) shows the store writable again.
  const queue = createWriteQueue(sql, failure, (durable) => {
    if (durable && !health.writable) health = { ...health, writable: true };
  });
  let closed: Promise<void> | undefined;
  // Dispatch bookkeeping: a crash that loses it only sends a delivery again (at-least-once).
  const attempts: ItemKind<AttemptRecord, void> = { durability: 'relaxed', run: (records) => ops.recordAttempts(sql, records, clock.now()) };

  const closedError = () => new HmsError('ENGINE_CLOSED', `the store of data directory ${dataDir} is closed`);

  /** Starts `operation`, unless the store is closed: then it rejects with ENGINE_CLOSED. */
  function whileOpen<T>(operation: () => Promise<T>): Promise<T> {
    return closed === undefined ? operation() : Promise.reject(closedError());
  }

  function write<T>(run: () => T, durability: Durability = 'durable'): Promise<T> {
    return whileOpen(() => queue.enqueue(run, durability));
  }

  /** Repeats `restart` (up to `limit` rows), a flush each, until it restarts fewer; other writes
   * commit in between. Resolves with the total. */
  async function inChunks(restart: (limit: number) => number): Promise<number> {
    let total = 0;
    for (;;) {
      const restarted = await write(() => restart(ops.RESTART_CHUNK_ROWS));
      total += restarted;
      if (restarted < ops.RESTART_CHUNK_ROWS) return total;
    }
  }

  function read<T>(run: () => T): Promise<T> {
    return whileOpen(() => {
      try {
        queue.flushNow();
        return Promise.resolve(run());
      } catch (error) {
        return Promise.reject(failure(error));
      }
    });
  }

  function close(): void {
    try {
      queue.flushNow();
      sql.checkpoint.get();
    } finally {
      db.close();
    }
  }

  return {
    acceptEvents: (events) => write(() => ops.acceptEvents(sql, events, clock.now())),
    recordAttempt: (record) => whileOpen(() => queue.enqueueItem(attempts, record)),
    requeue: (ids, dueAt) => write(() => ops.requeue(sql, ids, dueAt, clock.now())),
    // The sweep waits for its claim, but a crash that loses one only makes its lease moot.
    claimDue: (options) => write(() => ops.claimDue(sql, options), 'awaited'),
    reconcileConnectors: (connectors, now) => write(() => ops.reconcileConnectors(sql, connectors, now)),
    redrive: (connector, now) => inChunks((limit) => ops.redrive(sql, connector, now, limit)),
    setDisabled: (connector, disabled) => write(() => ops.setDisabled(sql, connector, disabled)),
    disabledConnectors: () => read(() => sql.selectDisabled.all()),
    getEvent: (id) => read(() => getEvent(sql, id)),
    listDead: (options) => read(() => listDead(sql, options)),
    deliveryState: (id) => read(() => sql.selectDeliveryState.get(id)),
    retryDead: (which, connectors, now) => inChunks((limit) => ops.retryDead(sql, which, connectors, now, limit)),
    countByState: () => read(() => countByState(sql)),
    backlog: () => read(() => backlog(sql)),
    // The file system's view, WAL included: what fills the volume. Nothing is flushed for it.
    sizeBytes: () => whileOpen(async () => fileBytes(dbFile) + fileBytes(`${dbFile}-wal`)),
    health: () => health,
    close() {
      // Operations queued before close still commit; anything called after it rejects.
      closed ??= new Promise<void>((resolve) => resolve(close()));
      return closed;
    },
  };
}

/** The size of a file in bytes; 0 when it does not exist (no WAL yet, or checkpointed away). */
function fileBytes(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}
