/**
 * Opening a data directory's database: connection settings, the exclusive lock, migrations and
 * crash recovery, in that order. Migrations and recovery share one EXCLUSIVE transaction, so a
 * half-migrated database is never left behind and the lock is held from the moment open succeeds.
 * Then, outside any transaction, the one-time compaction of an older database (compact-once.ts).
 */
import Database from 'better-sqlite3';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HmsError } from '../../errors.js';
import { compactOnce } from './compact-once.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
import { PRAGMAS, SQL } from './sql.js';

export const DB_FILE_NAME = 'hms-sync.db';

/**
 * Creates the data directory when missing and opens its database (see openDatabase). A failure
 * that is not one of ours (the path is a file, no permission, a file that is not a database)
 * becomes STORE_OPEN_FAILED, naming the directory and what to check.
 */
export async function openDataDirectory(dataDir: string, now: number, logger?: Logger): Promise<Database.Database> {
  try {
    await mkdir(dataDir, { recursive: true });
    return openDatabase(dataDir, now, logger);
  } catch (error) {
    if (error instanceof HmsError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new HmsError(
      'STORE_OPEN_FAILED',
      `cannot open data directory ${dataDir}: ${reason}; check the path (--data or HMS_SYNC_DATA), that this user may write there, and that any ${DB_FILE_NAME} in it is an hms-sync database`,
      { cause: error },
    );
  }
}

/**
 * Opens `<dataDir>/hms-sync.db` (the directory must exist), creating it when missing.
 * Throws HmsError STORE_LOCKED when another connection (this process or another) owns it, and
 * refuses a database whose schema is newer than this code. The caller owns the returned handle.
 */
export function openDatabase(dataDir: string, now: number, logger?: Logger): Database.Database {
  const file = join(dataDir, DB_FILE_NAME);
  const db = new Database(file);
  try {
    for (const pragma of PRAGMAS) db.pragma(pragma);
    const journalMode = db.pragma('journal_mode', { simple: true });
    if (journalMode !== 'wal') throw new Error(`SQLite refused WAL mode (journal_mode is ${String(journalMode)})`);
    migrateAndRecover(db, dataDir, now, logger);
    compactOnce(db, dataDir, file, logger);
    return db;
  } catch (error) {
    db.close();
    if (isBusy(error)) {
      throw new HmsError(
        'STORE_LOCKED',
        `data directory ${dataDir} is in use by another hms-sync process; stop it or use another --data directory`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Foreign keys are off while migrations run, and checked before they commit: a migration may
 * rebuild a table (SQLite's procedure for a change ALTER TABLE cannot make drops the table its
 * children refer to, then renames a new one into its place). PRAGMA foreign_keys cannot change
 * inside a transaction, so it is set around it.
 */
function migrateAndRecover(db: Database.Database, dataDir: string, now: number, logger: Logger | undefined): void {
  db.pragma('foreign_keys = OFF');
  try {
    migrateAndRecoverInTransaction(db, dataDir, now, logger);
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

function migrateAndRecoverInTransaction(db: Database.Database, dataDir: string, now: number, logger: Logger | undefined): void {
  db.prepare(SQL.beginExclusive).run();
  try {
    db.prepare(SQL.createMigrationsTable).run();
    const current = db.prepare<[], number>(SQL.selectSchemaVersion).pluck().get() ?? 0;
    if (current > LATEST_SCHEMA_VERSION) {
      throw new HmsError(
        'STORE_SCHEMA_TOO_NEW',
        `data directory ${dataDir} holds a database at schema version ${current}, newer than this ` +
          `hms-sync knows (${LATEST_SCHEMA_VERSION}); run the newer hms-sync that wrote it, or use another --data directory`,
      );
    }
    const record = db.prepare<[version: number, name: string, appliedAt: number]>(SQL.insertMigration);
    const pending = MIGRATIONS.filter((migration) => migration.version > current);
    // A new database is not news; an upgrade of a large one can take a while, and says so.
    const upgrade = current > 0 && pending.length > 0 ? performance.now() : undefined;
    if (upgrade !== undefined) logger?.info({ from: current, to: LATEST_SCHEMA_VERSION }, `upgrading the store's schema from version ${current} to ${LATEST_SCHEMA_VERSION}; a large store takes a while (version 7 rebuilds the deliveries table: some 15 s per million deliveries)`);
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, now);
    }
    // Read every row that refers to another: only after a migration ran, not at every start.
    const broken = pending.length === 0 ? [] : (db.pragma('foreign_key_check') as unknown[]);
    if (broken.length > 0) throw new HmsError('STORE_OPEN_FAILED', `data directory ${dataDir}: the schema upgrade left ${broken.length} rows without the row they refer to (${JSON.stringify(broken[0])}); nothing was changed`);
    if (upgrade !== undefined) logger?.info({ version: LATEST_SCHEMA_VERSION, ms: Math.round(performance.now() - upgrade) }, `store schema upgraded to version ${LATEST_SCHEMA_VERSION}`);
    // Crash recovery. Holding the exclusive lock proves that any previous owner of this database
    // is gone, so every lease it held has expired: `inflight` deliveries were being sent, and
    // `pending` ones with a future nextAttemptAt had been handed straight to its dispatcher. Both
    // become due now and the sweep reclaims them (a request may have reached the target before the
    // crash: delivery is at-least-once). `retrying` deliveries keep their backoff.
    db.prepare<[{ now: number }]>(SQL.expireLeases).run({ now });
    db.prepare(SQL.commit).run();
  } catch (error) {
    if (db.inTransaction) db.prepare(SQL.rollback).run();
    throw error;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}
