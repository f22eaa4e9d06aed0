/**
 * Dead letters over the HTTP API as clients written before filters use it, against a real receiver
 * and real SQLite: GET /deliveries?state=dead lists them oldest first, a page at a time;
 * POST /deliveries/:id/retry and POST /deliveries/retry send them again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildServer } from '../../engine/api/server.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { startTestEngine } from '../helpers/test-engine.js';

const registry = `
name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: create
    on: permitApproved
    path: /permits
retry:
  schedule: [5s]
`;

describe('dead letters over the API', () => {
  const fixture = useEngineFixture();

  /** An engine and its API, with three permitApproved events dead of a 400 answer. */
  async function withThreeDead() {
    fixture.harness = await startTestEngine({ 'registry.yaml': registry }, { RECEIVER_URL: fixture.receiver.url });
    const { engine } = fixture.harness;
    const app = buildServer({ engine, logger: fixture.harness.logs.logger });
    fixture.receiver.respond = () => ({ status: 400, body: '{"error":"inspector unknown"}' });
    const ids = ['p1', 'p2', 'p3'];
    for (const id of ids) await fixture.harness.settled(await engine.emit({ type: 'permitApproved', id }));
    fixture.receiver.respond = () => 200;
    const call = async (method: 'GET' | 'POST', url: string) => {
      const response = await app.inject({ method, url });
      return { status: response.statusCode, body: response.json() };
    };
    return { app, call, ids, harness: fixture.harness };
  }

  test('GET /deliveries?state=dead lists them oldest first, a page at a time', async () => {
    const { app, call } = await withThreeDead();
    const first = await call('GET', '/deliveries?state=dead&limit=2');
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.body.deliveries.map((d: Record<string, unknown>) => [d.eventId, d.eventType, d.connector, d.route, d.state, d.attempts, d.lastStatus]),
      [
        ['p1', 'permitApproved', 'registry', 'create', 'dead', 1, 400],
        ['p2', 'permitApproved', 'registry', 'create', 'dead', 1, 400],
      ],
    );
    assert.match(first.body.deliveries[0].lastError, /^TARGET_REJECTED: HTTP 400/);
    assert.equal(first.body.deliveries[0].deadSince, '2026-11-27T08:00:00.000Z');
    assert.equal(typeof first.body.next, 'string');
    const second = await call('GET', `/deliveries?state=dead&limit=2&after=${first.body.next}`);
    assert.deepEqual(second.body.deliveries.map((d: { eventId: string }) => d.eventId), ['p3']);
    assert.equal(second.body.next, null);
    assert.equal((await call('GET', '/deliveries?state=dead&connector=other')).body.deliveries.length, 0);
    await app.close();
  });

  test('a bad query is a 400 naming the parameter, and nothing is listed', async () => {
    const { app, call } = await withThreeDead();
    for (const [query, mention] of [
      ['?state=deadish', '"state" "deadish" is not a state'],
      ['?state=dead&limit=0', '"limit"'],
      ['?state=dead&limit=1001', '"limit"'],
      ['?state=dead&limit=ten', '"limit"'],
      ['?state=dead&after=abc', '"after"'],
      ['?state=dead&state=dead', '"state" must be given once'],
      ['?state=dead&conector=registry', 'unknown query parameter "conector"'],
    ] as const) {
      const answer = await call('GET', `/deliveries${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.error.code, 'QUERY_INVALID', query);
      assert.ok(answer.body.error.message.includes(mention), `${query}: ${answer.body.error.message}`);
    }
    await app.close();
  });

  test('POST /deliveries/:id/retry sends one again with the same Idempotency-Key, and refuses what is not dead', async () => {
    const { app, call, harness } = await withThreeDead();
    const [dead] = (await call('GET', '/deliveries?state=dead&limit=1')).body.deliveries;
    assert.deepEqual(await call('POST', `/deliveries/${dead.id}/retry`), { status: 202, body: { retried: 1 } });
    const event = await harness.settled('p1', (d) => d.state === 'delivered');
    assert.deepEqual(event.deliveries.map((d) => [d.state, d.attempts, d.history.map((a) => a.status)]), [['delivered', 2, [400, 200]]]);
    const keys = fixture.receiver.requests.filter((r) => r.headers['idempotency-key'] === dead.id);
    assert.equal(keys.length, 2, 'the first attempt and the retry carry the delivery id');

    const again = await call('POST', `/deliveries/${dead.id}/retry`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'DELIVERY_NOT_RETRYABLE');
    assert.match(again.body.error.message, /is delivered; only dead, discarded, retrying or parked deliveries can be retried/);
    const unknown = await call('POST', '/deliveries/no-such-delivery/retry');
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'NOT_FOUND']);
    assert.deepEqual((await call('GET', '/deliveries?state=dead')).body.deliveries.map((d: { eventId: string }) => d.eventId), ['p2', 'p3']);
    await app.close();
  });

  test('POST /deliveries/retry?connector= sends every dead delivery of that connector again', async () => {
    const { app, call, ids, harness } = await withThreeDead();
    const unconfigured = await call('POST', '/deliveries/retry?connector=warehouse');
    assert.deepEqual([unconfigured.status, unconfigured.body.error.code], [409, 'DELIVERY_NOT_RETRYABLE']);
    assert.match(unconfigured.body.error.message, /connector "warehouse" is not configured/);
    assert.equal((await call('POST', '/deliveries/retry?connector=registry&x=1')).status, 400);

    assert.deepEqual(await call('POST', '/deliveries/retry?connector=registry'), { status: 202, body: { matched: 3, retried: 3 } });
    for (const id of ids) assert.equal((await harness.settled(id, (d) => d.state === 'delivered')).deliveries[0]!.attempts, 2);
    assert.deepEqual((await call('GET', '/deliveries?state=dead')).body, { deliveries: [], next: null });
    assert.deepEqual(await call('POST', '/deliveries/retry'), { status: 202, body: { matched: 0, retried: 0 } });
    await app.close();
  });
});
