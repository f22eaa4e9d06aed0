import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEngineProcess } from '../helpers/engine-process.js';
import { postUntilKilled } from '../helpers/post-until-killed.js';
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
  const acknowledged = await postUntilKilled(first, { events: EVENTS, batch: BATCH, lanes: 4 });
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
