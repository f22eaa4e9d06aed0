/**
 * Batched routes and ordering keys, end to end against a real receiver and real SQLite.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchIdempotencyKey } from '../../engine/dispatch/send-unit.js';
import type { DeliveryView } from '../../engine/store/store.js';
import { startTestEngine } from '../helpers/test-engine.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

const BATCHED = (batch: string, format = '') => `
name: warehouse
target: { url: "\${env:RECEIVER_URL}" }
routes:
  - name: load
    on: tick
    path: /load
    map: '{ "id": id, "n": n }'
    batch: ${batch}
${format}retry: { schedule: [5s, 5s] }
`;

const ORDERED = `
name: registry
target: { url: "\${env:RECEIVER_URL}" }
routes:
  - name: upsert
    on: permit
    path: /permits/{id}
concurrency: 8
orderingKey: permitId
retry: { schedule: [5s] }
`;

describe('batches and ordering', () => {
  const fixture = useEngineFixture();

  test('sends a batch as one JSON array request; a failed batch is retried whole, each item with its own record', async () => {
    fixture.harness = await startTestEngine({ 'warehouse.yaml': BATCHED('{ maxEvents: 3, maxWait: 1m }') }, { RECEIVER_URL: fixture.receiver.url });
    const { engine, clock } = fixture.harness;
    fixture.receiver.respond = (_request, index) => (index === 0 ? { status: 503, body: 'warming up' } : 200);
    const ids = (await engine.ingest([1, 2, 3].map((n) => ({ type: 'tick', id: `w${n}`, n })))).map((r) => r.id);
    await fixture.receiver.waitFor(1);
    const [first] = fixture.receiver.requests;
    assert.equal(first!.url, '/load');
    assert.equal(first!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(first!.body), [{ id: 'w1', n: 1 }, { id: 'w2', n: 2 }, { id: 'w3', n: 3 }]);
    const deliveries: DeliveryView[] = [];
    for (const id of ids) deliveries.push((await fixture.harness.settled(id)).deliveries[0]!);
    assert.deepEqual(deliveries.map((d) => [d.state, d.attempts, d.lastError]), ids.map(() => ['retrying', 1, 'TARGET_UNAVAILABLE: HTTP 503: warming up']));
    assert.equal(new Set(deliveries.map((d) => d.nextAttemptAt)).size, 1, 'the items are due together');
    assert.equal(first!.headers['idempotency-key'], batchIdempotencyKey(deliveries.map((d) => d.id)));

    clock.advance(5_000);
    assert.equal(await engine.sweep(), 3);
    await fixture.receiver.waitFor(2);
    const retry = fixture.receiver.requests[1]!;
    assert.equal(JSON.parse(retry.body).length, 3, 'retried as a whole');
    assert.equal(retry.headers['idempotency-key'], first!.headers['idempotency-key'], 'same deliveries, same key');
    for (const id of ids) {
      const delivered: DeliveryView = (await fixture.harness.settled(id, (d) => d.state === 'delivered')).deliveries[0]!;
      assert.deepEqual(delivered.history.map((a) => [a.attempt, a.status]), [[1, 503], [2, 200]]);
    }
  });

  test('flushes a batch at maxWait, as NDJSON with format ndjson', async () => {
    fixture.harness = await startTestEngine({ 'warehouse.yaml': BATCHED('{ maxEvents: 100, maxWait: 50ms }', '    format: ndjson\n') }, { RECEIVER_URL: fixture.receiver.url });
    const ids = (await fixture.harness.engine.ingest([{ type: 'tick', id: 'n1', n: 1 }, { type: 'tick', id: 'n2', n: 2 }])).map((r) => r.id);
    await fixture.receiver.waitFor(1);
    const [request] = fixture.receiver.requests;
    assert.equal(request!.headers['content-type'], 'application/x-ndjson');
    assert.equal(request!.body, '{"id":"n1","n":1}\n{"id":"n2","n":2}\n');
    for (const id of ids) assert.equal((await fixture.harness.settled(id)).deliveries[0]!.state, 'delivered');
    assert.equal(fixture.receiver.requests.length, 1);
  });

  test('sends the deliveries of one ordering key one at a time, in order, while other keys flow', async () => {
    fixture.harness = await startTestEngine({ 'registry.yaml': ORDERED }, { RECEIVER_URL: fixture.receiver.url });
    const { engine, clock } = fixture.harness;
    let inFlightP2 = 0;
    let peakP2 = 0;
    fixture.receiver.respond = (request) => {
      const body = JSON.parse(request.body) as { id: string; permitId: string };
      if (body.id === 'p1-a' && fixture.receiver.requests.filter((r) => r.body.includes('"p1-a"')).length === 1) return { status: 503, body: 'locked' };
      if (body.permitId === 'P2') {
        inFlightP2 += 1;
        peakP2 = Math.max(peakP2, inFlightP2);
        setTimeout(() => (inFlightP2 -= 1), 20);
        return { status: 200, delayMs: 20 };
      }
      return 200;
    };
    const events = ['p1-a', 'p2-a', 'p1-b', 'p2-b', 'p1-c', 'p2-c', 'free'].map((id) => ({ type: 'permit', id, ...(id === 'free' ? {} : { permitId: id.startsWith('p1') ? 'P1' : 'P2' }) }));
    await engine.ingest(events);

    for (const id of ['p2-a', 'p2-b', 'p2-c', 'free']) assert.equal((await fixture.harness.settled(id)).deliveries[0]!.state, 'delivered', id);
    assert.equal((await fixture.harness.settled('p1-a')).deliveries[0]!.state, 'retrying');
    for (const id of ['p1-b', 'p1-c']) {
      const waiting = (await engine.getEvent(id))!.deliveries[0]!;
      assert.deepEqual([waiting.state, waiting.attempts], ['pending', 0], `${id} waits behind p1-a`);
    }
    assert.equal(peakP2, 1, 'one P2 request at a time');
    const sent = (key: string) => fixture.receiver.requests.map((r) => JSON.parse(r.body) as { id: string; permitId?: string }).filter((b) => b.permitId === key).map((b) => b.id);
    assert.deepEqual(sent('P2'), ['p2-a', 'p2-b', 'p2-c']);
    assert.deepEqual(sent('P1'), ['p1-a']);

    clock.advance(5_000);
    await engine.sweep();
    for (const id of ['p1-a', 'p1-b', 'p1-c']) assert.equal((await fixture.harness.settled(id, (d) => d.state === 'delivered')).deliveries[0]!.state, 'delivered');
    assert.deepEqual(sent('P1'), ['p1-a', 'p1-a', 'p1-b', 'p1-c']);
  });

  test('a failing orderingKey expression makes the delivery dead with MAPPING_FAILED; no key means unordered', async () => {
    const yaml = ORDERED.replace('orderingKey: permitId', 'orderingKey: \'permitId = "bad" ? $error("bad permit") : permitId\'');
    fixture.harness = await startTestEngine({ 'registry.yaml': yaml }, { RECEIVER_URL: fixture.receiver.url });
    const [bad, none] = await fixture.harness.engine.ingest([
      { type: 'permit', id: 'k1', permitId: 'bad' },
      { type: 'permit', id: 'k2' },
    ]);
    const dead = (await fixture.harness.settled(bad!.id)).deliveries[0]!;
    assert.deepEqual([dead.state, dead.attempts], ['dead', 0]);
    assert.match(dead.lastError!, /^MAPPING_FAILED: orderingKey: bad permit/);
    assert.equal((await fixture.harness.settled(none!.id)).deliveries[0]!.state, 'delivered');
  });
});
