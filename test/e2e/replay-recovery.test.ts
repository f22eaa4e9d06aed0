/**
 * Replays with the engine as a child process, against a real receiver: a replay killed (SIGKILL)
 * mid-way continues after a restart and creates no delivery twice; a connector file's backfill
 * runs once, across reloads, restarts and the file coming back.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import { useReceiverAndDir } from '../helpers/receiver-and-dir.js';
import type { ReceivedRequest } from '../helpers/receiver.js';
import { waitUntil } from '../helpers/wait-until.js';

type Json = Record<string, unknown>;

async function call(engine: EngineProcess, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await request(`${engine.url}${path}`, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Json };
}

async function postEvents(engine: EngineProcess, events: readonly Json[]): Promise<void> {
  for (let start = 0; start < events.length; start += 100) {
    const answer = await call(engine, 'POST', '/events', events.slice(start, start + 100));
    assert.equal(answer.status, 202);
  }
}

const idOf = (r: ReceivedRequest) => (JSON.parse(r.body) as { id: string }).id;

describe('replays across a crash', () => {
  const suite = useReceiverAndDir(() => ({ status: 200, delayMs: 5 }));

  test('a replay killed mid-way continues after the restart and creates no delivery twice', async () => {
    const { receiver, dir } = suite;
    const connectors = join(dir.path, 'connectors.d');
    await mkdir(connectors);
    await dir.write('connectors.d/sink.yaml', 'name: sink\ntarget:\n  url: ${env:RECEIVER_URL}\nroutes:\n  - on: permitApproved\n    map: \'{ "id": id }\'\n');
    const args = ['--connectors', connectors, '--data', join(dir.path, 'data'), '--log-level', 'info'];
    const env = { RECEIVER_URL: receiver.url };
    const events = Array.from({ length: 400 }, (_, i) => ({ type: 'permitApproved', id: `e${i}` }));

    const first = await startEngineProcess(args, env);
    await postEvents(first, events);
    await receiver.waitFor(events.length, 30_000);
    const body = { connector: 'sink', mode: 'redeliver', since: '1h', rate: '100/s' };
    const dry = await call(first, 'POST', '/replays', { ...body, dryRun: true });
    assert.equal(dry.body.matched, events.length);
    const id = (await call(first, 'POST', '/replays', body)).body.id as string;
    await waitUntil(async () => (((await call(first, 'GET', `/replays/${id}`)).body.created as number) >= 100 ? true : undefined), 'the replay to create 100 deliveries', 20_000, 20);
    assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
    const replayedBefore = receiver.requests.filter((r) => r.headers['hms-sync-replay'] === id).length;
    assert.ok(replayedBefore < events.length, `the kill left the replay unfinished (${replayedBefore} sent)`);

    const second = await startEngineProcess(args, env);
    try {
      const finished = await waitUntil(async () => {
        const replay = (await call(second, 'GET', `/replays/${id}`)).body;
        return replay.state === 'done' && replay.waiting === 0 ? replay : undefined;
      }, 'the replay to finish after the restart', 60_000, 50);
      assert.deepEqual([finished.matched, finished.created, finished.delivered, finished.dead], [events.length, events.length, events.length, 0]);
      assert.match(second.stdout(), /replay resumed after a restart/);

      const replayed = receiver.requests.filter((r) => r.headers['hms-sync-replay'] === id);
      assert.deepEqual(new Set(replayed.map(idOf)), new Set(events.map((e) => e.id)), 'every event was replayed');
      // A request in flight at the kill may be sent again (at-least-once), with the same key.
      const keysByEvent = new Map<string, Set<string>>();
      for (const r of replayed) keysByEvent.set(idOf(r), (keysByEvent.get(idOf(r)) ?? new Set()).add(String(r.headers['idempotency-key'])));
      assert.deepEqual([...keysByEvent.values()].filter((keys) => keys.size !== 1), [], 'one replayed delivery per event, never two');
      for (const event of events.filter((_, i) => i % 20 === 0)) {
        const stored = (await call(second, 'GET', `/events/${event.id}`)).body.deliveries as Json[];
        assert.equal(stored.length, 2, `${event.id}: its first delivery and one from the replay`);
      }
    } finally {
      assert.equal(await second.stop('SIGTERM'), 0);
    }
  });
});

describe("a connector file's backfill", () => {
  const suite = useReceiverAndDir();

  test('starts once, when its connector first appears, whatever reloads, restarts and removals follow', async () => {
    const { receiver, dir } = suite;
    const connectors = join(dir.path, 'connectors.d');
    await mkdir(connectors);
    await dir.write('connectors.d/archive.yaml', 'name: archive\ntarget:\n  url: ${env:RECEIVER_URL}\nroutes:\n  - on: permitApproved\n    path: /archive\n');
    const warehouse = (extra = '') => `name: warehouse\ntarget:\n  url: \${env:RECEIVER_URL}\nrateLimit: 20/s\nbackfill:\n  since: 1d\nroutes:\n  - on: permitApproved\n    path: /warehouse\n    map: '{ "id": id }'\n${extra}`;
    const args = ['--connectors', connectors, '--data', join(dir.path, 'data'), '--log-level', 'info'];
    const env = { RECEIVER_URL: receiver.url };
    const events = Array.from({ length: 30 }, (_, i) => ({ type: 'permitApproved', id: `p${i}` }));
    const toWarehouse = () => receiver.requests.filter((r) => r.url === '/warehouse');
    const listed = async (engine: EngineProcess) => (await call(engine, 'GET', '/replays')).body.replays as Json[];

    const first = await startEngineProcess(args, env);
    let second: EngineProcess | undefined;
    try {
      await postEvents(first, events);
      await receiver.waitFor(events.length, 20_000);
      await writeFile(join(connectors, 'warehouse.yaml'), warehouse());
      const running = await waitUntil(async () => ((await call(first, 'GET', '/status')).body.replays as Json[])[0], 'the backfill to show in /status', 10_000, 20);
      assert.deepEqual([running.connector, running.mode, running.declared, running.state], ['warehouse', 'backfill', true, 'running']);
      assert.equal(running.createdBy, `connector file ${join(connectors, 'warehouse.yaml')}`);
      await waitUntil(() => (toWarehouse().length >= events.length ? true : undefined), 'the backfill to reach the warehouse', 20_000);
      assert.deepEqual(new Set(toWarehouse().map(idOf)), new Set(events.map((e) => e.id)));
      assert.ok(toWarehouse().every((r) => r.headers['hms-sync-replay'] === running.id));

      const revisionOf = async () => ((await call(first, 'GET', '/status')).body.connectors as Json[]).find((c) => c.name === 'warehouse')?.revision;
      const before = await revisionOf();
      await writeFile(join(connectors, 'warehouse.yaml'), warehouse('description: changed'));
      await waitUntil(async () => ((await revisionOf()) !== before ? true : undefined), 'the reload');
      await rm(join(connectors, 'warehouse.yaml'));
      await waitUntil(async () => (((await call(first, 'GET', '/status')).body.connectors as Json[]).some((c) => c.name === 'warehouse') ? undefined : true), 'the removal');
      await writeFile(join(connectors, 'warehouse.yaml'), warehouse());
      await waitUntil(async () => (((await call(first, 'GET', '/status')).body.connectors as Json[]).some((c) => c.name === 'warehouse') ? true : undefined), 'the file back');
      assert.equal(await first.stop('SIGTERM'), 0);

      second = await startEngineProcess(args, env);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const replays = await listed(second);
      assert.deepEqual(replays.map((r) => [r.id, r.declared, r.state]), [[running.id, true, 'done']], 'one backfill, ever');
      assert.equal(toWarehouse().length, events.length, 'nothing sent twice');
      const started = `${first.stdout()}${second.stdout()}`.split('\n').filter((line) => line.includes('backfill started from the connector file'));
      assert.equal(started.length, 1);
    } finally {
      if (second) assert.equal(await second.stop('SIGTERM'), 0);
      else await first.stop('SIGTERM');
    }
  });
});
