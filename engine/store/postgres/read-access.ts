/**
 * How the PostgreSQL store's reads and operator writes reach the database (reads.ts composes
 * them). Contract:
 * - A read first waits for every write called before it (`PgWriteQueue.settled`), so it sees
 *   them, as SQLite's reads do after flushing its queue.
 * - A failure of the server or the network becomes STORE_UNAVAILABLE (store-errors.ts); any other
 *   error passes unchanged.
 * - Once the store's pool is ending (Store.close), every operation rejects with ENGINE_CLOSED.
 * - Statements name tables without a schema: every connection's search_path is the store's schema.
 */
import type pg from 'pg';
import { HmsError } from '../../errors.js';
import { serverFailure, storeUnavailable } from './store-errors.js';
import type { PostgresStoreContext } from './reads.js';

/** A pool or a connection inside a transaction: what a statement runs on. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** The error a caller gets for `error`: STORE_UNAVAILABLE for a server failure. */
export function asStoreError(error: unknown): unknown {
  const why = serverFailure(error);
  return why === undefined ? error : storeUnavailable(why, error);
}

/** Rejects with ENGINE_CLOSED once `pool` is ending: the store was closed. */
export function checkOpen(pool: pg.Pool): void {
  if (pool.ending) throw new HmsError('ENGINE_CLOSED', 'the PostgreSQL store is closed');
}

/** Runs `run` on the pool once the writes called before it have settled. */
export async function readAfterWrites<T>(context: PostgresStoreContext, run: (db: Queryable) => Promise<T>): Promise<T> {
  checkOpen(context.pool);
  await context.writes.settled();
  checkOpen(context.pool);
  try {
    return await run(context.pool);
  } catch (error) {
    throw asStoreError(error);
  }
}

/** The rows of `text` with `values`. */
export async function rows<Row extends pg.QueryResultRow>(db: Queryable, text: string, values: readonly unknown[] = []): Promise<Row[]> {
  return (await db.query<Row>(text, values as unknown[])).rows;
}

/** Positional parameters, numbered as they are added: `add(value)` gives its `$n`. */
export function parameterList(): { readonly values: unknown[]; add(value: unknown): string } {
  const values: unknown[] = [];
  return {
    values,
    add(value) {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/**
 * The distinct connectors of the deliveries matching `where` (which must imply the WHERE of an
 * index whose leading column is connector): a recursive skip from one connector to the next, one
 * index seek each, instead of reading every row (PostgreSQL has no skip scan).
 */
export function connectorsWith(where: string): string {
  return `WITH RECURSIVE c(name) AS (
      SELECT (SELECT min(connector) FROM deliveries WHERE ${where})
      UNION ALL
      SELECT (SELECT min(connector) FROM deliveries WHERE ${where} AND connector > c.name) FROM c WHERE c.name IS NOT NULL)
    SELECT name FROM c WHERE name IS NOT NULL`;
}
