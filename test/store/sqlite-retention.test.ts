/**
 * Retention in the SQLite store beyond the contract: chunks, the file shrinking on disk, and the
 * query plans that keep each chunk and each count off a scan of every row.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { manualClock } from '../../engine/clock.js';
import { DB_FILE_NAME } from '../../engine/store/sqlite/open-database.js';
import { MIN_CHUNK_ROWS, RECLAIM_KEEP_FREE_BYTES, RETENTION_CHUNK_ROWS, TARGET_HOLD_MS } from '../../engine/store/sqlite/retention-ops.js';
import { nextChunkRows } from '../../engine/store/sqlite/sqlite-retention.js';
import { SQL } from '../../engine/store/sqlite/sql.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { RetentionPolicy } from '../../engine/store/store.js';
import { attempt, DELIVERED, event, pending, T0 } from './contract-helpers.js';
import { queryPlan, useTempDirs } from './sqlite-fixtures.js';

const tempDir = useTempDirs('hms-retention-');

const MiB = 1024 * 1024;

function everythingBefore(before: number): RetentionPolicy {
  return { deliveredBefore: before, deadBefore: before, eventsBefore: before, connectors: new Map() };
}

describe('sqlite store retention', () => {
  it('deletes more deliveries than one chunk takes, with their attempts and events, and counts them all', async () => {
    const clock = manualClock(T0);
    const store = await openSqliteStore({ dataDir: await tempDir(), clock });
    const many = RETENTION_CHUNK_ROWS * 2 + 7;
    try {
      await store.acceptEvents(Array.from({ length: many }, (_, i) => event(`e${i}`, [pending(`d${i}`)])));
      // All at once, so they share a few commits.
      await Promise.all(Array.from({ length: many }, (_, i) => store.recordAttempt(attempt(`d${i}`, 1, DELIVERED))));
      clock.advance(1);
      const result = await store.deleteExpired(everythingBefore(clock.now()));
      assert.deepEqual(result.deleted, { deliveries: many, dead: 0, events: many });
      assert.deepEqual(await store.countByState(), { pending: 0, inflight: 0, retrying: 0, parked: 0, delivered: 0, dead: 0, discarded: 0 });
      assert.equal(await store.getEvent('e0'), undefined);
    } finally {
      await store.close();
    }
  });

  it('gives deleted space back: the file on disk shrinks', async () => {
    const dataDir = await tempDir();
    const clock = manualClock(T0);
    const store = await openSqliteStore({ dataDir, clock });
    const note = 'x'.repeat(2_000);
    try {
      for (let batch = 0; batch < 20; batch++) {
        await store.acceptEvents(Array.from({ length: 1_000 }, (_, i) => ({ ...event(`e${batch}-${i}`, []), body: JSON.stringify({ type: 't', note }) })));
      }
      const full = await store.size();
      assert.ok(full.dataBytes > 40 * MiB, `seeded ${full.dataBytes} bytes`);
      clock.advance(1);
      const result = await store.deleteExpired(everythingBefore(clock.now()));
      assert.equal(result.deleted.events, 20_000);
      const shrunk = await store.size();
      assert.ok(shrunk.dataBytes < RECLAIM_KEEP_FREE_BYTES + 4 * MiB, `${full.dataBytes} bytes of data became ${shrunk.dataBytes}, keeping at most ${RECLAIM_KEEP_FREE_BYTES} free`);
      await store.acceptEvents([event('after', [pending('d-after')])]);
      assert.ok(await store.getEvent('after'), 'the store goes on working after giving space back');
    } finally {
      await store.close();
    }
    const onDisk = statSync(join(dataDir, DB_FILE_NAME)).size;
    assert.ok(onDisk < RECLAIM_KEEP_FREE_BYTES + 4 * MiB, `the file is ${onDisk} bytes once checkpointed`);
  });

  it('sizes each chunk by how long the last one held the store: halves past the target, doubles well under it, within bounds', () => {
    assert.equal(nextChunkRows(400, TARGET_HOLD_MS + 1), 200);
    assert.equal(nextChunkRows(400, TARGET_HOLD_MS / 2 - 1), 800);
    assert.equal(nextChunkRows(400, TARGET_HOLD_MS * 0.75), 400);
    assert.equal(nextChunkRows(MIN_CHUNK_ROWS, 1_000), MIN_CHUNK_ROWS);
    assert.equal(nextChunkRows(RETENTION_CHUNK_ROWS, 0), RETENTION_CHUNK_ROWS);
  });

  it('opens a new database with incremental auto-vacuum, without a VACUUM', async () => {
    const dataDir = await tempDir();
    await (await openSqliteStore({ dataDir })).close();
    const db = new Database(join(dataDir, DB_FILE_NAME));
    try {
      assert.equal(db.pragma('auto_vacuum', { simple: true }), 2);
    } finally {
      db.close();
    }
  });

  it('picks each chunk through the partial index of its state, oldest first, with no sort', () => {
    for (const [statement, index] of [[SQL.deliveredBefore, 'deliveries_delivered'], [SQL.diedBefore, 'deliveries_died']] as const) {
      const plan = queryPlan(statement, 'crm', T0, 100);
      assert.match(plan, new RegExp(`SEARCH deliveries USING INDEX ${index} \\(connector=\\? AND updated_at<\\?\\)`));
      assert.doesNotMatch(plan, /TEMP B-TREE/);
    }
  });

  it('finds the connectors with finished deliveries by seeking from one to the next, never scanning every delivery', () => {
    for (const statement of [SQL.deliveredConnectors, SQL.diedConnectors, SQL.oldestDeliveredConnector]) {
      const plan = queryPlan(statement).split('\n');
      assert.ok(plan.some((line) => /SEARCH deliveries USING COVERING INDEX deliveries_(delivered|died) \(connector>\?\)/.test(line)), plan.join(' | '));
      assert.deepEqual(plan.filter((line) => /^SCAN deliveries/.test(line)), [], plan.join(' | '));
    }
  });

  it('finds events without deliveries by receipt through their own table, and forgets a chunk by key range', () => {
    assert.match(queryPlan(SQL.unreferencedBefore, T0, 100), /SEARCH events_unreferenced USING PRIMARY KEY \(received_at<\?\)/);
    assert.match(queryPlan(SQL.forgetUnreferencedThrough, T0, 5), /SEARCH events_unreferenced USING PRIMARY KEY \(\(received_at,seq\)<\(\?,\?\)\)/);
  });

});
