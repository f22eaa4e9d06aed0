/**
 * Token roles over the API: the API token may do everything, the read token every read, the
 * ingest token POST /events, the metrics token GET /metrics; no token or an unknown one is 401,
 * a known token without the right 403, whatever the endpoint. Every write names its token in the log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildServer } from '../../engine/api/server.js';
import { startTestEngine, type TestEngine } from '../helpers/test-engine.js';

const TOKENS = { api: 'api-token-1d6c0f3a', read: 'read-token-8b2e7c41', ingest: 'ingest-token-5a9d3e26', metrics: 'metrics-token-7f4b1c98' } as const;
const CONNECTOR = `
name: registry
target:
  url: http://127.0.0.1:9
routes:
  - name: create
    on: permitApproved
`;

/** One request of each kind, and which roles may make it. */
const ENDPOINTS: readonly { method: 'GET' | 'POST'; url: string; roles: readonly (keyof typeof TOKENS)[] }[] = [
  { method: 'GET', url: '/status', roles: ['api', 'read'] },
  { method: 'GET', url: '/events/e1', roles: ['api', 'read'] },
  { method: 'GET', url: '/deliveries?state=dead,retrying', roles: ['api', 'read'] },
  { method: 'GET', url: '/deliveries/nope', roles: ['api', 'read'] },
  { method: 'GET', url: '/metrics', roles: ['api', 'read', 'metrics'] },
  { method: 'POST', url: '/events', roles: ['api', 'ingest'] },
  { method: 'POST', url: '/deliveries/nope/retry', roles: ['api'] },
  { method: 'POST', url: '/deliveries/nope/discard', roles: ['api'] },
  { method: 'POST', url: '/deliveries/retry?dryRun=true', roles: ['api'] },
  { method: 'POST', url: '/deliveries/discard?dryRun=true', roles: ['api'] },
];

describe('token roles', () => {
  let harness: TestEngine;
  let app: ReturnType<typeof buildServer>;

  before(async () => {
    harness = await startTestEngine({ 'registry.yaml': CONNECTOR });
    app = buildServer({ engine: harness.engine, logger: harness.logs.logger, apiToken: TOKENS.api, readToken: TOKENS.read, ingestToken: TOKENS.ingest, metricsToken: TOKENS.metrics });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await harness.close();
  });

  const call = (endpoint: (typeof ENDPOINTS)[number], authorization: string | undefined) =>
    app.inject({
      method: endpoint.method,
      url: endpoint.url,
      headers: { 'content-type': 'application/json', ...(authorization !== undefined && { authorization }) },
      ...(endpoint.method === 'POST' && { payload: JSON.stringify({ type: 'permitApproved', id: 'e1' }) }),
    });

  test('each role may make the requests of its rights, and gets 403 FORBIDDEN for the others', async () => {
    for (const role of Object.keys(TOKENS) as (keyof typeof TOKENS)[]) {
      for (const endpoint of ENDPOINTS) {
        const response = await call(endpoint, `Bearer ${TOKENS[role]}`);
        const where = `${role} token: ${endpoint.method} ${endpoint.url}`;
        if (endpoint.roles.includes(role)) {
          assert.ok(response.statusCode !== 401 && response.statusCode !== 403, `${where} answered ${response.statusCode}`);
        } else {
          assert.equal(response.statusCode, 403, where);
          assert.equal(response.json().error.code, 'FORBIDDEN', where);
          assert.match(response.json().error.message, new RegExp(`^the ${role} token may not make ${endpoint.method} `), where);
        }
      }
    }
  });

  test('no token, a wrong one or another scheme is 401 UNAUTHORIZED everywhere but the probes', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKENS.read}`, `Bearer ${TOKENS.api}x`, TOKENS.api]) {
      for (const endpoint of ENDPOINTS) {
        const response = await call(endpoint, authorization);
        assert.equal(response.statusCode, 401, `${endpoint.method} ${endpoint.url} with ${authorization}`);
        assert.equal(response.json().error.code, 'UNAUTHORIZED');
      }
    }
    for (const url of ['/healthz', '/readyz']) assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url);
  });

  test('logs each write with the token that made it, refused or not', async () => {
    const from = harness.logs.lines().length;
    await call(ENDPOINTS.find((e) => e.url === '/deliveries/nope/retry')!, `Bearer ${TOKENS.read}`);
    await call(ENDPOINTS.find((e) => e.url === '/events')!, `Bearer ${TOKENS.ingest}`);
    await call(ENDPOINTS.find((e) => e.url === '/deliveries/nope/discard')!, 'Bearer wrong');
    const writes = harness.logs.lines().slice(from).filter((line) => line.msg === 'api write');
    assert.deepEqual(writes.map(({ who, request, status, error }) => ({ who, request, status, error })), [
      { who: 'read token', request: 'POST /deliveries/:id/retry', status: 403, error: 'FORBIDDEN' },
      { who: 'ingest token', request: 'POST /events', status: 202, error: undefined },
      { who: 'no valid token', request: 'POST /deliveries/:id/discard', status: 401, error: 'UNAUTHORIZED' },
    ]);
  });
});
