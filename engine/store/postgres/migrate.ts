/**
 * Brings the store's schema to LATEST_SCHEMA_VERSION. Contract:
 * - Everything runs in one transaction holding a transaction-scoped advisory lock named after the
 *   schema, so that N replicas starting together migrate once: the first runs the migrations, the
 *   others wait on the lock, then find the schema current and run none. A failure rolls every
 *   migration of the run back.
 * - The schema is created when missing; `schema_migrations` records each version applied.
 * - A schema recorded at a version above the last one this code knows was written by newer code:
 *   it is refused with STORE_SCHEMA_TOO_NEW, and nothing is changed.
 */
import type pg from 'pg';
import { HmsError } from '../../errors.js';
import { inTransaction } from './connection.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';

/** What a migration run found and did. */
export interface MigrationRun {
  readonly from: number;
  readonly applied: readonly number[];
}

/** Runs the missing migrations of `schema` (see the module's contract); `now` stamps them. */
export function migrate(pool: pg.Pool, schema: string, now: number): Promise<MigrationRun> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`hms-sync migrations of schema ${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT coalesce(max(version), 0) AS version FROM ${schema}.schema_migrations`);
    const from = rows[0]!.version;
    if (from > LATEST_SCHEMA_VERSION) {
      throw new HmsError(
        'STORE_SCHEMA_TOO_NEW',
        `PostgreSQL schema ${schema} is at store schema version ${from}, newer than this hms-sync knows (${LATEST_SCHEMA_VERSION}); run the newer hms-sync that wrote it, or use another --store-schema`,
      );
    }
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      await client.query(migration.sql);
      await client.query(`INSERT INTO ${schema}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [migration.version, migration.name, now]);
      applied.push(migration.version);
    }
    return { from, applied };
  });
}
