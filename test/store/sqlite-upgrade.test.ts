/**
 * Upgrading a data directory written by an older hms-sync: the database is built with only the
 * migrations that code knew, filled the way that code wrote rows, then opened by the current store.
 * The one-time VACUUM of migration 5 (compact-once.ts) is checked here too.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { manualClock } from '../../engine/clock.js';
import { DB_FILE_NAME } from '../../engine/store/sqlite/open-database.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../engine/store/sqlite/migrations.js';
import { SQL } from '../../engine/store/sqlite/sql.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { attempt, claim, DELIVERED, idsIn, T0 } from './contract-helpers.js';

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

      const deadIds = () => idsIn(store, 'dead');
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

describe('sqlite store upgrade from schema version 4', () => {
  it('applies migration 5 and compacts the file once: incremental auto-vacuum on, events without deliveries and counts carried over', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hms-store-v4-'));
    tempDirs.push(dataDir);
    const db = new Database(join(dataDir, DB_FILE_NAME));
    try {
      // As version 4 opened a database: WAL, and no auto_vacuum.
      db.pragma('journal_mode = WAL');
      db.exec(SQL.createMigrationsTable);
      for (const m of MIGRATIONS.filter((m) => m.version <= 4)) {
        db.exec(m.sql);
        db.prepare(SQL.insertMigration).run(m.version, m.name, T0 - 1_000);
      }
      // The INSERTs of the version 4 code, spelled out: they must not change with sql.ts.
      const insertEvent = db.prepare('INSERT INTO events (id, type, body, received_at) VALUES (?, ?, ?, ?)');
      for (const id of ['no-route', 'done', 'waiting']) insertEvent.run(id, 't', '{"type":"t"}', T0);
      const insertDelivery = db.prepare(`INSERT INTO deliveries
        (id, event_id, connector, route, state, attempts, next_attempt_at, created_at, updated_at)
        VALUES (?, ?, 'crm', 'main', ?, ?, ?, ?, ?)`);
      insertDelivery.run('d-done', 'done', 'delivered', 1, null, T0, T0);
      insertDelivery.run('d-waiting', 'waiting', 'pending', 0, T0, T0, T0);
      assert.equal(db.pragma('auto_vacuum', { simple: true }), 0);
    } finally {
      db.close();
    }

    const logs = captureLogger();
    const clock = manualClock(T0 + 1_000);
    const store = await openSqliteStore({ dataDir, clock, logger: logs.logger });
    try {
      assert.deepEqual(await store.countByState(), { pending: 1, inflight: 0, retrying: 0, parked: 0, delivered: 1, dead: 0, discarded: 0 });
      const result = await store.deleteExpired({ deliveredBefore: T0 + 1, deadBefore: null, eventsBefore: T0 + 1, connectors: new Map() });
      assert.deepEqual(result.deleted, { deliveries: 1, dead: 0, events: 2 }, 'the event that matched no route was found by the migration');
      assert.ok(await store.getEvent('waiting'));
      assert.deepEqual(await store.countByState(), { pending: 1, inflight: 0, retrying: 0, parked: 0, delivered: 0, dead: 0, discarded: 0 });
    } finally {
      await store.close();
    }
    assert.deepEqual(
      logs.lines().map((line) => line.msg),
      [
        `upgrading the store's schema from version 4 to ${LATEST_SCHEMA_VERSION}; a large store takes a while (version 7 rebuilds the deliveries table: some 15 s per million deliveries)`,
        `store schema upgraded to version ${LATEST_SCHEMA_VERSION}`,
        'compacting the database once (VACUUM) so that retention can shrink its file; this takes a while for a large one (0 MiB)',
        'database compacted; retention now gives deleted space back to the file system',
      ],
    );
    const reopened = new Database(join(dataDir, DB_FILE_NAME));
    try {
      assert.equal(reopened.pragma('auto_vacuum', { simple: true }), 2, 'INCREMENTAL');
      assert.deepEqual(reopened.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(), MIGRATIONS.map((m) => m.version));
    } finally {
      reopened.close();
    }
    const again = await openSqliteStore({ dataDir, clock, logger: logs.logger });
    await again.close();
    assert.equal(logs.lines().length, 4, 'the upgrade and the compaction happen once');
  });
});

describe('sqlite store upgrade from schema version 6', () => {
  it('applies migration 7: the deliveries table rebuilt with every row, index and reference, taking discarded deliveries', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hms-store-v6-'));
    tempDirs.push(dataDir);
    const db = new Database(join(dataDir, DB_FILE_NAME));
    try {
      db.pragma('journal_mode = WAL');
      db.exec(SQL.createMigrationsTable);
      for (const m of MIGRATIONS.filter((m) => m.version <= 6)) {
        db.exec(m.sql);
        db.prepare(SQL.insertMigration).run(m.version, m.name, T0 - 1_000);
      }
      // The INSERTs of the version 6 code, spelled out: they must not change with sql.ts.
      db.prepare('INSERT INTO events (id, type, body, received_at) VALUES (?, ?, ?, ?)').run('e1', 't', '{"type":"t","id":"e1"}', T0);
      const insertDelivery = db.prepare(`INSERT INTO deliveries
        (id, event_id, connector, route, state, attempts, last_status, last_error, last_error_code, next_attempt_at, created_at, updated_at, ordering_key)
        VALUES (?, 'e1', 'crm', 'main', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      insertDelivery.run('dead', 'dead', 1, 400, 'TARGET_REJECTED: HTTP 400', 'TARGET_REJECTED', null, T0, T0 + 5, null);
      insertDelivery.run('waiting', 'retrying', 1, 503, 'TARGET_UNAVAILABLE: HTTP 503', 'TARGET_UNAVAILABLE', T0 + 100, T0, T0 + 6, 'k1');
      insertDelivery.run('done', 'delivered', 1, 200, null, null, null, T0, T0 + 7, null);
      db.prepare(`INSERT INTO attempts (delivery_id, attempt, started_at, duration_ms, status, error, error_code, revision, response_body)
        VALUES ('dead', 1, ?, 5, 400, 'TARGET_REJECTED: HTTP 400', 'TARGET_REJECTED', 'old@1234567', 'no such inspector')`).run(T0);
    } finally {
      db.close();
    }
    const fresh = new Database(':memory:');
    for (const m of MIGRATIONS) fresh.exec(m.sql);
    const indexesOf = (handle: Database.Database) =>
      handle.prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL ORDER BY name").all();
    const expectedIndexes = indexesOf(fresh);
    fresh.close();

    const store = await openSqliteStore({ dataDir, clock: manualClock(T0 + 1_000) });
    try {
      const detail = (await store.getDelivery('dead'))!;
      assert.deepEqual([detail.state, detail.lastStatus, detail.updatedAt, detail.history.map((a) => [a.responseBody, a.request, a.traceparent])], ['dead', 400, T0 + 5, [['no such inspector', null, null]]]);
      assert.equal((await store.getEvent('e1'))!.traceparent, null);
      assert.deepEqual(await idsIn(store, 'retrying'), ['waiting']);
      assert.equal(await store.act('discard', ['dead'], null, T0 + 1_000), 1, 'the new state passes the table check');
      assert.deepEqual(await store.countByState(), { pending: 0, inflight: 0, retrying: 1, parked: 0, delivered: 1, dead: 0, discarded: 1 });
      await assert.rejects(store.recordAttempt({ ...attempt('nobody', 1, DELIVERED) }), 'attempts still refer to deliveries');
    } finally {
      await store.close();
    }
    const upgraded = new Database(join(dataDir, DB_FILE_NAME));
    try {
      assert.deepEqual(indexesOf(upgraded), expectedIndexes, 'the same indexes as a new database');
      assert.deepEqual(upgraded.pragma('foreign_key_check'), []);
      assert.equal(upgraded.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'deliveries_7'").pluck().get(), 0);
    } finally {
      upgraded.close();
    }
  });
});
