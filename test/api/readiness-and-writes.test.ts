import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, test } from 'node:test';
import { buildServer } from '../../engine/api/server.js';
import { startTestEngine, type TestEngine } from '../helpers/test-engine.js';

const TOKEN = 'api-token-31f0c2';
const REGISTRY = `
name: registry
target:
  url: http://127.0.0.1:9
routes:
  - on: permitApproved
`;

describe('GET /readyz and the log of API writes', () => {
  let harness: TestEngine | undefined;
  let app: ReturnType<typeof buildServer> | undefined;
  afterEach(async () => {
    await app?.close();
    await harness?.close();
  });

  const start = async (apiToken?: string) => {
    harness = await startTestEngine({ 'registry.yaml': REGISTRY });
    app = buildServer({ engine: harness.engine, logger: harness.logs.logger, ...(apiToken && { apiToken }) });
    await app.ready();
    return { harness, app };
  };
  const writeLines = (h: TestEngine) => h.logs.lines().filter((line) => line.msg === 'api write');

  test('answers 200 without a token, and names problems in connector files as warnings, without their details', async () => {
    const { harness, app } = await start(TOKEN);
    assert.deepEqual((await app.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready', reasons: [], warnings: [] });
    await writeFile(join(harness.dataDir, '..', 'connectors.d', 'broken.yaml'), 'name: broken\ntarget: [\n');
    await harness.engine.reload();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 200, 'the valid connectors serve, and events for the others wait: still ready');
    assert.deepEqual(response.json().warnings, ['1 connector file has problems; GET /status lists them']);
    assert.ok(!response.body.includes('broken.yaml'), 'a public endpoint shows no file names');
  });

  test('after a start that set a broken file aside: still ready, with the warning, and the problem counted in /metrics', async () => {
    harness = await startTestEngine({ 'registry.yaml': REGISTRY, 'broken.yaml': 'name: broken\ntarget: [\n' });
    app = buildServer({ engine: harness.engine, logger: harness.logs.logger });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json().warnings, ['1 connector file has problems; GET /status lists them']);
    assert.match((await harness.engine.metrics()).text, /^hms_sync_config_problems [1-9]/m);
  });

  test('answers 503 with the reason once the engine is shutting down', async () => {
    const { harness, app } = await start();
    const closing = harness.engine.close();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), { status: 'not ready', reasons: ['the engine is shutting down'], warnings: [] });
    await closing;
  });

  test('logs each write once at info: who sent it, what, the status and how many; reads are not logged', async () => {
    const { harness, app } = await start(TOKEN);
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    await app.inject({ method: 'POST', url: '/events', headers: auth, payload: [{ type: 'permitApproved', id: 'p1' }, { type: 'permitApproved', id: 'p1' }] });
    await app.inject({ method: 'POST', url: '/deliveries/retry?connector=registry', headers: { authorization: auth.authorization } });
    await app.inject({ method: 'POST', url: '/deliveries/d-404/retry', headers: { authorization: auth.authorization } });
    await app.inject({ method: 'POST', url: '/events', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, payload: { type: 'permitApproved' } });
    await app.inject({ method: 'GET', url: '/status', headers: auth });
    const lines = writeLines(harness).map(({ level, who, request, status, events, duplicates, connector, deliveryId, retried, error }) => ({ level, who, request, status, events, duplicates, connector, deliveryId, retried, error }));
    const undefinedFields = { events: undefined, duplicates: undefined, connector: undefined, deliveryId: undefined, retried: undefined, error: undefined };
    assert.deepEqual(lines, [
      { ...undefinedFields, level: 30, who: 'api token', request: 'POST /events', status: 202, events: 2, duplicates: 1 },
      { ...undefinedFields, level: 30, who: 'api token', request: 'POST /deliveries/retry', status: 202, connector: 'registry', retried: 0 },
      { ...undefinedFields, level: 30, who: 'api token', request: 'POST /deliveries/:id/retry', status: 404, deliveryId: 'd-404', error: 'NOT_FOUND' },
      { ...undefinedFields, level: 30, who: 'no valid token', request: 'POST /events', status: 401, error: 'UNAUTHORIZED' },
    ]);
  });

  test('names a write without a token "anonymous loopback", and counts a body it could not read as one refused event', async () => {
    const { harness, app } = await start();
    const response = await app.inject({ method: 'POST', url: '/events', headers: { 'content-type': 'application/json' }, payload: '[{"type":' });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(writeLines(harness).map(({ who, status, error }) => ({ who, status, error })), [{ who: 'anonymous loopback', status: 400, error: 'INGEST_INVALID_JSON' }]);
    assert.match((await harness.engine.metrics()).text, /^hms_sync_events_rejected_total\{reason="INGEST_INVALID_JSON"\} 1$/m);
  });
});
