/**
 * Checkpoints of the SQLite store's WAL around retention: a chunk's COMMIT never checkpoints, a
 * checkpoint of its own follows each chunk outside any transaction, and the WAL stays bounded
 * through a long run with ingest going on, and after it.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import { createCheckpointPacer, CHECKPOINT_WAL_FRAMES, MAX_CHUNKS_PER_CHECKPOINT } from '../../engine/store/sqlite/checkpoint-pacer.js';
import { DB_FILE_NAME, openDatabase } from '../../engine/store/sqlite/open-database.js';
import { RETENTION_CHUNK_ROWS } from '../../engine/store/sqlite/retention-ops.js';
import { prepareStatements, WAL_AUTOCHECKPOINT_PAGES } from '../../engine/store/sqlite/sql.js';
import { createSqliteAccess, type Checkpointed } from '../../engine/store/sqlite/sqlite-access.js';
import { createSqliteRetention } from '../../engine/store/sqlite/sqlite-retention.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { RetentionPolicy, Store } from '../../engine/store/store.js';
import { attempt, DELIVERED, event, pending, T0 } from './contract-helpers.js';
import { useTempDirs } from './sqlite-fixtures.js';

const tempDir = useTempDirs('hms-checkpoint-');

/** A WAL frame: a page and its 24-byte header; the file starts with a 32-byte header. */
const WAL_FRAME_BYTES = 4096 + 24;

function everythingBefore(before: number): RetentionPolicy {
  return { deliveredBefore: before, deadBefore: before, eventsBefore: before, connectors: new Map() };
}

/** Stores `count` events, each with one delivery that was delivered, padded so they fill pages. */
async function seedDelivered(store: Store, count: number, prefix: string): Promise<void> {
  const note = 'x'.repeat(500);
  for (let from = 0; from < count; from += 1_000) {
    const ids = Array.from({ length: Math.min(1_000, count - from) }, (_, i) => `${prefix}${from + i}`);
    await store.acceptEvents(ids.map((id) => ({ ...event(id, [pending(`d-${id}`)]), body: JSON.stringify({ type: 't', note }) })));
    await Promise.all(ids.map((id) => store.recordAttempt(attempt(`d-${id}`, 1, DELIVERED))));
  }
}

function walBytes(dataDir: string): number {
  try {
    return statSync(join(dataDir, `${DB_FILE_NAME}-wal`)).size;
  } catch {
    return 0;
  }
}

