/**
 * PostgreSQL going away under two replicas, mid-flight, for longer than their lease: POST /events
 * answers 503 (nothing half-stored) and /readyz 503 while it is down; once it is back both
 * replicas accept again without a restart, and every acknowledged event is delivered.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startEngineProcesses, type EngineProcess } from '../helpers/engine-process.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { startPostgres, type PostgresDatabase, type PostgresServer } from '../helpers/servers/postgres-server.js';
import { waitUntil } from '../helpers/wait-until.js';

const BATCH = 100;

const suite = useReceiverAndDir(() => ({ status: 200, delayMs: 5 }));
// A server of its own: halting the shared one would fail the other test files.
let server: PostgresServer;
let database: PostgresDatabase;
before(async () => {
  server = await startPostgres();
  database = await server.createDatabase('pg_restart_e2e');
});
after(() => server.stop());

let batches = 0;
/** Posts a batch of new events; resolves with the HTTP status and the ids it acknowledged. */
async function post(engine: EngineProcess): Promise<{ status: number; ids: string[] }> {
  const b = batches++;
  const events = Array.from({ length: BATCH }, (_, i) => ({ type: 'tick', id: `e-${b}-${i}` }));
  const response = await request(`${engine.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  const body = (await response.body.json()) as { accepted?: { id: string }[]; error?: { code: string } };
  return { status: response.statusCode, ids: response.statusCode === 202 ? body.accepted!.map((a) => a.id) : [] };
}

const readiness = async (engine: EngineProcess) => (await request(`${engine.url}/readyz`)).statusCode;

test('PostgreSQL down mid-flight: 503 for events and readiness while it is down, then both replicas recover by themselves and deliver every acknowledged event', async () => {
  const { dir, receiver } = suite;
  const connectors = join(dir.path, 'connectors.d');
  await mkdir(connectors);
  await dir.write('connectors.d/sink.yaml', 'name: sink\ntarget:\n  url: ${env:RECEIVER_URL}\nroutes:\n  - on: "*"\n    map: \'{ "id": id }\'\n');
  const args = ['--connectors', connectors, '--store', database.url, '--store-schema', 'restart_e2e', '--lease', '3s', '--lease-renew', '1s', '--sweep', '*/1 * * * * *'];
  const env = { RECEIVER_URL: receiver.url };
  const replicas = await startEngineProcesses([[args, env], [args, env]]);
  const acknowledged = new Set<string>();
  try {
    for (let i = 0; i < 10; i++) {
      const { status, ids } = await post(replicas[i % 2]!);
      assert.equal(status, 202);
      ids.forEach((id) => acknowledged.add(id));
    }
    await server.halt();
    for (const replica of replicas) {
      const refused = await waitUntil(async () => {
        const answer = await post(replica);
        return answer.status === 202 ? (answer.ids.forEach((id) => acknowledged.add(id)), undefined) : answer;
      }, 'POST /events to be refused', 15_000, 100);
      assert.equal(refused.status, 503);
      await waitUntil(async () => ((await readiness(replica)) === 503 ? true : undefined), '/readyz 503', 10_000, 100);
    }
    // Down past the lease: each replica's heartbeat fails and its leases run out.
    await waitUntil(() => (replicas.every((r) => r.stdout().includes('heartbeat failed')) ? true : undefined), 'both heartbeats to fail', 15_000, 100);
    await waitUntil(() => (replicas.every((r) => /"leasesUntil":"([^"]+)"/.test(r.stdout()) && Date.parse(/"leasesUntil":"([^"]+)"/.exec(r.stdout())![1]!) < Date.now()) ? true : undefined), 'the leases to run out', 15_000, 100);
    await server.resume();

    for (const replica of replicas) {
      await waitUntil(async () => {
        const answer = await post(replica);
        answer.ids.forEach((id) => acknowledged.add(id));
        return answer.status === 202 ? true : undefined;
      }, 'POST /events to be accepted again', 30_000, 200);
      await waitUntil(async () => ((await readiness(replica)) === 200 ? true : undefined), '/readyz 200 again', 15_000, 100);
    }
    const delivered = () => new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { id: string }).id));
    await waitUntil(() => ([...acknowledged].every((id) => delivered().has(id)) ? true : undefined), 'every acknowledged event to be delivered', 60_000, 200);
    assert.ok(acknowledged.size >= 12 * BATCH);
  } finally {
    await server.resume();
    for (const replica of replicas) await replica.stop('SIGTERM');
  }
});
