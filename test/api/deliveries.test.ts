/**
 * Finding and reading deliveries over the HTTP API, against a real receiver and real SQLite:
 * GET /deliveries with every filter (and every bad one), q and its guardrails, GET /deliveries/:id
 * with the request of each attempt (as sent, or rendered now), GET /events/:id with its body.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, after, describe, test } from 'node:test';
import { buildServer } from '../../engine/api/server.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startTestEngine, type TestEngine } from '../helpers/test-engine.js';

const KEY = 'registry-key-4f9a2c71';
const registry = `
name: registry
target:
  url: \${env:RECEIVER_URL}
  headers:
    X-Api-Key: \${env:REGISTRY_KEY}
routes:
  - name: create
    on: "permit.*"
    path: /permits/{permitId}
    map: '{ "permit": permitId, "token": "\${env:REGISTRY_KEY}" }'
retry:
  schedule: [5s, 5s]
`;
const warehouse = `
name: warehouse
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: rows
    on: "*"
    path: /rows
`;

type Item = { id: string; eventId: string; connector: string; state: string; attempts: number };

describe('GET /deliveries and GET /deliveries/:id', () => {
  let receiver: Receiver;
  let harness: TestEngine;
  let app: ReturnType<typeof buildServer>;
  /** Delivery ids by `<event>/<connector>`. */
  const ids: Record<string, string> = {};
  const start = Date.UTC(2026, 10, 27, 8, 0, 0);

  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json() };
  };
  const list = async (query: string) => {
    const answer = await get(`/deliveries${query}`);
    assert.equal(answer.status, 200, `${query}: ${JSON.stringify(answer.body)}`);
    return (answer.body.deliveries as Item[]).map((d) => `${d.eventId}/${d.connector}`);
  };

  before(async () => {
    // Permit 123 is refused (dead), permit 124 fails for now (retrying); the rest is taken.
    receiver = await startReceiver((request) => (request.url === '/permits/123' ? { status: 400, body: `unknown permit; key ${KEY}` } : request.url === '/permits/124' ? 503 : 200));
    harness = await startTestEngine({ 'registry.yaml': registry, 'warehouse.yaml': warehouse }, { RECEIVER_URL: receiver.url, REGISTRY_KEY: KEY });
    app = buildServer({ engine: harness.engine, logger: harness.logs.logger });
    const events = [
      { type: 'permit.approved', id: 'e1', permitId: 123, inspector: 'Lee' },
      { type: 'permit.cancelled', id: 'e2', permitId: 124, inspector: 'Kim' },
      { type: 'invoice.paid', id: 'e3', amount: 50 },
    ];
    for (const event of events) {
      await harness.engine.emit(event);
      const view = await harness.settled(event.id);
      for (const d of view.deliveries) ids[`${event.id}/${d.connector}`] = d.id;
      harness.clock.advance(1_000);
    }
    // A second attempt of e2's registry delivery, due 5 s after its first.
    harness.clock.advance(5_000);
    await harness.engine.sweep();
    await harness.settled('e2', (d) => d.attempts === 2 || d.connector === 'warehouse');
  });
  after(async () => {
    await app.close();
    await harness.close();
    await receiver.close();
  });

  test('lists every delivery newest first, oldest first with order=asc, a page at a time', async () => {
    assert.deepEqual(await list(''), ['e3/warehouse', 'e2/warehouse', 'e2/registry', 'e1/warehouse', 'e1/registry']);
    assert.deepEqual(await list('?order=asc'), ['e1/registry', 'e1/warehouse', 'e2/registry', 'e2/warehouse', 'e3/warehouse']);
    const first = await get('/deliveries?limit=2');
    assert.deepEqual(first.body.deliveries.map((d: Item) => d.id), [ids['e3/warehouse'], ids['e2/warehouse']]);
    const second = await get(`/deliveries?limit=2&after=${first.body.next}`);
    const third = await get(`/deliveries?limit=2&after=${second.body.next}`);
    assert.deepEqual([...second.body.deliveries, ...third.body.deliveries].map((d: Item) => d.id), [ids['e2/registry'], ids['e1/warehouse'], ids['e1/registry']]);
    assert.equal(third.body.next, null);
    const [dead] = (await get('/deliveries?eventId=e1&connector=registry')).body.deliveries;
    assert.deepEqual(dead, {
      id: ids['e1/registry'], eventId: 'e1', eventType: 'permit.approved', connector: 'registry', route: 'create', state: 'dead', attempts: 1, lastStatus: 400,
      lastError: dead.lastError, acceptedAt: new Date(start).toISOString(), updatedAt: dead.updatedAt, nextAttemptAt: null, deadSince: dead.updatedAt,
    });
    assert.match(dead.lastError, /^TARGET_REJECTED: HTTP 400/);
    assert.ok(!JSON.stringify(dead).includes(KEY), 'the key the target echoed is not shown');
  });

  test('filters by each parameter, and by several at once', async () => {
    const at = (seconds: number) => new Date(start + seconds * 1_000).toISOString();
    const cases: [string, string[]][] = [
      ['?connector=registry', ['e2/registry', 'e1/registry']],
      ['?connector=registry,warehouse&route=rows', ['e3/warehouse', 'e2/warehouse', 'e1/warehouse']],
      ['?state=retrying', ['e2/registry']],
      ['?state=dead', ['e1/registry']],
      ['?state=dead,retrying&order=desc', ['e2/registry', 'e1/registry']],
      ['?state=delivered&connector=warehouse&limit=2', ['e3/warehouse', 'e2/warehouse']],
      ['?eventType=permit.*', ['e2/warehouse', 'e2/registry', 'e1/warehouse', 'e1/registry']],
      ['?eventType=invoice.paid,permit.cancelled', ['e3/warehouse', 'e2/warehouse', 'e2/registry']],
      ['?eventId=e2', ['e2/warehouse', 'e2/registry']],
      [`?since=${at(1)}`, ['e3/warehouse', 'e2/warehouse', 'e2/registry']],
      [`?until=${at(1)}`, ['e1/warehouse', 'e1/registry']],
      [`?since=${at(1)}&until=${at(2)}`, ['e2/warehouse', 'e2/registry']],
      ['?since=2026-11-27', ['e3/warehouse', 'e2/warehouse', 'e2/registry', 'e1/warehouse', 'e1/registry']],
      ['?status=4xx', ['e1/registry']],
      ['?status=5xx', ['e2/registry']],
      ['?status=2xx&connector=warehouse', ['e3/warehouse', 'e2/warehouse', 'e1/warehouse']],
      ['?status=400,503', ['e2/registry', 'e1/registry']],
      ['?status=network', []],
      ['?minAttempts=2', ['e2/registry']],
      ['?q=permitId = 123', ['e1/warehouse', 'e1/registry']],
      ['?q=inspector in ["Lee", "Kim"]&connector=registry&state=dead', ['e1/registry']],
    ];
    for (const [query, expected] of cases) assert.deepEqual(await list(query.replaceAll(' ', '%20')), expected, query);
    const withQ = await get('/deliveries?q=amount%20%3E%2010');
    assert.deepEqual([withQ.body.deliveries.map((d: Item) => d.eventId), withQ.body.scanned, withQ.body.next], [['e3'], 5, null]);
  });

  test('refuses every bad filter with 400 QUERY_INVALID naming the parameter', async () => {
    const cases: [string, string][] = [
      ['?conector=registry', 'unknown query parameter "conector"'],
      ['?state=dead&state=retrying', '"state" must be given once'],
      ['?state=gone', '"state" "gone" is not a state'],
      ['?state=dead,,retrying', '"state" has an empty item'],
      ['?connector=', 'query parameter "connector" must be given once, with a value'],
      ['?eventType=permit approved', '"eventType" "permit approved" is not an event type or glob'],
      ['?since=yesterday', '"since" must be an ISO 8601 date or time'],
      ['?until=2026-13-45T99:00:00Z', '"until" must be an ISO 8601 date or time'],
      ['?since=2026-11-28&until=2026-11-27', '"since" (2026-11-28) must be before "until" (2026-11-27)'],
      ['?status=6xx', '"status" "6xx" is neither a class'],
      ['?status=42', '"status" "42" is neither a class'],
      ['?minAttempts=-1', '"minAttempts" must be a whole number from 0'],
      ['?order=sideways', '"order" must be desc or asc'],
      ['?limit=0', '"limit" must be a whole number from 1 to 1000'],
      ['?limit=1001', '"limit" must be a whole number from 1 to 1000'],
      ['?after=xyz', '"after" must be the "next" of an earlier page'],
      ['?q=permitId ==', '"q" is not a valid JSONata predicate at column'],
      ['?q=$lowcase(inspector) = "lee"', '"q" is not a valid JSONata predicate at column 1'],
      [`?q=${'x'.repeat(2_001)}`, '"q" is 2001 characters long'],
    ];
    for (const [query, mention] of cases) {
      const answer = await get(`/deliveries${query.replaceAll(' ', '%20')}`);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.error.code, 'QUERY_INVALID', query);
      assert.ok(answer.body.error.message.includes(mention), `${query}: ${answer.body.error.message}`);
    }
  });

  test('stops a runaway q at its guardrail, and the engine answers the next request', async () => {
    const runaway = await get(`/deliveries?q=${encodeURIComponent('$count([1..9999999].($ * 2)) > 0')}`);
    assert.deepEqual([runaway.status, runaway.body.error.code], [400, 'QUERY_INVALID']);
    assert.match(runaway.body.error.message, /timeout after 250 milliseconds/);
    const started = performance.now();
    assert.equal((await get('/status')).status, 200);
    assert.ok(performance.now() - started < 5_000, 'loosely: the engine is not stuck');
  });

  test('shows a failed attempt with the request it sent, secrets masked, and the start of the answer', async () => {
    const { status, body } = await get(`/deliveries/${ids['e1/registry']}`);
    assert.equal(status, 200);
    assert.deepEqual([body.id, body.state, body.eventBody, body.traceparent], [ids['e1/registry'], 'dead', { type: 'permit.approved', id: 'e1', permitId: 123, inspector: 'Lee' }, null]);
    const [only] = body.history;
    assert.equal(only.status, 400);
    assert.equal(only.responseBody, 'unknown permit; key [REDACTED]');
    assert.equal(only.request.rendered, 'sent');
    assert.equal(only.request.method, 'POST');
    assert.equal(only.request.url, '[REDACTED]/permits/123', 'the URL came from the environment: a secret, as preview shows it');
    assert.equal(only.request.headers['X-Api-Key'], '[REDACTED]');
    assert.equal(only.request.headers['idempotency-key'], ids['e1/registry']);
    assert.deepEqual(JSON.parse(only.request.body), { permit: 123, token: '[REDACTED]' });
    assert.equal(only.request.bodyBytes, Buffer.byteLength(JSON.stringify({ permit: 123, token: KEY })));
    assert.ok(!JSON.stringify(body).includes(KEY));
  });

  test('shows a delivered attempt with its request rendered now, and says when the configuration changed since', async () => {
    const page = async () => (await get(`/deliveries/${ids['e1/warehouse']}`)).body;
    const [delivered] = (await page()).history;
    assert.deepEqual([delivered.status, delivered.request.rendered, delivered.request.revision, delivered.request.note], [200, 'now', delivered.revision, undefined]);
    assert.match(delivered.request.connectorRevision, /^[0-9a-f]{12}$/);
    assert.deepEqual(JSON.parse(delivered.request.body), { type: 'permit.approved', id: 'e1', permitId: 123, inspector: 'Lee' });

    await writeFile(join(harness.dataDir, '..', 'connectors.d', 'warehouse.yaml'), warehouse.replace('path: /rows', 'path: /v2/rows'));
    await harness.engine.reload();
    const [again] = (await page()).history;
    assert.notEqual(again.request.revision, again.revision);
    assert.equal(again.request.url, '[REDACTED]/v2/rows');
    assert.match(again.request.note, /rendered now with configuration .*; the attempt was made with .*, so the connector may have changed since/);
    await writeFile(join(harness.dataDir, '..', 'connectors.d', 'warehouse.yaml'), warehouse);
    await harness.engine.reload();
  });

  test('answers 404 for an unknown delivery', async () => {
    const missing = await get('/deliveries/no-such-delivery');
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'NOT_FOUND']);
  });

  test('GET /events/:id gives the event body, and leaves it out with body=false', async () => {
    assert.deepEqual((await get('/events/e3')).body.body, { type: 'invoice.paid', id: 'e3', amount: 50 });
    const without = await get('/events/e3?body=false');
    assert.equal(without.status, 200);
    assert.equal('body' in without.body, false);
    assert.equal((await get('/events/e3?body=maybe')).status, 400);
  });
});
