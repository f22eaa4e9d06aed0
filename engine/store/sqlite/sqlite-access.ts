/**
 * How the SQLite store's operations reach the database: writes through the group-commit queue
 * (one transaction and one fsync per event-loop turn, in call order), reads after flushing what is
 * queued (so they see every write made before them), long jobs in chunks with other writes
 * committed between them, and the store's health as its last disk failure left it. Every
 * operation rejects with ENGINE_CLOSED once the store is closing.
 */
import type { Database } from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import { HmsError } from '../../errors.js';
import type { StoreHealth } from '../store.js';
import type { Statements } from './sql.js';
import type { WriteHold } from './sqlite-retention.js';
import { diskFailure, storeUnavailable } from './store-errors.js';
import { createWriteQueue, type Durability, type ItemKind } from './write-queue.js';
import { RESTART_CHUNK_ROWS } from './write-ops.js';

/** What a checkpoint found in the WAL, and how much of it is now in the database file. */
export interface Checkpointed {
  readonly walFrames: number;
  readonly checkpointed: number;
}

export interface SqliteAccess {
  /** A write in the next group commit. */
  write<T>(run: () => T, durability?: Durability): Promise<T>;
  /** An item of a kind the queue batches (one `run` for every item of the turn). */
  writeItem<I, R>(kind: ItemKind<I, R>, item: I): Promise<R>;
  read<T>(run: () => T): Promise<T>;
  /** Repeats `restart` (up to RESTART_CHUNK_ROWS rows), a commit each, until it restarts fewer; resolves with the total. */
  inChunks(restart: (limit: number) => number): Promise<number>;
  /** Repeats `chunk` from where the last one ended, a commit each, until none follows; resolves with the total changed. */
  fromCursor(chunk: (after: string | undefined) => { changed: number; next: string | null }): Promise<number>;
  /**
   * A write in a transaction of its own, on a later turn: whatever is queued commits first, so
   * `held` times this write alone, BEGIN to COMMIT, by the clock and in CPU time of the process
   * (which a machine busy with other work does not stretch), and other work runs between two such
   * writes. Its COMMIT never checkpoints (auto-checkpoint is off for it): the caller follows it
   * with checkpointAlone, so that the WAL stays bounded.
   */
  writeAlone<T>(run: () => T, held: (hold: WriteHold) => void): Promise<T>;
  /**
   * A PASSIVE checkpoint on a later turn, outside any transaction, after whatever is queued has
   * committed: it copies the WAL's pages into the database file and syncs it. `held` times it as
   * writeAlone does; nothing else writes meanwhile. With one connection and no reader it always
   * copies every frame, so the next write starts the WAL over from its beginning.
   */
  checkpointAlone(held: (hold: WriteHold) => void): Promise<Checkpointed>;
  /** Runs `operation` unless the store is closing. */
  whileOpen<T>(operation: () => Promise<T>): Promise<T>;
  health(): StoreHealth;
  /** Commits what is queued, checkpoints and closes the database; later calls reject. Idempotent. */
  close(): Promise<void>;
}

export function createSqliteAccess(db: Database, sql: Statements, dataDir: string, clock: Clock): SqliteAccess {
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
  const closedError = () => new HmsError('ENGINE_CLOSED', `the store of data directory ${dataDir} is closed`);

  function whileOpen<T>(operation: () => Promise<T>): Promise<T> {
    return closed === undefined ? operation() : Promise.reject(closedError());
  }

  function write<T>(run: () => T, durability: Durability = 'durable'): Promise<T> {
    return whileOpen(() => queue.enqueue(run, durability));
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

  async function inChunks(restart: (limit: number) => number): Promise<number> {
    let total = 0;
    for (;;) {
      const restarted = await write(() => restart(RESTART_CHUNK_ROWS));
      total += restarted;
      if (restarted < RESTART_CHUNK_ROWS) return total;
    }
  }

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

  /** Runs `step` on a later turn, after committing whatever is queued, unless the store is closing. */
  function onItsOwnTurn<T>(step: () => T): Promise<T> {
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    // `read` flushes what is queued and refuses once the store is closing, as this must.
    return whileOpen(() => turn().then(() => read(step)));
  }

  function writeAlone<T>(run: () => T, held: (hold: WriteHold) => void): Promise<T> {
    // The step returns the write's promise, which settles once the queue has run it.
    return onItsOwnTurn(() => {
      const written = queue.enqueue(run, 'awaited');
      // Its COMMIT must not checkpoint: that would add the copy of every page in the WAL, and an
      // fsync of the database file, to this transaction's hold. checkpointAlone does it next.
      sql.autocheckpointOff.run();
      try {
        timed(() => queue.flushNow(), held);
      } finally {
        sql.autocheckpointOn.run();
      }
      return written;
    }).then((written) => written);
  }

  function checkpointAlone(held: (hold: WriteHold) => void): Promise<Checkpointed> {
    return onItsOwnTurn(() => {
      const { log, checkpointed } = timed(() => sql.checkpointPassive.get()!, held);
      return { walFrames: log, checkpointed };
    });
  }

  function closeDatabase(): void {
    try {
      queue.flushNow();
      sql.checkpoint.get();
    } finally {
      db.close();
    }
  }

  return {
    write,
    writeItem: (kind, item) => whileOpen(() => queue.enqueueItem(kind, item)),
    read,
    inChunks,
    fromCursor,
    writeAlone,
    checkpointAlone,
    whileOpen,
    health: () => health,
    close() {
      // Operations queued before close still commit; anything called after it rejects.
      closed ??= new Promise<void>((resolve) => resolve(closeDatabase()));
      return closed;
    },
  };
}

/** Times `run`, by the clock and in CPU time of the process, for `held`. */
function timed<T>(run: () => T, held: (hold: WriteHold) => void): T {
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    return run();
  } finally {
    const { user, system } = process.cpuUsage(cpu);
    held({ ms: performance.now() - started, cpuMs: (user + system) / 1000 });
  }
}
