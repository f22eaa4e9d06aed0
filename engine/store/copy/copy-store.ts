/**
 * `hms-sync store copy`: moves one machine's SQLite store into a PostgreSQL schema (docs/scale-out.md
 * › Moving from one machine). What is copied and how rows keep their order: copy-tables.ts.
 *
 * Contract:
 * - The SQLite data directory is opened as an engine opens it (open-database.ts): its exclusive
 *   lock is taken first, so a directory a running engine holds is refused with STORE_LOCKED, and no
 *   engine can start on it while the copy reads. Opening also upgrades an older database's schema
 *   and ends the leases of its last run, as the engine's next start would.
 * - Everything is inserted in one PostgreSQL transaction: a failed copy leaves nothing behind, and a
 *   second copy of the same directory inserts nothing (every row is skipped by its key).
 * - The target must hold no other store's rows under the same seq: a seq taken by another event or
 *   delivery is refused with STORE_COPY_CONFLICT (copy into a new schema before any engine uses it).
 * - The URL reaches errors and output only through maskStoreUrl.
 */
import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { HmsError } from '../../errors.js';
import { createStorePool, inTransaction, maskStoreUrl } from '../postgres/connection.js';
import { migrate } from '../postgres/migrate.js';
import { serverFailure } from '../postgres/store-errors.js';
import { DB_FILE_NAME, openDatabase } from '../sqlite/open-database.js';
import { COPY_TABLES, type CopyTable } from './copy-tables.js';

/** Rows per INSERT: at most 20 columns, so some 10,000 parameters of PostgreSQL's 65,535. */
export const COPY_BATCH_ROWS = 500;

export interface CopyOptions {
  readonly dataDir: string;
  readonly url: string;
  readonly schema: string;
  /** The copy's time: work in progress becomes due at it; migrations are stamped with it. */
  readonly now: number;
}

/** Per table, in copy order: rows read from SQLite, and how many of them were inserted. */
export type CopyCounts = readonly { readonly table: string; readonly read: number; readonly copied: number }[];

export async function copySqliteToPostgres(options: CopyOptions): Promise<CopyCounts> {
  const source = openSource(options.dataDir, options.now);
  try {
    const pool = createStorePool(options.url, options.schema, () => undefined);
    try {
      await migrateTarget(pool, options);
      return await inTransaction(pool, async (client) => {
        const inserted = new Map<string, Set<unknown>>();
        const counts: CopyCounts[number][] = [];
        for (const table of COPY_TABLES) {
          const events = counts[0];
          const firstCopy = events === undefined || events.copied === events.read;
          if (table.firstCopyOnly && !firstCopy) counts.push({ table: table.name, read: countRows(source, table), copied: 0 });
          else counts.push(await copyTable(source, client, table, inserted, options.now));
        }
        for (const table of COPY_TABLES.filter((t) => t.identity)) {
          // The next seq PostgreSQL hands out follows the highest copied one, so events accepted
          // after the copy come after every copied event.
          await client.query(`SELECT setval(pg_get_serial_sequence('${options.schema}.${table.name}', 'seq'), (SELECT coalesce(max(seq), 0) + 1 FROM ${table.name}), false)`);
        }
        return counts;
      });
    } catch (error) {
      throw explain(error, options);
    } finally {
      await pool.end().catch(() => undefined);
    }
  } finally {
    source.close();
  }
}

/** The data directory's database, locked as an engine locks it (see the module's contract). */
function openSource(dataDir: string, now: number): Database.Database {
  const file = join(dataDir, DB_FILE_NAME);
  if (!existsSync(file)) throw new HmsError('STORE_OPEN_FAILED', `${file} does not exist: --from sqlite:PATH names the data directory an engine ran with (--data), which holds ${DB_FILE_NAME}`);
  try {
    return openDatabase(dataDir, now);
  } catch (error) {
    if (error instanceof HmsError && error.code === 'STORE_LOCKED') {
      throw new HmsError('STORE_LOCKED', `${file} is held by a running hms-sync engine; stop that engine (the copy must see its final state), then run store copy again`, { cause: error });
    }
    throw error;
  }
}

