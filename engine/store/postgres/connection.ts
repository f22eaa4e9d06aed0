/**
 * The PostgreSQL store's connections: a small pool whose every connection works in the store's
 * schema, numbers parsed as numbers, and the URL shown with its password masked.
 *
 * Contract:
 * - `maskStoreUrl` is the only form of the URL that may reach a log, an error or an API answer.
 * - A connection the server drops (a restart, a network failure) is discarded by the pool, which
 *   opens a new one for the next caller: the store reconnects by itself.
 * - BIGINT (epoch ms, seq, counts) is read as a JavaScript number: every such value stays below
 *   2^53 (a millisecond timestamp until the year 285,000; a count of rows).
 */
import pg from 'pg';
import { HmsError } from '../../errors.js';

/** Connections per store: one writer (group commit) and a few readers. */
export const POOL_SIZE = 4;
/** How long a caller waits for a connection (the server unreachable: the connect fails sooner). */
export const CONNECT_TIMEOUT_MS = 5_000;
/** The schema when none is given. */
export const DEFAULT_STORE_SCHEMA = 'hms_sync';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The URL with its password (if any) replaced by `***`, for logs, errors and /status. */
export function maskStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: show none of it, it may hold a password anywhere.
    return 'postgres://(unparsable URL)';
  }
}

/** Refuses a schema name that would need quoting: the name is written into SQL as is. */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new HmsError('USAGE', `store schema "${schema.slice(0, 70)}" is not valid: use lower-case letters, digits and _ (at most 63), not starting with a digit`);
  }
  return schema;
}

/** Reads int8 and numeric as numbers; every other type as pg does. */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
  return pg.types.getTypeParser(oid, format);
}

/**
 * A pool on `url` whose connections use `schema` first. A connection's `error` event (the server
 * went away while it was idle) is reported to `onIdleError`, never left unhandled (it would stop
 * the process).
 */
export function createStorePool(url: string, schema: string, onIdleError: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // search_path as a startup option: set before the first statement of every connection.
    options: `-c search_path=${checkSchemaName(schema)}`,
    types: { getTypeParser } as pg.CustomTypesConfig,
    application_name: 'hms-sync',
  });
  pool.on('error', onIdleError);
  // A connection the server ends while it is checked out between two statements (a flush doing
  // its JavaScript work, a lock holder waiting on its job) emits `error` with no query to reject;
  // unheard, that would stop the process. The next statement on it fails and the holder discards
  // it, so hearing it here is enough.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Runs `run` in a transaction on a connection of `pool`; rolls back when it throws. A connection
 * that failed is destroyed, not returned to the pool. */
export async function inTransaction<T>(pool: pg.Pool, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const value = await run(client);
    await client.query('COMMIT');
    return value;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}
