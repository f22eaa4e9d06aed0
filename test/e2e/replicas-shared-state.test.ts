/**
 * Connector-wide state shared by two replicas on one PostgreSQL schema: an operator's pause on one
 * replica holds the connector on the other within moments (a wake-up through LISTEN/NOTIFY, not
 * a restart), and its resume frees it there; a 429's pause on one holds it on the other; the
 * connector's rateLimit is split between them.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startEngineProcesses, type EngineProcess } from '../helpers/engine-process.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { borrowPostgresDatabase, type Borrowed } from '../helpers/servers/shared-servers.js';
import { waitUntil } from '../helpers/wait-until.js';

const suite = useReceiverAndDir();
let database: Borrowed;
before(async () => (database = await borrowPostgresDatabase('pg_shared_state_e2e')));
after(() => database.close());

interface Flow {
  state: string;
  pausedUntil: string | null;
  rateLimit: { perSecond: number } | null;
}

async function flowOf(engine: EngineProcess): Promise<Flow> {
  const body = (await (await request(`${engine.url}/status`)).body.json()) as { connectors: (Flow & { name: string })[] };
  return body.connectors.find((c) => c.name === 'sink')!;
}

test('an operator\'s pause on one replica holds the connector on the other, its resume frees it, a 429 pauses both, and the rate limit is split between them', async () => {
  const { dir, receiver } = suite;
  const connectors = join(dir.path, 'connectors.d');
  await mkdir(connectors);
  await dir.write('connectors.d/sink.yaml', 'name: sink\ntarget:\n  url: ${env:RECEIVER_URL}\nrateLimit: 10/s\nroutes:\n  - on: "*"\n    map: \'{ "id": id }\'\n');
  // Hourly sweeps: only a wake-up can make the second replica see the change soon.
  const args = ['--connectors', connectors, '--store', database.url, '--store-schema', 'shared_state_e2e', '--lease', '3s', '--lease-renew', '500ms', '--sweep', '0 0 * * * *'];
  const env = { RECEIVER_URL: receiver.url };
  const [a, b] = await startEngineProcesses([[args, env], [args, env]]);
  try {
    await waitUntil(async () => ((await flowOf(a)).rateLimit?.perSecond === 5 && (await flowOf(b)).rateLimit?.perSecond === 5 ? true : undefined), 'the rate limit split in two', 10_000, 100);

    const paused = await request(`${a.url}/connectors/sink/pause`, { method: 'POST' });
    assert.equal(paused.statusCode, 200, await paused.body.text());
    await waitUntil(async () => ((await flowOf(b)).state === 'paused-by-operator' ? true : undefined), 'the pause to reach the other replica', 5_000, 50);

    const resumed = await request(`${a.url}/connectors/sink/resume`, { method: 'POST' });
    assert.equal(resumed.statusCode, 200, await resumed.body.text());
    await waitUntil(async () => ((await flowOf(b)).state === 'active' ? true : undefined), 'the resume to reach the other replica', 5_000, 50);

    // A 429 with Retry-After on one replica pauses the connector on both.
    receiver.respond = () => ({ status: 429, headers: { 'retry-after': '30' } });
    const accepted = await request(`${a.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ type: 'tick', id: 'e-429' }]) });
    assert.equal(accepted.statusCode, 202, await accepted.body.text());
    const held = await waitUntil(async () => {
      const flow = await flowOf(b);
      return flow.state === 'paused' ? flow : undefined;
    }, 'the 429 pause to reach the other replica', 10_000, 50);
    assert.ok(held.pausedUntil !== null);

    await a.stop();
    await waitUntil(async () => ((await flowOf(b)).rateLimit?.perSecond === 10 ? true : undefined), 'the whole rate limit once alone', 10_000, 100);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