async function migrateTarget(pool: pg.Pool, options: CopyOptions): Promise<void> {
  try {
    await migrate(pool, options.schema, options.now);
  } catch (error) {
    if (error instanceof HmsError) throw error;
    const reason = serverFailure(error) ?? (error instanceof Error ? error.message : String(error));
    throw new HmsError('STORE_OPEN_FAILED', `cannot open the PostgreSQL store ${maskStoreUrl(options.url)} (schema ${options.schema}): ${reason}; check --to, that the server is up, and the user's password and rights`, { cause: error });
  }
}

/** Copies the rows of `table` whose parent this copy inserted; adds the keys it inserts to `inserted`. */
async function copyTable(source: Database.Database, client: pg.PoolClient, table: CopyTable, inserted: Map<string, Set<unknown>>, now: number): Promise<CopyCounts[number]> {
  const parents = table.parent ? (inserted.get(table.parent.table) ?? new Set()) : undefined;
  const keys = new Set<unknown>();
  if (table.key !== undefined) inserted.set(table.name, keys);
  let read = 0;
  let copied = 0;
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    const result = await insertBatch(client, table, batch);
    copied += result.count;
    for (const key of result.keys) keys.add(key);
    batch = [];
  };
  for (const row of source.prepare<[{ now: number }], Record<string, unknown>>(table.select).iterate({ now })) {
    read += 1;
    if (parents && !parents.has(row[table.parent!.column])) continue;
    batch.push(table.convert ? table.convert(row) : row);
    if (batch.length === COPY_BATCH_ROWS) await flush();
  }
  if (batch.length > 0) await flush();
  return { table: table.name, read, copied };
}

function countRows(source: Database.Database, table: CopyTable): number {
  return source.prepare<[], number>(`SELECT count(*) FROM ${table.name}`).pluck().get() ?? 0;
}

/** Inserts `rows`, skipping those whose key is already there; resolves to how many were inserted,
 * and their keys (`table.key`). */
async function insertBatch(client: pg.PoolClient, table: CopyTable, rows: readonly Record<string, unknown>[]): Promise<{ count: number; keys: unknown[] }> {
  const width = table.columns.length;
  const values = rows.map((_, r) => `(${table.columns.map((_, c) => `$${r * width + c + 1}`).join(', ')})`);
  const params = rows.flatMap((row) => table.columns.map((column) => row[column] ?? null));
  const overriding = table.identity ? ' OVERRIDING SYSTEM VALUE' : '';
  const returning = table.key === undefined ? '' : ` RETURNING ${table.key}`;
  const statement = `INSERT INTO ${table.name} (${table.columns.join(', ')})${overriding} VALUES ${values.join(', ')} ON CONFLICT (${table.conflict}) DO NOTHING${returning}`;
  const result = await client.query<Record<string, unknown>>(statement, params);
  return { count: result.rowCount ?? 0, keys: table.key === undefined ? [] : result.rows.map((row) => row[table.key!]) };
}

/** A seq taken by another row becomes STORE_COPY_CONFLICT; a server failure names the masked URL. */
function explain(error: unknown, options: CopyOptions): unknown {
  if (error instanceof HmsError) return error;
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  if (code === '23505' && typeof constraint === 'string' && constraint.endsWith('_pkey')) {
    const table = constraint.slice(0, -'_pkey'.length);
    return new HmsError(
      'STORE_COPY_CONFLICT',
      `schema ${options.schema} of ${maskStoreUrl(options.url)} already holds other ${table} under the seqs being copied; nothing was copied. Copy into a new schema (--to-schema) before any engine uses it`,
      { cause: error },
    );
  }
  const why = serverFailure(error);
  if (why !== undefined) return new HmsError('STORE_UNAVAILABLE', `the copy to ${maskStoreUrl(options.url)} failed: ${why}; nothing was copied, run it again`, { cause: error });
  return error;
}
