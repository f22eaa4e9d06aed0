/**
 * Three replicas (child processes) on one PostgreSQL schema and one real receiver, with an ordered
 * connector (orderingKey) and an unordered one. 20,000 events are posted in batches round-robin
 * to the three; one replica is SIGKILLed mid-flight (short lease, so its deliveries are taken over
 * within seconds). Every acknowledged event is delivered by both connectors; a delivery reaches
 * the receiver twice only with the same Idempotency-Key (it was in flight at the kill); each key
 * of the ordered connector arrives in acceptance order; GET /status lists the live replicas.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startEngineProcesses, type EngineProcess } from '../helpers/engine-process.js';
import type { ReceivedRequest } from '../helpers/receiver.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { borrowPostgresDatabase, type Borrowed } from '../helpers/servers/shared-servers.js';
import { waitUntil } from '../helpers/wait-until.js';

const EVENTS = 20_000;
const BATCH = 250;
const KEYS = 200;
/** Events posted ahead of the ordered connector's deliveries at most: the claim of an ordered
 * connector reads past the deliveries waiting behind their key, so a deep backlog only slows it. */
const AHEAD = 3_000;
const KILL_AFTER_BATCHES = 40;
/** Requests in flight per connector and replica. */
const CONCURRENCY = 8;

const suite = useReceiverAndDir(() => ({ status: 200, delayMs: 2 }));
let database: Borrowed;
before(async () => (database = await borrowPostgresDatabase('pg_replicas_e2e')));
after(() => database.close());

const connector = (name: string, extra: string) =>
  `name: ${name}\ntarget:\n  url: \${env:RECEIVER_URL}/${name}\nconcurrency: ${CONCURRENCY}\n${extra}routes:\n  - on: "*"\n    map: '{ "id": id, "n": n, "key": key }'\n`;

interface Sent {
  readonly id: string;
  readonly n: number;
  readonly key: string;
  readonly idempotencyKey: string;
}

function sentTo(path: string): Sent[] {
  return suite.receiver.requests
    .filter((r: ReceivedRequest) => r.url === path)
    .map((r) => ({ ...(JSON.parse(r.body) as { id: string; n: number; key: string }), idempotencyKey: String(r.headers['idempotency-key']) }));
}

async function post(engine: EngineProcess, events: readonly object[]): Promise<boolean> {
  try {
    const response = await request(`${engine.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    await response.body.text();
    return response.statusCode === 202;
  } catch {
    return false;
  }
}

async function liveReplicas(engine: EngineProcess): Promise<{ id: string; self: boolean }[]> {
  const response = await request(`${engine.url}/status`);
  return ((await response.body.json()) as { replicas: { id: string; self: boolean }[] }).replicas;
}

test('three replicas share one schema: after one is SIGKILLed the others deliver all it held, duplicates only with the same Idempotency-Key, each key in order', async () => {
  const { dir, receiver } = suite;
  const connectors = join(dir.path, 'connectors.d');
  await mkdir(connectors);
  await dir.write('connectors.d/ordered.yaml', connector('ordered', 'orderingKey: key\n'));
  await dir.write('connectors.d/unordered.yaml', connector('unordered', ''));
  const args = ['--connectors', connectors, '--store', database.url, '--store-schema', 'replicas_e2e', '--lease', '3s', '--lease-renew', '1s', '--sweep', '*/1 * * * * *'];
  const replicas = await startEngineProcesses(Array.from({ length: 3 }, () => [args, { RECEIVER_URL: receiver.url }] as const));
  try {
    const seen = await waitUntil(async () => {
      const live = await liveReplicas(replicas[0]!);
      return live.length === 3 ? live : undefined;
    }, 'three live replicas in GET /status', 10_000, 100);
    assert.equal(seen.filter((r) => r.self).length, 1, 'the answering replica marks itself');

    // Batches one at a time, round-robin over the replicas still up: acceptance order is n order.
    const batches = Array.from({ length: EVENTS / BATCH }, (_, b) => Array.from({ length: BATCH }, (_, i) => {
      const n = b * BATCH + i;
      return { type: 'reading', id: `e-${n}`, n, key: `k${n % KEYS}` };
    }));
    const up = [...replicas];
    /** Which replica acknowledged each event: an unordered delivery is held by that one alone. */
    const acceptedBy = new Map<string, number>();
    let deliveredAtKill = 0;
    for (let b = 0; b < batches.length; b++) {
      if (b === KILL_AFTER_BATCHES) {
        assert.equal(await up[0]!.stop('SIGKILL'), 'SIGKILL');
        deliveredAtKill = receiver.requests.length;
        up.shift();
      }
      const posted = b * BATCH;
      await waitUntil(() => (new Set(sentTo('/ordered').map((s) => s.id)).size >= posted - AHEAD ? true : undefined), 'the ordered backlog to shrink', 60_000, 50);
      // A batch whose answer was lost is sent again to the next replica; its ids are kept once.
      for (let tries = 0; ; tries++) {
        assert.ok(tries < 5, `batch ${b} was never acknowledged`);
        const replica = up[(b + tries) % up.length]!;
        if (!(await post(replica, batches[b]!))) continue;
        for (const event of batches[b]!) acceptedBy.set(event.id, replicas.indexOf(replica));
        break;
      }
    }
    assert.ok(deliveredAtKill < 2 * KILL_AFTER_BATCHES * BATCH, `the kill must leave work undone (${deliveredAtKill} requests before it)`);

    for (const path of ['/ordered', '/unordered']) {
      await waitUntil(() => (new Set(sentTo(path).map((s) => s.id)).size === EVENTS ? true : undefined), `every event delivered to ${path}`, 180_000, 1000);
    }
    for (const path of ['/ordered', '/unordered']) {
      const sent = sentTo(path);
      const first = new Map<string, Sent>();
      const duplicatedPerKey = new Map<string, number>();
      for (const s of sent) {
        const earlier = first.get(s.id);
        if (earlier === undefined) first.set(s.id, s);
        else {
          assert.equal(s.idempotencyKey, earlier.idempotencyKey, `${path} ${s.id} sent twice with the same Idempotency-Key`);
          assert.ok(earlier.n < KILL_AFTER_BATCHES * BATCH, `${path} ${s.id} sent twice, but it was accepted after the kill`);
          duplicatedPerKey.set(s.key, (duplicatedPerKey.get(s.key) ?? 0) + 1);
          // Unordered deliveries go straight to the replica that accepted them: only the killed
          // one's can have been in flight at the kill.
          if (path === '/unordered') assert.equal(acceptedBy.get(s.id), 0, `${s.id} sent twice, but the killed replica never held it`);
        }
      }
      // The killed replica held at most one delivery of each key: the key's head.
      if (path === '/ordered') for (const [key, count] of duplicatedPerKey) assert.equal(count, 1, `key ${key}: ${count} deliveries sent twice`);
    }
    const byKey = new Map<string, number[]>();
    for (const s of sentTo('/ordered')) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s.n]);
    for (const [key, ns] of byKey) {
      const firsts = ns.filter((n, i) => ns.indexOf(n) === i);
      assert.deepEqual(firsts, [...firsts].sort((x, y) => x - y), `key ${key} arrived in acceptance order`);
    }
    const live = await waitUntil(async () => {
      const now = await liveReplicas(up[0]!);
      return now.length === 2 ? now : undefined;
    }, 'the killed replica to drop out of GET /status', 10_000, 200);
    assert.equal(live.length, 2);
  } finally {
    for (const replica of replicas) await replica.stop('SIGTERM');
  }
});
