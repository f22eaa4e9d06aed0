/**
 * The one-time compaction of a database written before schema version 5, which turns on
 * auto_vacuum = INCREMENTAL so that retention can give deleted pages back to the file system.
 * SQLite applies a new auto_vacuum to an existing file only through VACUUM, and VACUUM cannot run
 * inside the transaction that migrates (open-database.ts), so it runs after it, at open, while
 * the engine holds the exclusive lock and serves nothing yet.
 *
 * Contract:
 * - It decides by the file's state, not by the migration's number: a compaction cut short (a crash,
 *   a full disk) is simply done at the next open.
 * - VACUUM writes a copy of the live data as a temporary file and again into the WAL, so it needs
 *   about twice the database's size free. It puts its temporary file in the data directory (the
 *   one place known to be writable; a container's root file system may be read-only), never in
 *   memory. When the space is not there, it is skipped with a warning: the engine runs, retention
 *   deletes as usual, new rows reuse the freed pages, and a later start compacts (by then the
 *   database holds only what retention keeps, so it needs less room).
 */
import type Database from 'better-sqlite3';
import { statfsSync, statSync } from 'node:fs';
import type { Logger } from 'pino';

/** PRAGMA auto_vacuum's value for INCREMENTAL. */
const AUTO_VACUUM_INCREMENTAL = 2;
/** Free space VACUUM needs, as a multiple of the database's size: a temporary copy and the WAL. */
const VACUUM_SPACE_FACTOR = 2;

/** Turns on incremental auto-vacuum when it is not on, compacting the file once. */
export function compactOnce(db: Database.Database, dataDir: string, dbFile: string, logger: Logger | undefined): void {
  if (db.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL) return;
  const sizeBytes = statSync(dbFile).size;
  const fs = statfsSync(dataDir);
  const freeBytes = fs.bavail * fs.bsize;
  if (freeBytes < VACUUM_SPACE_FACTOR * sizeBytes) {
    logger?.warn(
      { dataDir, sizeBytes, freeBytes },
      `the database needs a one-time VACUUM so that retention can shrink its file, and that needs about ${VACUUM_SPACE_FACTOR}x its size free (${mib(VACUUM_SPACE_FACTOR * sizeBytes)} MiB, ${mib(freeBytes)} MiB free): skipped; retention still deletes and new rows reuse the space; restart once there is room to compact`,
    );
    return;
  }
  logger?.info({ dataDir, sizeBytes }, `compacting the database once (VACUUM) so that retention can shrink its file; this takes a while for a large one (${mib(sizeBytes)} MiB)`);
  const started = performance.now();
  // temp_store_directory is process-wide (SQLite's own global); it is set only for this VACUUM.
  db.pragma('temp_store = FILE');
  db.pragma(`temp_store_directory = '${dataDir.replaceAll("'", "''")}'`);
  try {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (error) {
    // VACUUM is all or nothing: the database is as it was, and the next start tries again.
    logger?.warn({ dataDir, err: error }, 'the one-time VACUUM failed; the engine runs without it and a later start compacts');
    return;
  } finally {
    db.pragma("temp_store_directory = ''");
    db.pragma('temp_store = MEMORY');
  }
  logger?.info({ dataDir, sizeBytes: statSync(dbFile).size, ms: Math.round(performance.now() - started) }, 'database compacted; retention now gives deleted space back to the file system');
}

function mib(bytes: number): number {
  return Math.round(bytes / 1024 ** 2);
}
