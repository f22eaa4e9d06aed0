/**
 * Group commit for the PostgreSQL store, as write-queue.ts is for SQLite.
 *
 * Writers enqueue an operation (an async function of a connection inside an open transaction) and
 * get a promise. One flush at a time takes every queued operation, runs them in enqueue order on
 * one connection inside ONE transaction, and commits: many callers share one commit (one WAL flush
 * on the server). While a flush runs, new operations queue for the next. Contract:
 * - An operation's promise settles only after its transaction commits (resolved) or fails (rejected).
 * - In a flush of several operations each runs in its own savepoint: one that throws is rolled
 *   back alone and rejects with its own error, while the others still commit.
 * - When the transaction itself fails (the server went away, COMMIT failed), every operation of
 *   the flush rejects and none of it is stored: nothing is half-written.
 * - A flush that PostgreSQL aborts as a deadlock victim (40P01) or a serialization failure
 *   (40001), in its transaction or in one of its operations, is rolled back whole and run again,
 *   up to FLUSH_ATTEMPTS times: with several replicas on one schema their writes may cross (a
 *   renewal and a late record lock the same deliveries in another order). Operations are functions
 *   of the open transaction, so running one again after a rollback writes it once.
 * - Operations are applied in call order, across flushes too (one flush at a time), and a later
 *   one sees the effects of earlier ones; `settled()` lets a reader wait for every write called
 *   before it.
 *
 * Items of one kind queued back to back (`enqueueItem`, e.g. attempt records) share one
 * operation, so the kind can write them with a few multi-row statements; each still gets its own
 * result. An item never joins an operation queued before another write, so call order holds.
 *
 * node-postgres sends one statement at a time per connection (no pipelining), so the queue saves
 * round trips instead: multi-row statements, and no savepoint for a flush of one operation.
 */
import type pg from 'pg';

/** How long bookkeeping nobody waits on (attempt records) may gather before it commits. */
export const RELAXED_FLUSH_DELAY_MS = 10;

/** Runs of one flush at most, when PostgreSQL aborts it as a deadlock or serialization failure. */
export const FLUSH_ATTEMPTS = 4;
/** SQLSTATEs after which the same transaction, run again, may well succeed. */
const TRANSIENT_STATES = new Set(['40P01', '40001']);

export type Settled<T = unknown> = { ok: true; value: T } | { ok: false; error: unknown };

/** A kind of item written many at a time. */
export interface ItemKind<Item, Result> {
  /** Writes the items in the open transaction; one result per item, in order. Throwing fails every item. */
  run(client: pg.PoolClient, items: readonly Item[]): Promise<Settled<Result>[]>;
}

export interface PgWriteQueue {
  /** `relaxed`: nobody waits on it soon, so it may gather for RELAXED_FLUSH_DELAY_MS. */
  enqueue<T>(run: (client: pg.PoolClient) => Promise<T>, relaxed?: boolean): Promise<T>;
  enqueueItem<Item, Result>(kind: ItemKind<Item, Result>, item: Item): Promise<Result>;
  /** Resolves once every operation enqueued before this call has settled. */
  settled(): Promise<void>;
}

interface QueuedOp {
  run(client: pg.PoolClient): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** The kind whose items it collects, while it is the last of the queue. */
  items?: { kind: ItemKind<unknown, unknown>; list: unknown[]; settlers: { resolve(v: unknown): void; reject(e: unknown): void }[] };
}

/**
 * Runs `run` in a savepoint of the open transaction: undone alone when it throws. When the
 * savepoint cannot be rolled back (the connection is gone), the error is thrown, failing the flush.
 */
export async function inSavepoint<T>(client: pg.PoolClient, run: () => Promise<T>, name = 'op'): Promise<Settled<T>> {
  await client.query(`SAVEPOINT ${name}`);
  try {
    const value = await run();
    await client.query(`RELEASE SAVEPOINT ${name}`);
    return { ok: true, value };
  } catch (error) {
    try {
      await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await client.query(`RELEASE SAVEPOINT ${name}`);
    } catch {
      throw error;
    }
    return { ok: false, error };
  }
}

