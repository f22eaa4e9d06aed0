/**
 * A running replay taken over by another replica (engine/store/postgres/replica-ops.ts ›
 * adoptReplays): two engines as child processes on one PostgreSQL schema, a slow replay started
 * on A. When A is SIGKILLed, B adopts the replay once A's heartbeat is older than its lease; when
 * A stops cleanly, B adopts it at its next heartbeat. Either way B finishes it from A's position,
 * at the replay's pace, and every event is replayed once: one replayed delivery per event (a
 * request in flight at the kill may reach the target again, with the same Idempotency-Key).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import type { ReceivedRequest } from '../helpers/receiver.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import { borrowPostgresDatabase, type Borrowed } from '../helpers/servers/shared-servers.js';
import { waitUntil } from '../helpers/wait-until.js';

type Json = Record<string, unknown>;

const EVENTS = 200;
/** Slow enough that A is stopped with most of the replay still to create. */
const REPLAY_RATE = '40/s';
const CREATED_BEFORE_STOP = 40;

const suite = useReceiverAndDir(() => ({ status: 200, delayMs: 2 }));
let database: Borrowed;
before(async () => (database = await borrowPostgresDatabase('pg_replay_takeover')));
after(() => database.close());

async function call(engine: EngineProcess, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await request(`${engine.url}${path}`, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Json };
}

const idOf = (r: ReceivedRequest) => (JSON.parse(r.body) as { id: string }).id;

/** Starts A and B on a fresh schema, posts EVENTS to A, waits for their first deliveries, starts
 * a replay on A and waits until it created CREATED_BEFORE_STOP deliveries. */
async function replayRunningOnA(schema: string): Promise<{ a: EngineProcess; b: EngineProcess; id: string; events: Json[] }> {
  const { dir, receiver } = suite;
  const connectors = join(dir.path, `connectors-${schema}`);
  await mkdir(connectors);
  await dir.write(`connectors-${schema}/sink.yaml`, 'name: sink\ntarget:\n  url: ${env:RECEIVER_URL}\nroutes:\n  - on: permitApproved\n    map: \'{ "id": id }\'\n');
  const args = ['--connectors', connectors, '--store', database.url, '--store-schema', schema, '--lease', '3s', '--lease-renew', '1s', '--sweep', '*/1 * * * * *', '--log-level', 'info'];
  const env = { RECEIVER_URL: receiver.url };
  const a = await startEngineProcess(args, env);
  const b = await startEngineProcess(args, env);
  const events = Array.from({ length: EVENTS }, (_, i) => ({ type: 'permitApproved', id: `${schema}-${i}` }));
  for (let start = 0; start < events.length; start += 100) assert.equal((await call(a, 'POST', '/events', events.slice(start, start + 100))).status, 202);
  await receiver.waitFor(events.length, 30_000);
  const started = await call(a, 'POST', '/replays', { connector: 'sink', mode: 'redeliver', since: '1h', rate: REPLAY_RATE });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const id = started.body.id as string;
  await waitUntil(async () => (((await call(a, 'GET', `/replays/${id}`)).body.created as number) >= CREATED_BEFORE_STOP ? true : undefined), `the replay to create ${CREATED_BEFORE_STOP} deliveries on A`, 20_000, 20);
  return { a, b, id, events };
}

/** B finishes the replay; every event was replayed by one delivery. */
async function assertFinishedByB(b: EngineProcess, id: string, events: readonly Json[]): Promise<void> {
  const finished = await waitUntil(async () => {
    const replay = (await call(b, 'GET', `/replays/${id}`)).body;
    return replay.state === 'done' && replay.waiting === 0 ? replay : undefined;
  }, 'B to finish the replay', 60_000, 100);
  assert.deepEqual([finished.matched, finished.created, finished.delivered, finished.dead], [events.length, events.length, events.length, 0]);
  const replayed = suite.receiver.requests.filter((r) => r.headers['hms-sync-replay'] === id);
  assert.deepEqual(new Set(replayed.map(idOf)), new Set(events.map((e) => e.id)), 'every event was replayed');
  const keysByEvent = new Map<string, Set<string>>();
  for (const r of replayed) keysByEvent.set(idOf(r), (keysByEvent.get(idOf(r)) ?? new Set()).add(String(r.headers['idempotency-key'])));
  assert.deepEqual([...keysByEvent.entries()].filter(([, keys]) => keys.size !== 1), [], 'one replayed delivery per event, never two');
  for (const event of events.filter((_, i) => i % 25 === 0)) {
    const stored = (await call(b, 'GET', `/events/${String(event.id)}`)).body.deliveries as Json[];
    assert.equal(stored.length, 2, `${String(event.id)}: its first delivery and one from the replay`);
  }
}

describe('a running replay whose replica stops', () => {
  test('is taken over by a live replica once the SIGKILLed one\'s heartbeat expires, and finished from its position with no delivery created twice', async () => {
    const { a, b, id, events } = await replayRunningOnA('replay_takeover_kill');
    try {
      assert.equal(await a.stop('SIGKILL'), 'SIGKILL');
      const createdByA = (await call(b, 'GET', `/replays/${id}`)).body.created as number;
      assert.ok(createdByA < events.length, `the kill left the replay unfinished (${createdByA} created)`);
      await assertFinishedByB(b, id, events);
      assert.match(b.stdout(), /"from":"[0-9a-f]+".*replay taken over: no live replica was running it/, 'B names the replica it took the replay from');
      assert.equal((await call(b, 'GET', `/replays/${id}`)).body.rate, REPLAY_RATE, 'the replay keeps its pace');
    } finally {
      await a.stop('SIGKILL');
      assert.equal(await b.stop('SIGTERM'), 0);
    }
  });

  test('is taken over at the next heartbeat of a live replica when its replica stops cleanly (SIGTERM)', async () => {
    const { a, b, id, events } = await replayRunningOnA('replay_takeover_drain');
    try {
      assert.equal(await a.stop('SIGTERM'), 0);
      assert.notEqual((await call(b, 'GET', `/replays/${id}`)).body.state, 'done', 'A stopped before the replay ended');
      await assertFinishedByB(b, id, events);
      assert.match(b.stdout(), /"from":null.*replay taken over: no live replica was running it/, 'A left the replay to the others as it stopped');
    } finally {
      assert.equal(await b.stop('SIGTERM'), 0);
    }
  });
});
