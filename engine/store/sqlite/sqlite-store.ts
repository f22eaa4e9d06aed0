/**
 * The embedded SQLite backend of the Store (see ../store.ts for the contract).
 *
 * One engine owns a data directory: the connection holds an exclusive lock for its whole life.
 * Writes (acceptEvents, recordAttempt, requeue, claimDue, reconcileConnectors, redrive, act,
 * setDisabled, setPaused, the replays' writes; actOnMatching and retention, whose chunks each get
 * a transaction of their own) go through the
 * group-commit queue (write-queue.ts): one transaction and one fsync per event-loop turn,
 * operations applied in the order they were called. Reads first flush whatever is queued, so they
 * see every write made before them.
 */
import { stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import { HmsError } from '../../errors.js';
import type { AttemptRecord, Store, StoreHealth } from '../store.js';
import { DB_FILE_NAME, openDataDirectory } from './open-database.js';
import { createDeliveryFinder, findPage } from './find-deliveries.js';
import { backlog, countByState, getDelivery, getEvent } from './read-views.js';
import * as replays from './replay-ops.js';
import { prepareReplayStatements } from './replay-sql.js';
import { prepareStatements } from './sql.js';
import { createSqliteRetention, type WriteHold } from './sqlite-retention.js';
import { diskFailure, storeUnavailable } from './store-errors.js';
import * as ops from './write-ops.js';
import { createWriteQueue, type Durability, type ItemKind } from './write-queue.js';

export interface SqliteStoreOptions {
  /** Created when missing; the database is `<dataDir>/hms-sync.db`. */
  readonly dataDir: string;
  /** Stamps updated_at and times crash recovery; defaults to the system clock (created_at is the event's receivedAt). */
  readonly clock?: Clock;
  /** Hears of the one-time compaction of a database written by an older hms-sync (compact-once.ts). */
  readonly logger?: Logger;
}

/**
 * Opens the store of a data directory, migrating its schema and expiring the leases of a
 * previous owner. Rejects with STORE_LOCKED when another engine uses the directory.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { dataDir } = options;
  const clock = options.clock ?? systemClock;
  const db = await openDataDirectory(dataDir, clock.now(), options.logger);
  const sql = prepareStatements(db);
  const finder = createDeliveryFinder(db);
  const rs = prepareReplayStatements(db);
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

  /** Repeats `chunk` from where the last one ended, a flush each, until none follows; other writes
   * commit in between. Resolves with the total changed. */
  async function fromCursor(chunk: (after: string | undefined) => { changed: number; next: string | null }): Promise<number> {
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const { changed, next } = await write(() => chunk(after));
      total += changed;
      if (next === null) return total;
      after = next;
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

  const walFile = join(dataDir, `${DB_FILE_NAME}-wal`);
  /** The database's pages: the file's size once the WAL is checkpointed (pages given back leave the
   * file at the next checkpoint). */
  const dataBytes = () => read(() => (sql.pageCount.get() ?? 0) * (sql.pageSize.get() ?? 0));

  /**
   * A write in a transaction of its own, on a later turn: whatever is queued commits first, so
   * `held` times this write alone, BEGIN to COMMIT, by the clock and in CPU time of the process
   * (which a machine busy with other work does not stretch), and other work runs between two such
   * writes.
   */
  function writeAlone<T>(run: () => T, held: (hold: WriteHold) => void): Promise<T> {
    return whileOpen(
      () =>
        new Promise<T>((resolve, reject) =>
          setImmediate(() => {
            if (closed !== undefined) return reject(closedError());
            queue.flushNow();
            const written = queue.enqueue(run, 'awaited');
            const started = performance.now();
            const cpu = process.cpuUsage();
            queue.flushNow();
            const { user, system } = process.cpuUsage(cpu);
            held({ ms: performance.now() - started, cpuMs: (user + system) / 1000 });
            written.then(resolve, reject);
          }),
        ),
    );
  }

  const retention = createSqliteRetention({ sql, dataBytes, read, write: writeAlone });

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
    setPaused: (connector, pause) => write(() => replays.setPaused(rs, connector, pause)),
    pausedConnectors: () => read(() => rs.selectPaused.all()),
    startReplay: (replay) => write(() => replays.startReplay(rs, replay)),
    scanReplayEvents: (scan) => read(() => replays.scanReplayEvents(rs, scan)),
    recordReplayStep: (id, step) => write(() => replays.recordReplayStep(rs, id, step)),
    cancelReplay: (id, now) =>
      write(() => {
        rs.cancelReplay.run(now, id);
        return replays.replayView(rs, id);
      }),
    getReplay: (id) => read(() => replays.replayView(rs, id)),
    listReplays: (options) => read(() => replays.listReplays(rs, options)),
    getEvent: (id) => read(() => getEvent(sql, id)),
    findDeliveries: (options) => read(() => findPage(finder, options)),
    getDelivery: (id) => read(() => getDelivery(sql, id)),
    deliveryState: (id) => read(() => sql.selectDeliveryState.get(id)),
    act: (action, ids, connectors, now) => write(() => ops.act(sql, action, 'id', ids, connectors, now)),
    actOnMatching: (action, filter, connectors, now) => fromCursor((after) => ops.actOnChunk(sql, finder, action, filter, connectors, now, after)),
    countByState: () => read(() => countByState(sql)),
    oldestUnfinishedAt: () => read(() => sql.oldestUnfinishedAt.get()?.created_at ?? null),
    deleteExpired: (policy, signal) => retention.deleteExpired(policy, signal),
    shrinkTo: (maxBytes, signal) => retention.shrinkTo(maxBytes, signal),
    size: () =>
      whileOpen(async () => {
        const [data, wal, fs] = await Promise.all([dataBytes(), stat(walFile).then((s) => s.size, () => 0), statfs(dataDir)]);
        return { sizeBytes: data + wal, dataBytes: data, freeBytes: fs.bavail * fs.bsize };
      }),
    backlog: () => read(() => backlog(sql)),
    health: () => health,
    close() {
      // Operations queued before close still commit; anything called after it rejects.
      closed ??= new Promise<void>((resolve) => resolve(close()));
      return closed;
    },
  };
}