/**
 * @param failure maps an error of a failed transaction to what its callers get (STORE_UNAVAILABLE).
 * @param committed hears of each commit (the store is writable again).
 */
export function createPgWriteQueue(pool: pg.Pool, failure: (error: unknown) => unknown, committed: () => void): PgWriteQueue {
  let queue: QueuedOp[] = [];
  let flushing = false;
  let timer: NodeJS.Timeout | undefined;
  let soon = false;
  let tail: Promise<void> = Promise.resolve();

  function schedule(relaxed: boolean): void {
    if (flushing) return;
    if (!relaxed && !soon) {
      soon = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      setImmediate(() => void flush());
    } else if (relaxed && !soon && timer === undefined) {
      timer = setTimeout(() => void flush(), RELAXED_FLUSH_DELAY_MS);
    }
  }

  async function flush(): Promise<void> {
    soon = false;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (flushing || queue.length === 0) return;
    flushing = true;
    const ops = queue;
    queue = [];
    await runFlush(ops);
    flushing = false;
    if (queue.length > 0) schedule(false);
  }

  async function runFlush(ops: QueuedOp[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await runTransaction(ops);
      if (!outcome.ok && attempt < FLUSH_ATTEMPTS && isTransient(outcome.error)) continue;
      if (!outcome.ok) {
        const mapped = failure(outcome.error);
        for (const op of ops) op.reject(mapped);
        return;
      }
      committed();
      ops.forEach((op, i) => {
        const result = outcome.value[i]!;
        if (result.ok) op.resolve(result.value);
        else op.reject(failure(result.error));
      });
      return;
    }
  }

  /** One run of the flush's transaction: each operation's result once committed, or why the
   * transaction failed (rolled back). An operation aborted as transient fails the whole run. */
  async function runTransaction(ops: readonly QueuedOp[]): Promise<Settled<Settled[]>> {
    let client: pg.PoolClient | undefined;
    let broken: Error | undefined;
    try {
      client = await pool.connect();
      const c = client;
      await c.query('BEGIN');
      const results: Settled[] = [];
      if (ops.length === 1) results.push({ ok: true, value: await ops[0]!.run(c) });
      else for (const op of ops) results.push(await inSavepoint(c, () => op.run(c)));
      const transient = results.find((result) => !result.ok && isTransient(result.error));
      if (transient !== undefined && !transient.ok) throw transient.error;
      await c.query('COMMIT');
      return { ok: true, value: results };
    } catch (error) {
      if (client !== undefined) await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      return { ok: false, error };
    } finally {
      client?.release(broken);
    }
  }

  function push(op: QueuedOp, relaxed: boolean): void {
    queue.push(op);
    schedule(relaxed);
  }

  return {
    enqueue<T>(run: (client: pg.PoolClient) => Promise<T>, relaxed = false): Promise<T> {
      const promise = new Promise<T>((resolve, reject) => push({ run, resolve: resolve as (v: unknown) => void, reject }, relaxed));
      tail = promise.then(noop, noop);
      return promise;
    },
    enqueueItem<Item, Result>(kind: ItemKind<Item, Result>, item: Item): Promise<Result> {
      const last = queue[queue.length - 1];
      const promise = new Promise<Result>((resolve, reject) => {
        const settler = { resolve: resolve as (v: unknown) => void, reject };
        if (last?.items?.kind === kind) {
          last.items.list.push(item);
          last.items.settlers.push(settler);
          return;
        }
        const items = { kind: kind as ItemKind<unknown, unknown>, list: [item] as unknown[], settlers: [settler] };
        push(
          {
            items,
            run: (client) => kind.run(client, items.list as Item[]),
            resolve: (results) => (results as Settled[]).forEach((r, i) => (r.ok ? items.settlers[i]!.resolve(r.value) : items.settlers[i]!.reject(failure(r.error)))),
            reject: (error) => items.settlers.forEach((s) => s.reject(error)),
          },
          true,
        );
      });
      tail = promise.then(noop, noop);
      return promise;
    },
    settled: () => tail,
  };
}

function noop(): void {}

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_STATES.has(code);
}