describe('sqlite store checkpoints around retention', () => {
  it('checkpoints after the first chunk, then before the next chunk could take the WAL past its mark by the frames per row it learned, and at least every few chunks', async () => {
    const checkpoints: number[] = [];
    let chunk = 0;
    const pacer = createCheckpointPacer(async () => {
      checkpoints.push(chunk);
      // Every chunk since the last checkpoint wrote one frame per row (100 rows each).
      return { walFrames: 100 * (chunk - (checkpoints.at(-2) ?? 0)) };
    });
    const rowsPerChunk = 100;
    for (chunk = 1; chunk <= 12; chunk++) await pacer.afterChunk(rowsPerChunk, rowsPerChunk);
    // After chunk 1: one frame per row, so 500 frames are five chunks; a checkpoint comes when
    // the next chunk would reach them.
    const perCheckpoint = CHECKPOINT_WAL_FRAMES / rowsPerChunk;
    assert.deepEqual(checkpoints, [1, perCheckpoint, 2 * perCheckpoint - 1, 3 * perCheckpoint - 2].filter((at) => at <= 12));
    chunk = 13;
    await pacer.afterChunk(Number.POSITIVE_INFINITY, rowsPerChunk);
    assert.equal(checkpoints.at(-1), 13, 'a chunk not counted in rows is followed by a checkpoint');
    await pacer.finish();
    assert.equal(checkpoints.at(-1), 13, 'nothing written since: no checkpoint at the end');

    const tiny = createCheckpointPacer(async () => {
      checkpoints.push(-1);
      return { walFrames: 1 };
    });
    checkpoints.length = 0;
    for (let i = 0; i < MAX_CHUNKS_PER_CHECKPOINT * 2 + 1; i++) await tiny.afterChunk(1_000, 1_000);
    assert.equal(checkpoints.length, 3, 'the first chunk, then every MAX_CHUNKS_PER_CHECKPOINT chunks');
    await tiny.finish();
    assert.equal(checkpoints.length, 3, 'nothing left to checkpoint at the end');
  });

  it("commits each chunk with auto-checkpoint off, checkpoints the WAL between chunks outside any transaction, and turns auto-checkpoint back on", async () => {
    const dataDir = await tempDir();
    const clock = manualClock(T0);
    const seeding = await openSqliteStore({ dataDir, clock });
    await seedDelivered(seeding, RETENTION_CHUNK_ROWS * 2, 'e');
    await seeding.close();

    clock.advance(1);
    const db = openDatabase(dataDir, clock.now());
    const sql = prepareStatements(db);
    const access = createSqliteAccess(db, sql, dataDir, clock);
    const steps: string[] = [];
    const autocheckpoint = () => db.pragma('wal_autocheckpoint', { simple: true });
    const retention = createSqliteRetention({
      sql,
      read: access.read,
      dataBytes: async () => 0,
      write: (run, held) =>
        access.writeAlone(() => {
          assert.ok(db.inTransaction);
          steps.push(`chunk with auto-checkpoint ${autocheckpoint()}`);
          return run();
        }, held),
      checkpoint: async (held): Promise<Checkpointed> => {
        const done = await access.checkpointAlone(held);
        assert.equal(db.inTransaction, false);
        assert.equal(done.checkpointed, done.walFrames, 'every frame is in the database file');
        steps.push('checkpoint');
        return done;
      },
    });
    try {
      const result = await retention.deleteExpired(everythingBefore(clock.now()));
      assert.equal(result.deleted.deliveries, RETENTION_CHUNK_ROWS * 2);
      const chunks = steps.filter((step) => step.startsWith('chunk'));
      assert.ok(chunks.length >= 5, steps.join(', '));
      assert.deepEqual(new Set(chunks), new Set(['chunk with auto-checkpoint 0']));
      assert.equal(steps.at(-1), 'checkpoint', 'a run ends with the WAL checkpointed');
      assert.equal(steps[1], 'checkpoint', 'the first chunk is followed by a checkpoint');
      const runs = steps.join(',').split('checkpoint,').map((run) => run.split(',').filter((step) => step.startsWith('chunk')).length);
      assert.ok(Math.max(...runs) <= MAX_CHUNKS_PER_CHECKPOINT, steps.join(', '));
      assert.ok(result.longestWriteMs > 0 && result.longestWriteCpuMs >= 0);
      assert.equal(autocheckpoint(), WAL_AUTOCHECKPOINT_PAGES);
    } finally {
      await access.close();
    }
  });

  it('keeps the WAL bounded while retention deletes many chunks with ingest going on, and after it', async () => {
    const dataDir = await tempDir();
    const clock = manualClock(T0);
    const store = await openSqliteStore({ dataDir, clock });
    // At most the auto-checkpoint's frames plus what one transaction (a chunk, a batch) writes.
    const boundBytes = 2 * WAL_AUTOCHECKPOINT_PAGES * WAL_FRAME_BYTES + 32;
    let largestWal = 0;
    try {
      await seedDelivered(store, RETENTION_CHUNK_ROWS * 6, 'old');
      clock.advance(1);
      const policy = everythingBefore(clock.now());
      let retentionDone = false;
      let batch = 0;
      const ingest = (async () => {
        while (!retentionDone) {
          await seedDelivered(store, 200, `new${batch++}-`);
          largestWal = Math.max(largestWal, walBytes(dataDir));
        }
      })();
      const result = await store.deleteExpired(policy).finally(() => (retentionDone = true));
      await ingest;
      assert.equal(result.deleted.deliveries, RETENTION_CHUNK_ROWS * 6);
      assert.ok(batch > 0, 'ingest committed while retention ran');
      // Ingest alone afterwards: SQLite's auto-checkpoint is back on and bounds the WAL again.
      for (let round = 0; round < 10; round++) {
        await seedDelivered(store, 1_000, `later${round}-`);
        largestWal = Math.max(largestWal, walBytes(dataDir));
      }
      assert.ok(largestWal <= boundBytes, `the WAL reached ${largestWal} bytes, over ${boundBytes}`);
    } finally {
      await store.close();
    }
  });
});
