/**
 * Upgrading a data directory written by an older hms-sync: the database is built with only the
 * migrations that code knew, filled the way that code wrote rows, then opened by the current store.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { manualClock } from '../../engine/clock.js';
import { DB_FILE_NAME } from '../../engine/store/sqlite/open-database.js';
import { MIGRATIONS } from '../../engine/store/sqlite/migrations.js';
import { SQL } from '../../engine/store/sqlite/sql.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import { attempt, claim, DELIVERED, T0 } from './contract-helpers.js';

const tempDirs: string[] = [];
after(() => Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A data directory as schema version 1 left it, with one event and these deliveries of crm. */
async function schemaV1DataDir(
  deliveries: readonly { id: string; state: string; attempts: number; lastError: string | null; nextAttemptAt: number | null }[],
  attempts: readonly { deliveryId: string; attempt: number; status: number | null; error: string | null }[],
): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hms-store-v1-'));
  tempDirs.push(dataDir);
  const db = new Database(join(dataDir, DB_FILE_NAME));
  try {
    db.exec(SQL.createMigrationsTable);
    const v1 = MIGRATIONS.find((m) => m.version === 1)!;
    db.exec(v1.sql);
    db.prepare(SQL.insertMigration).run(v1.version, v1.name, T0 - 1_000);
    // The INSERTs of the version 1 code, spelled out: they must not change with sql.ts.
    db.prepare('INSERT INTO events (id, type, body, received_at) VALUES (?, ?, ?, ?)').run('e1', 't', '{"type":"t"}', T0);
    const insertDelivery = db.prepare(`INSERT INTO deliveries
      (id, event_id, connector, route, state, attempts, last_error, next_attempt_at, created_at, updated_at)
      VALUES (?, 'e1', 'crm', 'main', ?, ?, ?, ?, ?, ?)`);
    for (const d of deliveries) insertDelivery.run(d.id, d.state, d.attempts, d.lastError, d.nextAttemptAt, T0, T0);
    const insertAttempt = db.prepare(`INSERT INTO attempts (delivery_id, attempt, started_at, duration_ms, status, error)
      VALUES (?, ?, ?, 5, ?, ?)`);
    for (const a of attempts) insertAttempt.run(a.deliveryId, a.attempt, T0 + a.attempt, a.status, a.error);
  } finally {
    db.close();
  }
  return dataDir;
}

describe('sqlite store upgrade from schema version 1', () => {
  it('applies migration 2 over a version 1 database: old attempts have no revision, old dead ones can be re-driven', async () => {
    const unavailable = 'TARGET_UNAVAILABLE: HTTP 503';
    const dataDir = await schemaV1DataDir(
      [
        { id: 'when-failed', state: 'dead', attempts: 0, lastError: 'MAPPING_FAILED: total is not a number', nextAttemptAt: null },
        { id: 'rejected', state: 'dead', attempts: 1, lastError: 'TARGET_REJECTED: HTTP 400', nextAttemptAt: null },
        { id: 'exhausted', state: 'dead', attempts: 1, lastError: `RETRIES_EXHAUSTED after 1 attempts; last: ${unavailable}`, nextAttemptAt: null },
        { id: 'retrying', state: 'retrying', attempts: 1, lastError: unavailable, nextAttemptAt: T0 + 100 },
      ],
      [
        { deliveryId: 'rejected', attempt: 1, status: 400, error: 'TARGET_REJECTED: HTTP 400' },
        { deliveryId: 'exhausted', attempt: 1, status: 503, error: unavailable },
        { deliveryId: 'retrying', attempt: 1, status: 503, error: unavailable },
      ],
    );

    const store = await openSqliteStore({ dataDir, clock: manualClock(T0) });
    try {
      const history = async () =>
        Object.fromEntries((await store.getEvent('e1'))!.deliveries.map((d) => [d.id, d.history.map((a) => [a.attempt, a.errorCode, a.revision])]));
      assert.deepEqual(await history(), {
        'when-failed': [],
        rejected: [[1, null, null]],
        exhausted: [[1, null, null]],
        retrying: [[1, null, null]],
      });

      const deadIds = async () => (await store.listDead({ limit: 10 })).deliveries.map((d) => d.id);
      assert.deepEqual(await deadIds(), ['when-failed', 'rejected', 'exhausted'], 'migration 4 indexes the deliveries already dead');
      assert.equal(await store.redrive('crm', T0 + 200), 2, 'codes were backfilled from the old error texts');
      assert.deepEqual(await deadIds(), ['exhausted']);
      const claimed = await claim(store, T0 + 200);
      assert.deepEqual(
        claimed.map((d) => [d.id, d.attempts, d.scheduleOffset]),
        [['retrying', 1, 0], ['when-failed', 0, 0], ['rejected', 1, 1]],
      );

      await store.recordAttempt(attempt('retrying', 2, DELIVERED, 'new@1234567'));
      assert.deepEqual((await history()).retrying, [
        [1, null, null],
        [2, null, 'new@1234567'],
      ]);
    } finally {
      await store.close();
    }
    const versions = new Database(join(dataDir, DB_FILE_NAME));
    try {
      const applied = versions.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      assert.deepEqual(applied, MIGRATIONS.map((m) => m.version));
    } finally {
      versions.close();
    }
  });
});

describe('sqlite store upgrade from schema version 2', () => {
  it('applies migration 3: old attempts have no response body, old deliveries no ordering key', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hms-store-v2-'));
    tempDirs.push(dataDir);
    const db = new Database(join(dataDir, DB_FILE_NAME));
    try {
      db.exec(SQL.createMigrationsTable);
      for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
        db.exec(m.sql);
        db.prepare(SQL.insertMigration).run(m.version, m.name, T0 - 1_000);
      }
      // The INSERTs of the version 2 code, spelled out: they must not change with sql.ts.
      db.prepare('INSERT INTO events (id, type, body, received_at) VALUES (?, ?, ?, ?)').run('e1', 't', '{"type":"t"}', T0);
      const insertDelivery = db.prepare(`INSERT INTO deliveries
        (id, event_id, connector, route, state, attempts, last_error, last_error_code, next_attempt_at, created_at, updated_at)
        VALUES (?, 'e1', 'crm', 'main', ?, ?, ?, ?, ?, ?, ?)`);
      insertDelivery.run('a', 'retrying', 1, 'TARGET_UNAVAILABLE: HTTP 503', 'TARGET_UNAVAILABLE', T0 + 100, T0, T0);
      insertDelivery.run('b', 'pending', 0, null, null, T0, T0, T0);
      db.prepare(`INSERT INTO attempts (delivery_id, attempt, started_at, duration_ms, status, error, error_code, revision)
        VALUES ('a', 1, ?, 5, 503, 'TARGET_UNAVAILABLE: HTTP 503', 'TARGET_UNAVAILABLE', 'old@1234567')`).run(T0);
    } finally {
      db.close();
    }

    const store = await openSqliteStore({ dataDir, clock: manualClock(T0) });
    try {
      const view = (await store.getEvent('e1'))!;
      assert.deepEqual(view.deliveries.map((d) => d.history.map((a) => [a.attempt, a.revision, a.responseBody])), [[[1, 'old@1234567', null]], []]);
      const claimed = await claim(store, T0 + 200);
      assert.deepEqual(claimed.map((d) => [d.id, d.orderingKey, d.eventType]), [['b', null, 't'], ['a', null, 't']]);
    } finally {
      await store.close();
    }
  });
});
