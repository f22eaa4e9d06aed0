/**
 * A replica cut off from PostgreSQL longer than its lease stops sending what it held. Replica A
 * reaches the database through a TCP proxy this test runs; B directly. A takes 20 deliveries at
 * ingest (handed straight to its dispatcher) and sends the first, which the receiver holds. The
 * proxy then cuts A off: its heartbeats fail, its leases run out, and B takes the deliveries over
 * and sends them. When A's held request finally answers, A sends nothing more of what it held:
 * every delivery reaches the receiver once, but the one in flight at the cut (twice, with the same
 * Idempotency-Key).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { borrowPostgresDatabase, type Borrowed } from '../helpers/servers/shared-servers.js';
import { waitUntil } from '../helpers/wait-until.js';

const EVENTS = 20;
/** How long the receiver holds A's first request: past the cut, A's lease and B's take-over. */
const HELD_MS = 8_000;

const suite = useReceiverAndDir((_request, index) => (index === 0 ? { status: 200, delayMs: HELD_MS } : 200));
let database: Borrowed;
before(async () => (database = await borrowPostgresDatabase('pg_partition_e2e')));
after(() => database.close());

/** A TCP proxy to `target` that can cut every connection, now and to come. */
async function startProxy(target: URL): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('a replica cut off from PostgreSQL past its lease does not send what it held; another replica sends it', async () => {
  const { dir, receiver } = suite;
  const connectors = join(dir.path, 'connectors.d');
  await mkdir(connectors);
  await dir.write('connectors.d/slow.yaml', 'name: slow\ntarget:\n  url: ${env:RECEIVER_URL}\nconcurrency: 1\nroutes:\n  - on: "*"\n    map: \'{ "id": id }\'\n');
  const proxy = await startProxy(new URL(database.url));
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  const common = ['--connectors', connectors, '--store-schema', 'partition_e2e', '--lease', '3s', '--lease-renew', '1s', '--sweep', '*/1 * * * * *'];
  const env = { RECEIVER_URL: receiver.url };
  /** A, then B: each stopped at the end, even when the other did not start. */
  const engines: EngineProcess[] = [];
  try {
    const a = await startEngineProcess([...common, '--store', viaProxy.href], env);
    engines.push(a);
    engines.push(await startEngineProcess([...common, '--store', database.url], env));
    const events = Array.from({ length: EVENTS }, (_, i) => ({ type: 'tick', id: `e-${i}` }));
    const accepted = await request(`${a.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    assert.equal(accepted.statusCode, 202, await accepted.body.text());
    await receiver.waitFor(1);
    proxy.cut();

    const ids = () => receiver.requests.map((r) => (JSON.parse(r.body) as { id: string }).id);
    await waitUntil(() => (new Set(ids()).size === EVENTS ? true : undefined), 'B to send every delivery A held', 30_000, 100);
    // A's held request answers; A then lets go of the rest unsent, and says so.
    await waitUntil(() => (a.stdout().includes('not sending deliveries whose lease this replica no longer holds') ? true : undefined), 'A to let its deliveries go', 30_000, 100);
    const sent = ids();
    const twice = sent.filter((id, i) => sent.indexOf(id) !== i);
    assert.deepEqual(twice, ['e-0'], 'only the request in flight at the cut went twice');
    const keys = receiver.requests.filter((r) => (JSON.parse(r.body) as { id: string }).id === 'e-0').map((r) => r.headers['idempotency-key']);
    assert.equal(new Set(keys).size, 1, 'with the same Idempotency-Key');
  } finally {
    await engines[0]?.stop('SIGKILL');
    await engines[1]?.stop('SIGTERM');
    await proxy.close();
  }
});
