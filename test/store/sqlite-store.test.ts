import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { manualClock } from '../../engine/clock.js';
import { HmsError } from '../../engine/errors.js';
import { DB_FILE_NAME, openDatabase } from '../../engine/store/sqlite/open-database.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../engine/store/sqlite/migrations.js';
import { REPLAY_SQL } from '../../engine/store/sqlite/replay-sql.js';
import { SQL } from '../../engine/store/sqlite/sql.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import { RESTART_CHUNK_ROWS } from '../../engine/store/sqlite/write-ops.js';
import { attempt, dead, DELIVERED, died, event, handedOver, pending, retrying, T0 } from './contract-helpers.js';
import { queryPlan, useTempDirs } from './sqlite-fixtures.js';
import { runStoreContract } from './store-contract.js';

const tempDir = useTempDirs('hms-store-');

/** Reads the database file directly; the store must be closed. */
function inspect<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, DB_FILE_NAME));
  try {
    return read(db);
  } finally {
    db.close();
  }
}

runStoreContract('sqlite', async (clock) => {
  const dir = await mkdtemp(join(tmpdir(), 'hms-store-'));
  return { store: await openSqliteStore({ dataDir: dir, ...(clock ? { clock } : {}) }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('sqlite store', () => {
  it('retries (by filter) and re-drives more dead deliveries than one write takes, a chunk per write, and counts them all', async () => {
    const dataDir = await tempDir();
    const store = await openSqliteStore({ dataDir });
    const many = RESTART_CHUNK_ROWS + 5;
    try {
      await store.acceptEvents(Array.from({ length: many }, (_, i) => event(`e${i}`, [dead(`d${i}`, 'MAPPING_FAILED: bad map')])));
      assert.equal(await store.actOnMatching('retry', { states: ['dead'] }, new Set(['crm']), T0), many);
      assert.deepEqual([(await store.countByState()).dead, (await store.countByState()).retrying], [0, many]);
      const rejected = { attempt: 1, startedAt: T0, durationMs: 1, status: 400, error: 'TARGET_REJECTED: HTTP 400', errorCode: 'TARGET_REJECTED', revision: 'r', nextState: 'dead' as const, nextAttemptAt: null };
      // All at once, so they share a few commits (one by one, each would wait for its own).
      await Promise.all(Array.from({ length: many }, (_, i) => store.recordAttempt({ deliveryId: `d${i}`, ...rejected })));
      assert.equal(await store.redrive('crm', T0), many);
      assert.equal((await store.countByState()).dead, 0);
    } finally {
      await store.close();
    }
    // Each write restarts no more than its limit.
    inspect(dataDir, (db) => {
      db.prepare("UPDATE deliveries SET state = 'dead'").run();
      assert.equal(db.prepare(SQL.redrive).run(T0, T0, 'crm', '["TARGET_REJECTED"]', 4).changes, 4);
    });
  });

  it('creates a missing data directory and its database file', async () => {
    const dataDir = join(await tempDir(), 'nested', 'data');
    const store = await openSqliteStore({ dataDir });
    await store.close();
    assert.ok(existsSync(join(dataDir, 'hms-sync.db')));
  });

  it('opens the database in WAL mode, synchronous FULL, holding an exclusive lock', async () => {
    const db = openDatabase(await tempDir(), T0);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2); // FULL
      assert.equal(db.pragma('locking_mode', { simple: true }), 'exclusive');
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    } finally {
      db.close();
    }
  });

  it('numbers migrations 1, 2, 3, ... without gaps', () => {
    assert.deepEqual(
      MIGRATIONS.map((m) => m.version),
      MIGRATIONS.map((_, i) => i + 1),
    );
    assert.equal(LATEST_SCHEMA_VERSION, MIGRATIONS.length);
  });

  it('applies each migration once and records it in schema_migrations', async () => {
    const dataDir = await tempDir();
    const clock = manualClock(T0);
    await (await openSqliteStore({ dataDir, clock })).close();
    clock.advance(60_000);
    const store = await openSqliteStore({ dataDir, clock });
    await store.acceptEvents([event('e1', [pending('d1')])]);
    await store.close();
    const recorded = inspect(dataDir, (db) =>
      db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all(),
    );
    assert.deepEqual(
      recorded,
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: T0 })),
    );
  });

  it('refuses a database whose schema is newer than this code, and leaves it untouched', async () => {
    const dataDir = await tempDir();
    await (await openSqliteStore({ dataDir })).close();
    const newer = LATEST_SCHEMA_VERSION + 1;
    inspect(dataDir, (db) => db.prepare(SQL.insertMigration).run(newer, 'from the future', T0));
    await assert.rejects(openSqliteStore({ dataDir }), (error: unknown) => {
      assert.ok(error instanceof HmsError);
      const expected = `schema version ${newer}, newer than this hms-sync knows \\(${LATEST_SCHEMA_VERSION}\\)`;
      assert.match(error.message, new RegExp(expected));
      return true;
    });
    const versions = inspect(dataDir, (db) => db.prepare('SELECT version FROM schema_migrations').pluck().all());
    assert.deepEqual(versions, [...MIGRATIONS.map((m) => m.version), newer]);
  });

  it('refuses a second opener of the same data directory with STORE_LOCKED until the first closes', async () => {
    const dataDir = await tempDir();
    const first = await openSqliteStore({ dataDir });
    await assert.rejects(openSqliteStore({ dataDir }), {
      name: 'HmsError',
      code: 'STORE_LOCKED',
      message: `data directory ${dataDir} is in use by another hms-sync process; stop it or use another --data directory`,
    });
    await first.acceptEvents([event('e1', [pending('d1')])]);
    await first.close();
    const second = await openSqliteStore({ dataDir });
    assert.ok(await second.getEvent('e1'));
    await second.close();
  });

  it('refuses a data directory it cannot use with STORE_OPEN_FAILED, naming the directory and what to check', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'a-file'), 'not a directory');
    const notADirectory = join(root, 'a-file', 'data');
    const holdsDirectory = join(root, 'db-is-a-directory');
    await mkdir(join(holdsDirectory, DB_FILE_NAME), { recursive: true });
    const holdsGarbage = join(root, 'garbage');
    await mkdir(holdsGarbage);
    await writeFile(join(holdsGarbage, DB_FILE_NAME), 'x'.repeat(8192));
    for (const [dataDir, reason] of [
      [notADirectory, /ENOTDIR|EEXIST/],
      [holdsDirectory, /unable to open database file/],
      [holdsGarbage, /file is not a database/],
    ] as const) {
      await assert.rejects(openSqliteStore({ dataDir }), (error: unknown) => {
        assert.ok(error instanceof HmsError && error.code === 'STORE_OPEN_FAILED', String(error));
        assert.ok(error.message.startsWith(`cannot open data directory ${dataDir}: `), error.message);
        assert.match(error.message, reason);
        assert.match(error.message, /check the path \(--data or HMS_SYNC_DATA\)/);
        return true;
      });
    }
  });

  it('makes the work of a previous owner due at open: pending and inflight leases expire, retry times stay', async () => {
    const dataDir = await tempDir();
    const clock = manualClock(T0);
    const before = await openSqliteStore({ dataDir, clock });
    await before.acceptEvents([
      event('e1', [
        pending('waiting', 'crm', T0 + 60_000),
        handedOver('sent', T0 + 60_000),
        pending('backing-off', 'crm', T0),
        pending('overdue', 'crm', T0 - 1_000),
      ]),
    ]);
    await before.recordAttempt({
      deliveryId: 'backing-off',
      attempt: 1,
      startedAt: T0,
      durationMs: 3,
      status: 503,
      error: 'TARGET_UNAVAILABLE: 503',
      errorCode: 'TARGET_UNAVAILABLE',
      revision: 'r1',
      nextState: 'retrying',
      nextAttemptAt: T0 + 120_000,
    });
    await before.close();

    clock.set(T0 + 10);
    const reopened = await openSqliteStore({ dataDir, clock });
    const due = (await reopened.getEvent('e1'))!.deliveries.map((d) => [d.id, d.state, d.nextAttemptAt]);
    assert.deepEqual(due, [
      ['waiting', 'pending', T0 + 10],
      ['sent', 'inflight', T0 + 10],
      ['backing-off', 'retrying', T0 + 120_000],
      ['overdue', 'pending', T0 - 1_000],
    ]);
    const claimed = await reopened.claimDue({ now: clock.now(), limit: 10, leaseMs: 1_000, connectors: new Set(['crm']) });
    assert.deepEqual(
      claimed.map((d) => d.id),
      ['overdue', 'waiting', 'sent'],
    );
    await reopened.close();
  });

  it('keeps writes called just before close', async () => {
    const dataDir = await tempDir();
    const store = await openSqliteStore({ dataDir });
    void store.acceptEvents([event('e1', [pending('d1')])]);
    void store.claimDue({ now: T0, limit: 1, leaseMs: 5_000, connectors: new Set(['crm']) });
    await store.close();
    const reopened = await openSqliteStore({ dataDir, clock: manualClock(T0) });
    assert.deepEqual(
      (await reopened.getEvent('e1'))?.deliveries.map((d) => d.state),
      ['inflight'],
    );
    await reopened.close();
  });

  it('finds due work through the deliveries_due partial index, already in order', () => {
    const plan = queryPlan(SQL.selectDue, T0, '["crm"]');
    assert.match(plan, /SEARCH d USING INDEX deliveries_due/);
    assert.doesNotMatch(plan, /TEMP B-TREE/);
  });

  it('checks what is ahead of an ordered delivery through the deliveries_ordering partial index', () => {
    const plan = queryPlan(SQL.selectDue, T0, '["crm"]');
    assert.match(plan, /SEARCH o USING (COVERING )?INDEX deliveries_ordering \(connector=\? AND ordering_key=\? AND seq<\?\)/);
  });

  it('finds the dead deliveries to re-drive through the deliveries_dead_cause partial index', () => {
    const plan = queryPlan(SQL.redrive, T0, T0, 'crm', '["MAPPING_FAILED"]', 100);
    assert.match(plan, /SEARCH deliveries USING (COVERING )?INDEX deliveries_dead_cause \(connector=\? AND last_error_code=\?\)/);
  });

  it("counts a replay's deliveries through the deliveries_replay index alone, never another delivery", () => {
    assert.match(queryPlan(REPLAY_SQL.replayDeliveryCounts, 'r1'), /SEARCH deliveries USING COVERING INDEX deliveries_replay \(replay_id=\?\)/);
  });

  it("scans a replay's stretch of events by seq, and checks a backfill's event through the deliveries of that event alone", () => {
    const plan = queryPlan(REPLAY_SQL.scanEvents, { after: 0, through: 100, since: T0, until: T0 + 1, connector: 'crm' });
    assert.match(plan, /SEARCH events USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/);
    assert.match(plan, /SEARCH d USING INDEX deliveries_event \(event_id=\?\)/);
    assert.match(queryPlan(REPLAY_SQL.forgetUnreferencedEvent, { eventId: 'e1' }), /SEARCH events_unreferenced USING PRIMARY KEY \(received_at=\? AND seq=\?\)/);
  });

  it('counts deliveries by state from the kept counts, reading no delivery', () => {
    const plan = queryPlan(SQL.countByState).split('\n');
    assert.ok(plan.includes('SCAN delivery_counts'), plan.join(' | '));
    assert.deepEqual(plan.filter((line) => /^(SCAN|SEARCH) deliveries/.test(line) && !/SEARCH deliveries$/.test(line)), [], plan.join(' | '));
  });

  it('reads what waits per connector from the kept counts, and the oldest by walking the rows from each floor', () => {
    for (const statement of [SQL.backlogByConnector, SQL.oldestUnfinishedAt, SQL.advanceFloors]) {
      const plan = queryPlan(statement).split('\n');
      assert.ok(plan.includes('SEARCH deliveries USING INTEGER PRIMARY KEY (rowid>?)'), plan.join(' | '));
      assert.deepEqual(plan.filter((line) => /^SCAN deliveries|INDEX deliveries_/.test(line)), [], plan.join(' | '));
    }
  });

  it('expires the leases at open through deliveries_due from now on, not over the due backlog', () => {
    assert.match(queryPlan(SQL.expireLeases, { now: T0 }), /SEARCH deliveries USING (COVERING )?INDEX deliveries_due \(next_attempt_at>\?\)/);
  });

  it('keeps its counts exact when a write fails and is rolled back', async () => {
    const dataDir = await tempDir();
    const store = await openSqliteStore({ dataDir });
    await store.acceptEvents([event('e1', [pending('d1'), pending('d2')])]);
    await assert.rejects(store.acceptEvents([event('e2', [pending('d3'), pending('d1')])]), /UNIQUE/);
    await store.acceptEvents([event('e3', [pending('d4'), pending('d5')])]);
    await store.recordAttempt({ deliveryId: 'd1', attempt: 1, startedAt: T0, durationMs: 1, status: 200, error: null, errorCode: null, revision: 'r', nextState: 'delivered', nextAttemptAt: null });
    await store.recordAttempt({ deliveryId: 'd4', attempt: 1, startedAt: T0, durationMs: 1, status: 400, error: 'TARGET_REJECTED: HTTP 400', errorCode: 'TARGET_REJECTED', revision: 'r', nextState: 'dead', nextAttemptAt: null });
    const counted = await store.countByState();
    await store.close();
    const scanned = inspect(dataDir, (db) => db.prepare<[], { state: string; n: number }>('SELECT state, count(*) AS n FROM deliveries GROUP BY state').all());
    assert.deepEqual(Object.fromEntries(Object.entries(counted).filter(([, n]) => n > 0)), Object.fromEntries(scanned.map((row) => [row.state, row.n])));
    assert.deepEqual([counted.pending, counted.delivered, counted.dead], [2, 1, 1]);
  });

  it('writes no attempts row for a delivered attempt, only for failed ones', async () => {
    const dataDir = await tempDir();
    const store = await openSqliteStore({ dataDir });
    await store.acceptEvents([event('e1', [handedOver('first', T0 + 60_000), handedOver('second', T0 + 60_000)])]);
    await store.recordAttempt(attempt('first', 1, DELIVERED));
    await store.recordAttempt(attempt('second', 1, retrying(T0)));
    await store.recordAttempt(attempt('second', 2, DELIVERED));
    assert.deepEqual((await store.getEvent('e1'))?.deliveries.map((d) => d.history.map((h) => h.status)), [[200], [503, 200]]);
    await store.close();
    assert.deepEqual(inspect(dataDir, (db) => db.prepare('SELECT delivery_id, attempt FROM attempts').all()), [{ delivery_id: 'second', attempt: 1 }]);
  });

  it('finds the oldest waiting delivery when it reuses the seq of a newer one retention deleted', async () => {
    const clock = manualClock(T0);
    const store = await openSqliteStore({ dataDir: await tempDir(), clock });
    await store.acceptEvents([event('e1', [pending('d1')]), event('e2', [pending('d2')])]);
    await store.recordAttempt(attempt('d1', 1, DELIVERED));
    await store.recordAttempt(attempt('d2', 1, DELIVERED));
    clock.advance(10);
    assert.equal((await store.deleteExpired({ deliveredBefore: clock.now(), deadBefore: null, eventsBefore: clock.now(), connectors: new Map() })).deleted.deliveries, 2);
    await store.acceptEvents([event('e3', [pending('d3')], T0 + 20)]);
    const [oldest, backlog] = [await store.oldestUnfinishedAt(), await store.backlog()];
    await store.close();
    assert.deepEqual([oldest, backlog.map((b) => [b.connector, b.pending, b.oldestWaitingAt])], [T0 + 20, [['crm', 1, T0 + 20]]]);
  });

  it('keeps the counts per connector and state equal to a recount through every kind of change', async () => {
    const dataDir = await tempDir();
    const clock = manualClock(T0);
    const store = await openSqliteStore({ dataDir, clock });
    await store.acceptEvents([
      event('e1', [pending('p1'), pending('p2', 'erp'), handedOver('i1', T0 + 60_000), dead('x1', 'MAPPING_FAILED: bad')]),
      event('e2', [pending('p3'), pending('p4', 'erp'), pending('p5')]),
    ]);
    await store.claimDue({ now: T0, limit: 2, leaseMs: 1_000, connectors: new Set(['crm']) });
    await store.recordAttempt(attempt('i1', 1, DELIVERED));
    await store.recordAttempt(attempt('p1', 1, retrying(T0 + 5_000)));
    await store.recordAttempt(attempt('p3', 1, died('TARGET_REJECTED', 400)));
    await store.requeue(['p5'], T0 + 1_000);
    await store.reconcileConnectors(new Set(['crm']), T0);
    await store.act('retry', ['x1'], new Set(['crm']), T0);
    await store.reconcileConnectors(new Set(['crm', 'erp']), T0);
    await store.act('discard', ['p1'], null, T0);
    clock.advance(10);
    await store.deleteExpired({ deliveredBefore: clock.now(), deadBefore: clock.now(), eventsBefore: 0, connectors: new Map() });
    const [counted, backlog] = [await store.countByState(), await store.backlog()];
    await store.close();
    const recount = inspect(dataDir, (db) => db.prepare<[], { connector: string; state: string; n: number }>("SELECT connector, state, count(*) AS n FROM deliveries WHERE state <> 'delivered' GROUP BY connector, state ORDER BY connector, state").all());
    const kept = inspect(dataDir, (db) => db.prepare<[], { connector: string; state: string; n: number }>('SELECT connector, state, n FROM delivery_counts WHERE n > 0 ORDER BY connector, state').all());
    assert.deepEqual(kept, recount);
    assert.deepEqual(counted, { pending: 1, inflight: 0, retrying: 3, parked: 0, delivered: 0, dead: 0, discarded: 0 });
    assert.deepEqual(backlog.map((b) => [b.connector, b.retrying, b.oldestWaitingAt]), [['crm', 1, T0], ['erp', 2, T0]]);
  });
});
