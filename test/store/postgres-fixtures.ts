/**
 * What the PostgreSQL store's own tests share: a database for the test file (on the run's shared
 * server, or the file's own), a freshly migrated schema per test, and rows seeded by plain SQL.
 */
import { after, before } from 'node:test';
import pg from 'pg';
import { manualClock } from '../../engine/clock.js';
import { createStorePool } from '../../engine/store/postgres/connection.js';
import { migrate } from '../../engine/store/postgres/migrate.js';
import { asStoreError } from '../../engine/store/postgres/read-access.js';
import type { PostgresStoreContext } from '../../engine/store/postgres/reads.js';
import { createPgWriteQueue } from '../../engine/store/postgres/write-queue.js';
import { borrowPostgresDatabase, type Borrowed } from '../helpers/servers/shared-servers.js';
import { T0 } from './contract-helpers.js';

export interface MigratedSchema {
  readonly context: PostgresStoreContext;
  readonly pool: pg.Pool;
  readonly clock: ReturnType<typeof manualClock>;
}

/**
 * A function running a body on a fresh, migrated schema of this file's database (dropped after
 * the body, whatever happened). Call it at the top level of a test file: it borrows the database
 * before the file's tests and gives it back after them.
 */
export function useMigratedSchemas(prefix: string): (body: (schema: MigratedSchema) => Promise<void>) => Promise<void> {
  let database: Borrowed | undefined;
  let schemas = 0;
  before(async () => {
    database = await borrowPostgresDatabase(prefix);
  });
  after(() => database?.close());
  return async (body) => {
    const name = `${prefix}_${++schemas}`;
    const pool = createStorePool(database!.url, name, () => undefined);
    const clock = manualClock(T0);
    try {
      await migrate(pool, name, T0);
      const writes = createPgWriteQueue(pool, asStoreError, () => undefined);
      await body({ context: { pool, writes, schema: name, clock, replicaId: 'replica-under-test' }, pool, clock });
    } finally {
      if (!pool.ending) {
        await pool.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`).catch(() => undefined);
        await pool.end();
      }
    }
  };
}

/** Inserts `rows` into `table` (column names as in the schema), one statement, in order. */
export async function insert(db: Pick<pg.Pool, 'query'>, table: 'events' | 'deliveries' | 'attempts' | 'replays', rows: readonly Record<string, unknown>[]): Promise<void> {
  for (const row of rows) {
    const columns = Object.keys(row);
    await db.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(row));
  }
}

/** An event row: type order.created, its body naming its id, received at `receivedAt`. */
export function eventRow(id: string, receivedAt = T0, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: 'order.created', body: JSON.stringify({ type: 'order.created', id }), received_at: receivedAt, ...extra };
}

/** A delivery row of connector crm, route main, pending and due at T0, created and updated at T0. */
export function deliveryRow(id: string, eventId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, event_id: eventId, connector: 'crm', route: 'main', state: 'pending', next_attempt_at: T0, created_at: T0, updated_at: T0, ...extra };
}

/** A failed attempt row: 503 at T0 + attempt × 100, by revision rev-1. */
export function attemptRow(deliveryId: string, attempt: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { delivery_id: deliveryId, attempt, started_at: T0 + attempt * 100, duration_ms: 10 * attempt, status: 503, error: 'TARGET_UNAVAILABLE: 503', error_code: 'TARGET_UNAVAILABLE', revision: 'rev-1', ...extra };
}
