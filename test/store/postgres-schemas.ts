/**
 * What the PostgreSQL store's tests share: one database per test file (on the shared server when
 * test/run-tests.ts started one, else the file's own), a fresh schema per store, every schema
 * dropped and the database released after the file's tests.
 */
import { after } from 'node:test';
import pg from 'pg';
import { manualClock, type Clock } from '../../engine/clock.js';
import { openPostgresStore } from '../../engine/store/postgres/postgres-store.js';
import type { Store } from '../../engine/store/store.js';
import { borrowPostgresDatabase } from '../helpers/servers/shared-servers.js';
import { T0 } from './contract-helpers.js';

export interface PostgresTestDatabase {
  readonly url: string;
  /** A schema name not used before in this database (dropped after the file's tests). */
  freshSchema(): string;
  /** Opens a store in `schema` (default: a fresh one). */
  open(options?: { schema?: string; clock?: Clock }): Promise<Store>;
  /** One statement on a connection of its own, in `schema` when given. */
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(statement: string, params?: unknown[], schema?: string): Promise<Row[]>;
}

/** Borrows the file's database (top-level await) and registers its cleanup. */
export async function usePostgresDatabase(prefix: string): Promise<PostgresTestDatabase> {
  const database = await borrowPostgresDatabase(prefix);
  const schemas: string[] = [];
  after(async () => {
    await query(`DROP SCHEMA IF EXISTS ${schemas.join(', ') || 'none_made'} CASCADE`);
    await database.close();
  });
  let made = 0;
  const freshSchema = () => {
    const schema = `t${process.pid}_${++made}`;
    schemas.push(schema);
    return schema;
  };
  async function query<Row extends pg.QueryResultRow>(statement: string, params: unknown[] = [], schema?: string): Promise<Row[]> {
    const client = new pg.Client({ connectionString: database.url, ...(schema && { options: `-c search_path=${schema}` }) });
    await client.connect();
    try {
      return (await client.query<Row>(statement, params)).rows;
    } finally {
      await client.end();
    }
  }
  return {
    url: database.url,
    freshSchema,
    open: (options = {}) => openPostgresStore({ url: database.url, schema: options.schema ?? freshSchema(), clock: options.clock ?? manualClock(T0) }),
    query,
  };
}
