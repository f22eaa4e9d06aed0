import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { startEngineProcess } from '../helpers/engine-process.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

const EVENTS = 4000;
const BATCH = 100;

// Slow answers keep thousands of deliveries queued or in flight when the engine is killed.
const suite = useReceiverAndDir(() => ({ status: 200, delayMs: 15 }));

test('every acknowledged event reaches the receiver after a SIGKILL and a restart', async () => {
  const { receiver, dir } = suite;
  const connectors = join(dir.path, 'connectors.d');
  await mkdir(connectors);
  await dir.write('connectors.d/sink.yaml', 'name: sink\ntarget:\n  url: ${env:RECEIVER_URL}\nroutes:\n  - on: "*"\n    map: \'{ "id": id }\'\n');
  const args = ['--connectors', connectors, '--data', join(dir.path, 'data')];
  const env = { RECEIVER_URL: receiver.url };

  const first = await startEngineProcess(args, env);
  const acknowledged = new Set<string>();
  const batches = Array.from({ length: EVENTS / BATCH }, (_, b) =>
    Array.from({ length: BATCH }, (_, i) => ({ type: 'permitApproved', id: `e-${b * BATCH + i}` })),
  );
  let killed = false;
  await Promise.all(
    [0, 1, 2, 3].map(async (lane) => {
      for (let b = lane; b < batches.length && !killed; b += 4) {
        try {
          const response = await request(`${first.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batches[b]) });
          const body = (await response.body.json()) as { accepted?: { id: string }[] };
          if (response.statusCode === 202) for (const { id } of body.accepted!) acknowledged.add(id);
        } catch {
          return; // the engine is gone; this batch was never acknowledged
        }
        if (acknowledged.size >= EVENTS / 2 && !killed) {
          killed = true;
          assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
        }
      }
    }),
  );
  const seenBeforeRestart = new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { id: string }).id));
  assert.ok(acknowledged.size >= EVENTS / 2, `acknowledged ${acknowledged.size}`);
  assert.ok(seenBeforeRestart.size < acknowledged.size, `the kill must leave work undone (seen ${seenBeforeRestart.size} of ${acknowledged.size})`);

  const second = await startEngineProcess(args, env);
  try {
    await waitUntil(() => {
      const seen = new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { id: string }).id));
      return [...acknowledged].every((id) => seen.has(id)) ? true : undefined;
    }, 'every acknowledged event to be delivered', 60_000, 100);
  } finally {
    assert.equal(await second.stop('SIGTERM'), 0);
  }
});
