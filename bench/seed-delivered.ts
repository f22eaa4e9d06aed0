/**
 * The retention scenario's fast path: a million delivered deliveries written straight into the
 * SQLite file of a stopped engine's data directory, far faster than through POST /events and a
 * receiver. Each row is what the engine itself writes for a bench event that was delivered: the
 * event, one delivery of the sink connector, one attempt. The rows are old enough to expire:
 * delivered `deliveredAgoMs` ago, received `receivedAgoMs` ago.
 */
import Database from 'better-sqlite3';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DB_FILE_NAME } from '../engine/store/sqlite/open-database.js';
import { benchEvent } from './bench-workload.js';

/** Rows per INSERT statement, and per transaction. */
const ROWS_PER_STATEMENT = 100;
const ROWS_PER_TRANSACTION = 50_000;

export interface SeedOptions {
  readonly dataDir: string;
  readonly rows: number;
  readonly now: number;
  readonly deliveredAgoMs: number;
  readonly receivedAgoMs: number;
}

/** The database must exist (an engine ran on it) and no engine may be using it. */
export function seedDelivered(options: SeedOptions): void {
  const db = new Database(join(options.dataDir, DB_FILE_NAME));
  try {
    db.pragma('synchronous = OFF');
    const row = (columns: number) => `(${Array.from({ length: columns }, () => '?').join(', ')})`;
    const values = (columns: number) => Array.from({ length: ROWS_PER_STATEMENT }, () => row(columns)).join(', ');
    const insertEvents = db.prepare(`INSERT INTO events (id, type, body, received_at) VALUES ${values(4)}`);
    const insertDeliveries = db.prepare(`INSERT INTO deliveries
      (id, event_id, connector, route, state, attempts, last_status, next_attempt_at, created_at, updated_at) VALUES ${values(10)}`);
    const insertAttempts = db.prepare(`INSERT INTO attempts
      (delivery_id, attempt, started_at, duration_ms, status, error, error_code, revision) VALUES ${values(8)}`);
    const receivedAt = options.now - options.receivedAgoMs;
    const deliveredAt = options.now - options.deliveredAgoMs;
    const seedRows = db.transaction((from: number, to: number) => {
      for (let start = from; start < to; start += ROWS_PER_STATEMENT) {
        const events: unknown[] = [];
        const deliveries: unknown[] = [];
        const attempts: unknown[] = [];
        for (let i = start; i < start + ROWS_PER_STATEMENT; i++) {
          const eventId = `seed-${i}`;
          const deliveryId = `0190${String(i).padStart(28, '0')}`;
          events.push(eventId, 'permitApproved', JSON.stringify(benchEvent(eventId, receivedAt)), receivedAt);
          deliveries.push(deliveryId, eventId, 'sink', '0', 'delivered', 1, 200, null, receivedAt, deliveredAt);
          attempts.push(deliveryId, 1, deliveredAt, 3, 200, null, null, 'seed@0000000');
        }
        insertEvents.run(...events);
        insertDeliveries.run(...deliveries);
        insertAttempts.run(...attempts);
      }
    });
    const rows = Math.ceil(options.rows / ROWS_PER_STATEMENT) * ROWS_PER_STATEMENT;
    for (let from = 0; from < rows; from += ROWS_PER_TRANSACTION) seedRows(from, Math.min(rows, from + ROWS_PER_TRANSACTION));
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  // Written without syncing, the seeded pages may still wait in the page cache: the engine's first
  // checkpoint would then fsync hundreds of MB of them (700 ms measured) and the scenario would
  // report the seeder's writeback as retention's longest hold.
  const fd = openSync(join(options.dataDir, DB_FILE_NAME), 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
