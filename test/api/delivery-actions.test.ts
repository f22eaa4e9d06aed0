/**
 * Acting on deliveries over the HTTP API, against a real receiver and real SQLite: retry of
 * retrying and parked deliveries (due now, schedule kept), discard, and the bulk forms with a dry
 * run whose count the action then matches.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildServer } from '../../engine/api/server.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { startTestEngine } from '../helpers/test-engine.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const registry = `
name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: create
    on: permitApproved
    path: /permits/{permitId}
retry:
  schedule: [1m, 1h, 1d]
`;

describe('retry and discard over the API', () => {
  const fixture = useEngineFixture();

  /** An engine and its API; the receiver answers 503 until told otherwise. */
  async function setUp() {
    fixture.receiver.respond = () => 503;
    fixture.harness = await startTestEngine({ 'registry.yaml': registry }, { RECEIVER_URL: fixture.receiver.url });
    const harness = fixture.harness;
    const app = buildServer({ engine: harness.engine, logger: harness.logs.logger });
    const call = async (method: 'GET' | 'POST', url: string) => {
      const response = await app.inject({ method, url });
      return { status: response.statusCode, body: response.json() };
    };
    /** Emits permits, waits until each has had its first attempt, and gives back their delivery ids. */
    const emit = async (...permits: number[]) => {
      const ids: string[] = [];
      for (const permitId of permits) {
        await harness.engine.emit({ type: 'permitApproved', id: `p${permitId}`, permitId });
        ids.push((await harness.settled(`p${permitId}`)).deliveries[0]!.id);
      }
      return ids;
    };
    const delivery = async (id: string) => (await call('GET', `/deliveries/${id}`)).body;
    return { harness, app, call, emit, delivery };
  }

  test('retries a retrying delivery now, keeping its attempts and its place in the schedule', async () => {
    const { harness, app, call, emit, delivery } = await setUp();
    const [id] = await emit(1);
    assert.deepEqual([(await delivery(id!)).state, (await delivery(id!)).nextAttemptAt], ['retrying', new Date(harness.clock.now() + MINUTE).toISOString()]);
    assert.deepEqual(await call('POST', `/deliveries/${id}/retry`), { status: 202, body: { retried: 1 } });
    await harness.settled('p1', (d) => d.attempts === 2);
    const after = await delivery(id!);
    // Attempt 2 failed too: its next delay is the schedule's second (1h), not its first again.
    assert.deepEqual([after.state, after.attempts, after.nextAttemptAt], ['retrying', 2, new Date(harness.clock.now() + HOUR).toISOString()]);
    await app.close();
  });

  test('resumes a parked delivery of a configured connector, and refuses one whose connector is gone', async () => {
    const { harness, app, call, emit, delivery } = await setUp();
    const [id] = await emit(2);
    await harness.engine.store.reconcileConnectors(new Set(), harness.clock.now());
    assert.equal((await delivery(id!)).state, 'parked');
    fixture.receiver.respond = () => 200;
    assert.deepEqual(await call('POST', `/deliveries/${id}/retry`), { status: 202, body: { retried: 1 } });
    const done = await harness.settled('p2', (d) => d.state === 'delivered');
    assert.equal(done.deliveries[0]!.attempts, 2);

    fixture.receiver.respond = () => 503;
    const [other] = await emit(3);
    await harness.engine.store.reconcileConnectors(new Set(), harness.clock.now());
    harness.engine.registry.replace([]);
    const refused = await call('POST', `/deliveries/${other}/retry`);
    assert.deepEqual([refused.status, refused.body.error.code], [409, 'DELIVERY_NOT_RETRYABLE']);
    assert.match(refused.body.error.message, /connector "registry" is not configured/);
    await app.close();
  });

  test('discards a dead or retrying delivery: counted apart, never sent again, and retried only by hand', async () => {
    const { harness, app, call, emit, delivery } = await setUp();
    const [id] = await emit(4);
    assert.deepEqual(await call('POST', `/deliveries/${id}/discard`), { status: 200, body: { discarded: 1 } });
    const discarded = await delivery(id!);
    assert.deepEqual([discarded.state, discarded.nextAttemptAt, discarded.attempts], ['discarded', null, 1]);
    assert.equal((await call('GET', '/status')).body.deliveries.discarded, 1);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /^hms_sync_deliveries\{connector="registry",state="discarded"\} 1$/m);

    harness.clock.advance(2 * HOUR);
    assert.equal(await harness.engine.sweep(), 0, 'the sweep never claims a discarded delivery');
    const again = await call('POST', `/deliveries/${id}/discard`);
    assert.deepEqual([again.status, again.body.error.code], [409, 'DELIVERY_NOT_DISCARDABLE']);
    assert.match(again.body.error.message, /is discarded; only dead, retrying or parked deliveries can be discarded/);
    assert.deepEqual([(await call('POST', '/deliveries/nope/discard')).status], [404]);

    fixture.receiver.respond = () => 200;
    assert.deepEqual(await call('POST', `/deliveries/${id}/retry`), { status: 202, body: { retried: 1 } });
    assert.equal((await harness.settled('p4', (d) => d.state === 'delivered')).deliveries[0]!.attempts, 2);
    const delivered = await call('POST', `/deliveries/${id}/discard`);
    assert.deepEqual([delivered.status, delivered.body.error.code], [409, 'DELIVERY_NOT_DISCARDABLE']);
    await app.close();
  });

  test('bulk: a dry run changes nothing and answers the count and the first ids; the action then matches it', async () => {
    const { harness, app, call, emit } = await setUp();
    const ids = await emit(10, 11, 12, 13);
    const before = await call('GET', '/deliveries?state=retrying&order=asc');
    const dry = await call('POST', '/deliveries/retry?state=retrying&q=permitId%20%3E%2010&dryRun=true');
    assert.deepEqual(dry, { status: 200, body: { dryRun: true, matched: 3, sample: ids.slice(1) } });
    assert.deepEqual(await call('GET', '/deliveries?state=retrying&order=asc'), before, 'nothing changed');

    fixture.receiver.respond = () => 200;
    assert.deepEqual(await call('POST', '/deliveries/retry?state=retrying&q=permitId%20%3E%2010'), { status: 202, body: { matched: 3, retried: 3 } });
    for (const permit of [11, 12, 13]) assert.equal((await harness.settled(`p${permit}`, (d) => d.state === 'delivered')).deliveries[0]!.attempts, 2);
    assert.deepEqual((await call('GET', '/deliveries?state=retrying')).body.deliveries.map((d: { id: string }) => d.id), [ids[0]]);

    assert.deepEqual(await call('POST', '/deliveries/discard?state=retrying,dead&dryRun=true'), { status: 200, body: { dryRun: true, matched: 1, sample: [ids[0]] } });
    assert.deepEqual(await call('POST', '/deliveries/discard?state=retrying,dead'), { status: 200, body: { matched: 1, discarded: 1 } });
    assert.deepEqual(await call('POST', '/deliveries/discard'), { status: 200, body: { matched: 0, discarded: 0 } }, 'without state: the dead ones, and there are none');

    const wrong = await call('POST', '/deliveries/retry?state=delivered');
    assert.deepEqual([wrong.status, wrong.body.error.code], [400, 'QUERY_INVALID']);
    assert.match(wrong.body.error.message, /"state" delivered cannot be retried; retry takes dead, discarded, retrying or parked/);
    assert.equal((await call('POST', '/deliveries/discard?limit=5')).status, 400, 'paging parameters belong to GET');
    assert.equal((await call('POST', '/deliveries/retry?dryRun=yes')).status, 400);

    const writes = harness.logs.lines().filter((line) => line.msg === 'api write' && String(line.request).startsWith('POST /deliveries/'));
    assert.deepEqual(writes.slice(0, 2).map(({ who, request, state, q, dryRun, matched, retried }) => ({ who, request, state, q, dryRun, matched, retried })), [
      { who: 'anonymous loopback', request: 'POST /deliveries/retry', state: 'retrying', q: 'permitId > 10', dryRun: 'true', matched: 3, retried: undefined },
      { who: 'anonymous loopback', request: 'POST /deliveries/retry', state: 'retrying', q: 'permitId > 10', dryRun: undefined, matched: undefined, retried: 3 },
    ]);
    await app.close();
  });
});
