/**
 * Replays over the HTTP API, against a real receiver and real SQLite, on real time (a replay keeps
 * its pace by the clock): a dry run counts exactly what the replay then creates and the receiver
 * gets; a backfill takes only events without a delivery of the connector; events past
 * --retain-events are counted, not replayed; one replay runs per connector, and a cancel stops
 * what is not created yet.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { buildServer } from '../../engine/api/server.js';
import { systemClock } from '../../engine/clock.js';
import type { EngineOptions } from '../../engine/engine.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import type { ReceivedRequest } from '../helpers/receiver.js';
import { startTestEngine } from '../helpers/test-engine.js';
import { waitUntil } from '../helpers/wait-until.js';

const registry = (extraRoutes = '', extra = '') => `
name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: create
    on: permitApproved
    path: /permits
${extraRoutes}${extra}`;

const revokedRoute = `  - name: revoke
    on: permitRevoked
    path: /revoked
`;

type Json = Record<string, unknown>;

describe('replays over the API', () => {
  const fixture = useEngineFixture();

  async function start(file = registry(), options: Partial<EngineOptions> = {}) {
    const harness = await startTestEngine({ 'registry.yaml': file }, { RECEIVER_URL: fixture.receiver.url }, { clock: systemClock, ...options });
    fixture.harness = harness;
    const app = buildServer({ engine: harness.engine, logger: harness.logs.logger });
    const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: Json) => {
      const response = await app.inject({ method, url, ...(body && { payload: body }) });
      return { status: response.statusCode, body: response.json() as Json, headers: response.headers };
    };
    const done = (id: string) => waitUntil(async () => {
      const replay = (await call('GET', `/replays/${id}`)).body;
      return replay.state === 'done' && replay.waiting === 0 ? replay : undefined;
    }, `replay ${id} to finish`, 30_000, 25);
    return { harness, app, call, done };
  }

  /** Emits events and waits until each has every delivery delivered. */
  async function emitDelivered(engine: { emit: (event: { type: string; id: string; [key: string]: unknown }) => Promise<string> }, harness: { settled: (id: string, done?: (d: { state: string }) => boolean) => Promise<unknown> }, events: { type: string; id: string; [key: string]: unknown }[]) {
    for (const event of events) await engine.emit(event);
    for (const event of events) await harness.settled(event.id, (d) => d.state === 'delivered');
  }

  const replayed = (requests: readonly ReceivedRequest[]) => requests.filter((r) => r.headers['hms-sync-replay'] !== undefined);

  test('a dry run counts what the replay then creates and the receiver gets, with new keys and the replay header', async () => {
    const { harness, app, call, done } = await start();
    const events = Array.from({ length: 30 }, (_, i) => ({ type: 'permitApproved', id: `p${i}`, permitId: i }));
    await emitDelivered(harness.engine, harness, events);
    const firstKeys = new Set(fixture.receiver.requests.map((r) => r.headers['idempotency-key']));
    const body = { connector: 'registry', mode: 'redeliver', since: '1h', where: 'permitId >= 5', rate: '200/s' };

    const dry = await call('POST', '/replays', { ...body, dryRun: true });
    assert.equal(dry.status, 200);
    assert.deepEqual([dry.body.matched, dry.body.deliveries, dry.body.skippedByRetention, dry.body.estimatedSeconds, dry.body.rate], [25, 25, 0, 1, '200/s']);
    assert.deepEqual(dry.body.sample, events.slice(5, 25).map((e) => e.id), 'the first 20, in acceptance order');
    assert.equal(replayed(fixture.receiver.requests).length, 0, 'a dry run sends nothing');
    assert.equal((await harness.engine.status()).deliveries.delivered, 30, 'and creates nothing');

    const started = await call('POST', '/replays', body);
    assert.equal(started.status, 202);
    const id = started.body.id as string;
    assert.equal(started.headers.location, `/replays/${id}`);
    const finished = await done(id);
    assert.deepEqual([finished.matched, finished.created, finished.delivered, finished.dead, finished.skippedByRetention], [25, 25, 25, 0, 0]);
    assert.equal(finished.createdBy, 'anonymous loopback');

    const sent = replayed(fixture.receiver.requests);
    assert.equal(sent.length, 25);
    assert.ok(sent.every((r) => r.headers['hms-sync-replay'] === id));
    const keys = new Set(sent.map((r) => r.headers['idempotency-key']));
    assert.equal(keys.size, 25, 'each replayed delivery has a key of its own');
    assert.ok([...keys].every((key) => !firstKeys.has(key)), 'and none is the key of the first delivery');
    assert.deepEqual(sent.map((r) => JSON.parse(r.body).permitId).sort((a, b) => a - b), events.slice(5).map((e) => e.permitId));
    const event = await harness.engine.getEvent('p7');
    assert.equal(event?.deliveries.length, 2, 'the replay added a delivery beside the first');
    assert.deepEqual((await call('GET', '/replays')).body.replays, [finished]);
    const logs = harness.logs.lines();
    assert.ok(logs.some((line) => line.msg === 'replay started' && line.replay === id && line.by === 'anonymous loopback'));
    assert.ok(logs.some((line) => line.msg === 'api write' && line.request === 'POST /replays' && line.replay === id));
    await app.close();
  });

  test('a backfill takes only the events without a delivery of the connector, routed by its file of today', async () => {
    const { harness, app, call, done } = await start();
    await emitDelivered(harness.engine, harness, [{ type: 'permitApproved', id: 'a1' }, { type: 'permitApproved', id: 'a2' }]);
    for (const id of ['r1', 'r2', 'r3']) await harness.engine.emit({ type: 'permitRevoked', id });
    await writeFile(join(dirname(harness.dataDir), 'connectors.d', 'registry.yaml'), registry(revokedRoute));
    await harness.engine.reload();

    const body = { connector: 'registry', mode: 'backfill', since: '1h' };
    const dry = await call('POST', '/replays', { ...body, dryRun: true });
    assert.deepEqual([dry.body.matched, dry.body.sample], [3, ['r1', 'r2', 'r3']]);
    const finished = await done((await call('POST', '/replays', body)).body.id as string);
    assert.deepEqual([finished.matched, finished.created, finished.delivered], [3, 3, 3]);
    assert.deepEqual(replayed(fixture.receiver.requests).map((r) => r.url), ['/revoked', '/revoked', '/revoked']);
    const again = await call('POST', '/replays', { ...body, dryRun: true });
    assert.equal(again.body.matched, 0, 'a second backfill finds nothing left');
    await app.close();
  });

  test('events older than --retain-events are counted as skipped, never replayed', async () => {
    const { harness, app, call, done } = await start(registry(), { retention: { eventsMs: 1_000 } });
    await emitDelivered(harness.engine, harness, [{ type: 'permitApproved', id: 'old1' }, { type: 'permitApproved', id: 'old2' }]);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await emitDelivered(harness.engine, harness, [{ type: 'permitApproved', id: 'new1' }]);
    const body = { connector: 'registry', mode: 'redeliver', since: '1h' };
    const dry = await call('POST', '/replays', { ...body, dryRun: true });
    assert.deepEqual([dry.body.matched, dry.body.skippedByRetention, dry.body.sample], [1, 2, ['new1']]);
    const finished = await done((await call('POST', '/replays', body)).body.id as string);
    assert.deepEqual([finished.matched, finished.skippedByRetention, finished.created], [1, 2, 1]);
    assert.deepEqual(replayed(fixture.receiver.requests).map((r) => JSON.parse(r.body).id), ['new1']);
    await app.close();
  });

  test('one replay runs per connector; a cancel stops what it has not created yet', async () => {
    const { harness, app, call } = await start();
    await emitDelivered(harness.engine, harness, Array.from({ length: 40 }, (_, i) => ({ type: 'permitApproved', id: `p${i}` })));
    const body = { connector: 'registry', mode: 'redeliver', since: '1h', rate: '10/s' };
    const id = (await call('POST', '/replays', body)).body.id as string;
    const second = await call('POST', '/replays', body);
    assert.equal(second.status, 409);
    assert.equal((second.body.error as Json).code, 'REPLAY_RUNNING');
    assert.match((second.body.error as Json).message as string, new RegExp(`DELETE /replays/${id}`));

    await waitUntil(async () => (((await call('GET', `/replays/${id}`)).body.created as number) > 0 ? true : undefined), 'the replay to create its first deliveries');
    const cancelled = await call('DELETE', `/replays/${id}`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.state, 'cancelled');
    const created = cancelled.body.created as number;
    assert.ok(created > 0 && created < 40, `created ${created} of 40 before the cancel`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await call('GET', `/replays/${id}`)).body.created, created, 'nothing more is created');
    assert.equal((await call('DELETE', `/replays/${id}`)).body.error && ((await call('DELETE', `/replays/${id}`)).body.error as Json).code, 'REPLAY_FINISHED');
    assert.equal((await call('POST', '/replays', { ...body, dryRun: true })).status, 200, 'the connector may replay again');
    await app.close();
  });

  test("a paused connector's replay waits, creating nothing, and goes on once it is resumed", async () => {
    const { harness, app, call, done } = await start();
    await emitDelivered(harness.engine, harness, Array.from({ length: 5 }, (_, i) => ({ type: 'permitApproved', id: `p${i}` })));
    await call('POST', '/connectors/registry/pause');
    const id = (await call('POST', '/replays', { connector: 'registry', mode: 'redeliver', since: '1h' })).body.id as string;
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal((await call('GET', `/replays/${id}`)).body.created, 0);
    assert.equal(replayed(fixture.receiver.requests).length, 0);
    await call('POST', '/connectors/registry/resume');
    assert.equal((await done(id)).delivered, 5);
    await app.close();
  });

  test('a bad request is a 400 naming the field, an unknown connector or replay a 404', async () => {
    const { app, call } = await start();
    const good = { connector: 'registry', mode: 'redeliver', since: '1h' };
    for (const [body, mention] of [
      [{ ...good, mdoe: 'x' }, 'unknown field "mdoe"'],
      [{ mode: 'redeliver', since: '1h' }, '"connector" is missing'],
      [{ ...good, mode: 'again' }, '"mode" must be "redeliver"'],
      [{ ...good, since: 'yesterday' }, '"since" must be a time in ISO 8601'],
      [{ ...good, until: 5 }, '"until" must be a non-empty string'],
      [{ ...good, since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' }, '"since" (2026-01-02T00:00:00.000Z) must be before "until"'],
      [{ ...good, where: 'permitId = ' }, '"where" is not valid JSONata'],
      [{ ...good, rate: 'fast' }, '"rate": "fast" is not a rate'],
      [{ ...good, eventTypes: [] }, '"eventTypes" must be a non-empty list'],
      [{ ...good, dryRun: 'yes' }, '"dryRun" must be true or false'],
    ] as const) {
      const answer = await call('POST', '/replays', body as Json);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal((answer.body.error as Json).code, 'REQUEST_INVALID');
      assert.ok(((answer.body.error as Json).message as string).includes(mention), `${JSON.stringify(body)}: ${(answer.body.error as Json).message}`);
    }
    const unknown = await call('POST', '/replays', { ...good, connector: 'registy' });
    assert.deepEqual([unknown.status, (unknown.body.error as Json).code], [404, 'NOT_FOUND']);
    assert.equal((await call('GET', '/replays/nope')).status, 404);
    assert.equal((await call('DELETE', '/replays/nope')).status, 404);
    assert.deepEqual((await call('GET', '/replays')).body.replays, [], 'nothing was started');
    await app.close();
  });
});
