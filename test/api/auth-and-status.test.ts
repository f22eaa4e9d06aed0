import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildServer } from '../../engine/api/server.js';
import { isLoopbackHost } from '../../engine/api/api-token.js';
import { startTestEngine, type TestEngine } from '../helpers/test-engine.js';

const TOKEN = 'api-token-7c1e4b2a9d';
const HEADER_SECRET = 'registry-key-55aa77cc';
const CONNECTOR = `
name: registry
target:
  url: http://127.0.0.1:9
  headers:
    X-Api-Key: ${HEADER_SECRET}
routes:
  - name: create
    on: permitApproved
`;

describe('API token and GET /status', () => {
  let harness: TestEngine;
  let app: ReturnType<typeof buildServer>;

  before(async () => {
    harness = await startTestEngine({ 'registry.yaml': CONNECTOR });
    app = buildServer({ engine: harness.engine, logger: harness.logs.logger, apiToken: TOKEN });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await harness.close();
  });

  test('GET /healthz needs no token', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });

  test('every other endpoint answers 401 without the right bearer token', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, TOKEN]) {
      const headers = authorization === undefined ? {} : { authorization };
      for (const [method, url] of [['GET', '/status'], ['GET', '/events/x'], ['POST', '/events'], ['GET', '/deliveries?state=dead'], ['POST', '/deliveries/retry'], ['POST', '/deliveries/x/retry']] as const) {
        const response = await app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: method === 'POST' ? '{"type":"permitApproved"}' : undefined });
        assert.equal(response.statusCode, 401, `${method} ${url} with ${authorization}`);
        assert.equal(response.json().error.code, 'UNAUTHORIZED');
      }
    }
    assert.equal((await harness.engine.status()).deliveries.pending + (await harness.engine.status()).deliveries.retrying, 0, 'nothing was accepted');
  });

  test('GET /status shows revision, connectors, files, delivery counts and store health, and no secrets', async () => {
    const response = await app.inject({ method: 'GET', url: '/status', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.match(body.revision, /^[0-9a-f]{12}$/);
    assert.deepEqual(body.connectors.map((c: { name: string; routes: string[] }) => [c.name, c.routes]), [['registry', ['create']]]);
    assert.match(body.connectors[0].file, /registry\.yaml$/);
    assert.deepEqual(body.files.map((f: { serving: string; problems: unknown[] }) => [f.serving, f.problems]), [['registry', []]]);
    assert.equal(typeof body.deliveries.dead, 'number');
    const { sizeBytes, dataBytes, freeBytes, ...store } = body.store;
    assert.ok(sizeBytes >= dataBytes && dataBytes > 0 && freeBytes > 0, JSON.stringify(body.store));
    assert.deepEqual(store, {
      location: `sqlite:${harness.dataDir}`,
      writable: true,
      lastFailure: null,
      maxSizeBytes: null,
      full: false,
      oldestPendingAt: null,
      retention: { delivered: '7d', events: '30d', dead: 'never' },
      lastRetention: null,
    });
    assert.ok(!response.body.includes(HEADER_SECRET));
    assert.ok(!response.body.includes('127.0.0.1:9'), 'target URLs are not shown');
  });

  test('loopback detection', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', 'example.org']) assert.equal(isLoopbackHost(host), false, host);
  });
});
