/**
 * Group commit for the SQLite store.
 *
 * Writers enqueue an operation (a synchronous function of the open connection) and get a promise.
 * One flush per event-loop turn (setImmediate) runs every queued operation, in enqueue order,
 * inside ONE transaction, so many callers share one fsync. Contract:
 * - An operation's promise settles only after that transaction commits (resolved) or fails (rejected).
 * - Each operation runs in its own savepoint: one that throws is rolled back alone and rejects
 *   with its own error, while the others of the flush still commit.
 * - If the transaction itself fails (BEGIN or COMMIT fails, or SQLite aborts it after an I/O
 *   error or a full disk), every operation of the flush rejects; none of them is durable.
 * - Later operations see the effects of earlier ones of the same flush.
 * A flush is unbounded: whatever accumulated during one turn commits together.
 */
export interface WriteQueue {
  enqueue<T>(run: () => T): Promise<T>;
  /** Runs the queued operations now, synchronously; readers call it to see earlier writes. */
  flushNow(): void;
}

/** Prepared statements for SQL.begin, SQL.commit, ... (see sql.ts). */
export interface TransactionControl {
  readonly begin: Runnable;
  readonly commit: Runnable;
  readonly rollback: Runnable;
  readonly savepoint: Runnable;
  readonly release: Runnable;
  readonly rollbackToSavepoint: Runnable;
}

interface Runnable {
  run(): unknown;
}

interface QueuedOp {
  run(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export function createWriteQueue(sql: TransactionControl, inTransaction: () => boolean): WriteQueue {
  let queued: QueuedOp[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  function flushNow(): void {
    if (scheduled !== undefined) {
      clearImmediate(scheduled);
      scheduled = undefined;
    }
    if (queued.length === 0) return;
    const batch = queued;
    queued = [];
    const outcomes = runInOneTransaction(batch);
    batch.forEach((op, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) op.resolve(outcome.value);
      else op.reject(outcome.error);
    });
  }

  function runInOneTransaction(batch: readonly QueuedOp[]): Outcome[] {
    const outcomes: Outcome[] = [];
    try {
      sql.begin.run();
      for (const op of batch) {
        sql.savepoint.run();
        try {
          const value = op.run();
          sql.release.run();
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (!inTransaction()) throw error; // SQLite rolled the whole transaction back
          sql.rollbackToSavepoint.run();
          sql.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      sql.commit.run();
      return outcomes;
    } catch (error) {
      if (inTransaction()) {
        try {
          sql.rollback.run();
        } catch {
          // The transaction is already gone; the original error is the one to report.
        }
      }
      return batch.map((_, i) => {
        const own = outcomes[i];
        return own !== undefined && !own.ok ? own : { ok: false, error };
      });
    }
  }

  return {
    enqueue<T>(run: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queued.push({ run, resolve: resolve as (value: unknown) => void, reject });
        scheduled ??= setImmediate(flushNow);
      });
    },
    flushNow,
  };
}
