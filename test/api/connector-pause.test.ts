/**
 * Pausing a connector, by an operator (POST /connectors/:name/pause and /resume) and by its file
 * (`paused: true`), against a real receiver and real SQLite: a paused connector sends nothing, its
 * deliveries wait without an attempt, and the pause shows in GET /status, in
 * hms_sync_connector_up and in the log, and survives a restart and a reload.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { buildServer } from '../../engine/api/server.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { startTestEngine, type TestEngine } from '../helpers/test-engine.js';

const registry = (extra = '') => `
name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: create
    on: permitApproved
    path: /permits
${extra}`;

describe('pausing a connector', () => {
  const fixture = useEngineFixture();

  async function start(file = registry(), options: { apiToken?: string } = {}) {
    const harness = await startTestEngine({ 'registry.yaml': file }, { RECEIVER_URL: fixture.receiver.url });
    fixture.harness = harness;
    return { harness, ...api(harness.engine, harness, options.apiToken) };
  }

  function api(engine: Engine, harness: TestEngine, apiToken?: string) {
    const app = buildServer({ engine, logger: harness.logs.logger, ...(apiToken && { apiToken }) });
    const headers = apiToken ? { authorization: `Bearer ${apiToken}` } : {};
    const call = async (method: 'GET' | 'POST', url: string) => {
      const response = await app.inject({ method, url, headers });
      return { status: response.statusCode, body: url === '/metrics' ? response.body : response.json() };
    };
    const flowOf = async () => ((await call('GET', '/status')).body.connectors as { name: string; state: string; pausedBy: unknown }[]).find((c) => c.name === 'registry');
    return { app, call, flowOf };
  }

  /** Emits an event and runs the sweep; resolves with its delivery as stored. */
  async function emitAndSweep(engine: Engine, id: string) {
    await engine.emit({ type: 'permitApproved', id });
    await engine.sweep();
    return (await engine.getEvent(id))!.deliveries[0]!;
  }

  test('a paused connector sends nothing and its deliveries wait without an attempt; resume sends them', async () => {
    const { harness, app, call, flowOf } = await start(registry(), { apiToken: 'op-secret-token-1' });
    const paused = await call('POST', '/connectors/registry/pause');
    assert.equal(paused.status, 200);
    assert.deepEqual(paused.body.pausedBy, { file: false, operator: { by: 'api token', since: '2026-11-27T08:00:00.000Z' } });
    assert.equal(paused.body.state, 'paused-by-operator');

    const waiting = await emitAndSweep(harness.engine, 'p1');
    harness.clock.advance(3_600_000);
    await harness.engine.sweep();
    assert.deepEqual([waiting.state, waiting.attempts], ['pending', 0]);
    assert.equal(fixture.receiver.requests.length, 0, 'nothing was sent');
    assert.equal((await flowOf())?.state, 'paused-by-operator');
    assert.match((await call('GET', '/metrics')).body as string, /^hms_sync_connector_up\{connector="registry"\} 0$/m);

    const resumed = await call('POST', '/connectors/registry/resume');
    assert.deepEqual([resumed.status, resumed.body.state, resumed.body.pausedBy], [200, 'active', null]);
    const delivered = await harness.settled('p1', (d) => d.state === 'delivered');
    assert.equal(delivered.deliveries[0]?.attempts, 1);
    assert.equal(fixture.receiver.requests.length, 1);
    assert.match((await call('GET', '/metrics')).body as string, /^hms_sync_connector_up\{connector="registry"\} 1$/m);

    const lines = harness.logs.lines();
    const writes = lines.filter((line) => line.msg === 'api write').map((line) => [line.who, line.request, line.connector, line.status]);
    assert.deepEqual(writes, [
      ['api token', 'POST /connectors/:name/pause', 'registry', 200],
      ['api token', 'POST /connectors/:name/resume', 'registry', 200],
    ]);
    assert.ok(lines.some((line) => line.msg === 'connector paused by an operator: it sends nothing until resumed' && line.by === 'api token' && line.connector === 'registry'));
    assert.ok(lines.some((line) => line.msg === 'connector resumed by an operator' && line.by === 'api token'));
    assert.ok(!harness.logs.text().includes('op-secret-token-1'), 'the token itself is never logged');
    await app.close();
  });

  test('pausing twice keeps the first pause; resuming an active connector changes nothing', async () => {
    const { harness, app, call } = await start();
    assert.equal((await call('POST', '/connectors/registry/resume')).body.state, 'active');
    await call('POST', '/connectors/registry/pause');
    harness.clock.advance(60_000);
    const again = await call('POST', '/connectors/registry/pause');
    assert.equal(again.body.pausedBy.operator.since, '2026-11-27T08:00:00.000Z');
    assert.equal(harness.logs.lines().filter((line) => line.msg === 'connector paused by an operator: it sends nothing until resumed').length, 1);
    await app.close();
  });

  test('pausing a connector that is not configured is a 404 naming it', async () => {
    const { app, call } = await start();
    for (const action of ['pause', 'resume']) {
      const answer = await call('POST', `/connectors/registy/${action}`);
      assert.equal(answer.status, 404);
      assert.equal(answer.body.error.code, 'NOT_FOUND');
      assert.match(answer.body.error.message, /no connector named "registy" is configured/);
    }
    await app.close();
  });

  test("the operator's pause survives a reload of the file and a restart of the engine", async () => {
    const { harness, app } = await start();
    await app.inject({ method: 'POST', url: '/connectors/registry/pause' });
    await app.close();
    const file = join(dirname(harness.dataDir), 'connectors.d', 'registry.yaml');
    await writeFile(file, registry('concurrency: 4'));
    await harness.engine.reload();
    assert.equal((await emitAndSweep(harness.engine, 'p1')).state, 'pending', 'still paused after the reload');

    await harness.engine.close();
    const restarted = await createEngine({
      connectorsDir: dirname(file),
      dataDir: harness.dataDir,
      env: { RECEIVER_URL: fixture.receiver.url },
      clock: harness.clock,
      logger: harness.logs.logger,
      sweepSchedule: null,
      retentionSchedule: null,
    });
    try {
      const { app: again, call, flowOf } = api(restarted, harness);
      assert.equal((await flowOf())?.state, 'paused-by-operator', 'still paused after the restart');
      assert.equal((await emitAndSweep(restarted, 'p2')).attempts, 0);
      assert.equal(fixture.receiver.requests.length, 0);
      await call('POST', '/connectors/registry/resume');
      await restarted.sweep();
      const done = async (id: string) => (await restarted.getEvent(id))?.deliveries[0]?.state === 'delivered';
      for (let i = 0; i < 200 && !((await done('p1')) && (await done('p2'))); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(fixture.receiver.requests.map((r) => JSON.parse(r.body).id).sort(), ['p1', 'p2']);
      await again.close();
    } finally {
      await restarted.close();
    }
  });

  test("a file's pause holds whatever an operator does, and ends with a file that no longer says it", async () => {
    const { harness, app, call, flowOf } = await start(registry('paused: true'));
    assert.deepEqual((await flowOf())?.pausedBy, { file: true, operator: null });
    assert.ok(harness.logs.lines().some((line) => line.msg === 'connector paused by its file (paused: true): it sends nothing until the file changes'));
    assert.equal((await emitAndSweep(harness.engine, 'p1')).attempts, 0);
    await call('POST', '/connectors/registry/pause');
    const resumed = await call('POST', '/connectors/registry/resume');
    assert.deepEqual([resumed.body.state, resumed.body.pausedBy], ['paused-by-operator', { file: true, operator: null }], "resume clears only the operator's pause");
    await harness.engine.sweep();
    assert.equal(fixture.receiver.requests.length, 0);

    await writeFile(join(dirname(harness.dataDir), 'connectors.d', 'registry.yaml'), registry('paused: false'));
    await harness.engine.reload();
    assert.equal((await harness.settled('p1', (d) => d.state === 'delivered')).deliveries[0]?.attempts, 1);
    assert.equal((await flowOf())?.state, 'active');
    await app.close();
  });
});
