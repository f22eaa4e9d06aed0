import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createIngestGate } from '../../engine/api/ingest-gate.js';
import { buildServer } from '../../engine/api/server.js';
import { HmsError } from '../../engine/errors.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import { startTestEngine } from '../helpers/test-engine.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

describe('ingest gate', () => {
  const options = { maxBytes: 100, maxWaitingBytes: 150, maxWaitMs: 60_000 };
  const settled = async (promise: Promise<unknown>) => (await Promise.race([promise.then(() => 'admitted', () => 'refused'), new Promise((resolve) => setImmediate(resolve, 'waiting'))])) as string;

  test('admits batches in arrival order while they fit, and the next ones as room comes back', async () => {
    const gate = createIngestGate(options);
    const first = await gate.admit(60);
    const second = gate.admit(60);
    const third = gate.admit(30);
    assert.equal(await settled(second), 'waiting');
    assert.equal(await settled(third), 'waiting', 'a smaller batch does not overtake one that waits longer');
    first();
    first(); // a second release gives nothing back twice
    const releaseSecond = await second;
    const releaseThird = await third;
    assert.equal(await settled(gate.admit(20)), 'waiting', '60 + 30 are in progress; 20 more would pass 100');
    releaseSecond();
    releaseThird();
  });

  test('a batch alone is admitted however large', async () => {
    const gate = createIngestGate(options);
    const release = await gate.admit(10_000);
    assert.equal(await settled(gate.admit(1)), 'waiting');
    release();
  });

  test('too many bytes already waiting: refused at once with INGEST_BUSY', async () => {
    const gate = createIngestGate(options);
    const release = await gate.admit(100);
    const waiting = gate.admit(100);
    await assert.rejects(gate.admit(60), (error: unknown) => {
      assert.ok(error instanceof HmsError && error.code === 'INGEST_BUSY');
      assert.match(error.message, /0\.0 MiB of batches already wait their turn; nothing of this request was stored/);
      return true;
    });
    release();
    (await waiting)();
  });

  test('a batch that waits too long is refused, and smaller ones behind it go ahead', async () => {
    const gate = createIngestGate({ ...options, maxWaitMs: 50 });
    const release = await gate.admit(50);
    const big = gate.admit(80);
    const small = gate.admit(40);
    await assert.rejects(big, { code: 'INGEST_BUSY', message: /this batch waited 0\.05 s for its turn/ });
    (await small)();
    release();
  });
});

describe('POST /events behind the ingest gate', () => {
  test('a batch that finds no room in time gets 503 with Retry-After, nothing of it stored; later ones get in', async () => {
    const dir = await tempDir();
    const store = await openSqliteStore({ dataDir: join(dir.path, 'data') });
    // The first batch's commit waits until the test lets it go, so it holds the room meanwhile.
    let commit!: () => void;
    const committing = new Promise<void>((resolve) => (commit = resolve));
    let held = false;
    const harness = await startTestEngine({ 'sink.yaml': 'name: sink\ntarget: { url: "http://127.0.0.1:9" }\nroutes:\n  - on: nomatch\n' }, {}, {
      store: {
        ...store,
        async acceptEvents(events) {
          if (!held) {
            held = true;
            await committing;
          }
          return store.acceptEvents(events);
        },
      },
    });
    const app = buildServer({ engine: harness.engine, logger: harness.logs.logger, ingestGate: { maxBytes: 1, maxWaitMs: 100 } });
    try {
      const post = (id: string) => app.inject({ method: 'POST', url: '/events', payload: { type: 't', id }, headers: { 'content-type': 'application/json' } });
      const first = post('gate-1');
      await waitUntil(() => held || undefined, 'the first batch to reach the store');
      const refused = await post('gate-2');
      assert.equal(refused.statusCode, 503);
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal(refused.json().error.code, 'INGEST_BUSY');
      commit();
      assert.equal((await first).statusCode, 202);
      assert.equal((await app.inject({ method: 'GET', url: '/events/gate-2' })).statusCode, 404, 'the refused batch was not stored');
      assert.equal((await post('gate-3')).statusCode, 202, 'room came back');
    } finally {
      await app.close();
      await harness.close();
      await dir.cleanup();
    }
  });
});
