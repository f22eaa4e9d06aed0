/**
 * The engine as a child process on the PostgreSQL store (`--store postgres://…`): events accepted
 * over HTTP reach a real receiver, the URL's password shows nowhere, and after a SIGKILL a
 * restarted engine delivers every acknowledged event that was still pending.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startEngineProcess } from '../helpers/engine-process.js';
import { postUntilKilled } from '../helpers/post-until-killed.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { borrowPostgresDatabase, type Borrowed } from '../helpers/servers/shared-servers.js';
import { waitUntil } from '../helpers/wait-until.js';

const EVENTS = 1_000;
const BATCH = 50;
const PASSWORD = 'pg-e2e-secret-31';

// Slow answers keep hundreds of deliveries queued or in flight when the engine is killed.
const suite = useReceiverAndDir(() => ({ status: 200, delayMs: 15 }));
let database: Borrowed;
before(async () => (database = await borrowPostgresDatabase('pg_e2e')));
after(() => database.close());

function storeUrl(): string {
  const url = new URL(database.url);
  url.password = PASSWORD;
  return url.href;
}

function delivered(): Set<string> {
  return new Set(suite.receiver.requests.map((r) => (JSON.parse(r.body) as { id: string }).id));
}

test('on PostgreSQL the engine delivers what it accepted, hides the password, and after a SIGKILL and a restart delivers every acknowledged event', async () => {
  const { dir, receiver } = suite;
  const connectors = join(dir.path, 'connectors.d');
  await mkdir(connectors);
  await dir.write('connectors.d/sink.yaml', 'name: sink\ntarget:\n  url: ${env:RECEIVER_URL}\nroutes:\n  - on: "*"\n    map: \'{ "id": id }\'\n');
  const args = ['--connectors', connectors, '--store', storeUrl(), '--store-schema', 'e2e_sync'];
  const env = { RECEIVER_URL: receiver.url };

  const first = await startEngineProcess(args, env);
  const status = await request(`${first.url}/status`);
  const text = await status.body.text();
  assert.equal(status.statusCode, 200, text);
  assert.equal((JSON.parse(text) as { store: { location: string } }).store.location, storeUrl().replace(PASSWORD, '***'));

  const acknowledged = await postUntilKilled(first, { events: EVENTS, batch: BATCH, lanes: 2 });
  assert.ok(acknowledged.size >= EVENTS / 2, `acknowledged ${acknowledged.size}`);
  assert.ok(delivered().size < acknowledged.size, `the kill must leave work undone (seen ${delivered().size} of ${acknowledged.size})`);
  assert.ok(!`${first.stdout()}${first.stderr()}`.includes(PASSWORD), 'the password is in no log line');

  const second = await startEngineProcess(args, env);
  try {
    await waitUntil(() => ([...acknowledged].every((id) => delivered().has(id)) ? true : undefined), 'every acknowledged event to be delivered', 60_000, 100);
  } finally {
    assert.equal(await second.stop('SIGTERM'), 0);
  }
  assert.ok(!`${second.stdout()}${second.stderr()}`.includes(PASSWORD), 'the password is in no log line');
});
