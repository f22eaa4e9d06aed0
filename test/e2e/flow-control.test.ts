/**
 * Per-connector flow control, end to end against a real receiver and real SQLite: the rate limit
 * (measured from arrival times, on the real clock) and the circuit breaker (on a manual clock).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toStatusResponse } from '../../engine/api/status-response.js';
import { systemClock } from '../../engine/clock.js';
import { startTestEngine } from '../helpers/test-engine.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { waitUntil } from '../helpers/wait-until.js';

describe('connector flow control', () => {
  const fixture = useEngineFixture();

  test('rateLimit 20/s spaces requests at 20 per second, beside concurrency', async () => {
    const yaml = `name: paced\ntarget: { url: "\${env:RECEIVER_URL}" }\nroutes:\n  - on: tick\nconcurrency: 16\nrateLimit: 20/s\n`;
    fixture.harness = await startTestEngine({ 'paced.yaml': yaml }, { RECEIVER_URL: fixture.receiver.url }, { clock: systemClock });
    const count = 30;
    const results = await fixture.harness.engine.ingest(Array.from({ length: count }, (_, i) => ({ type: 'tick', id: `r${i}` })));
    await fixture.receiver.waitFor(count, 10_000);
    for (const { id } of results) assert.equal((await fixture.harness.settled(id)).deliveries[0]!.state, 'delivered');
    const arrivals = fixture.receiver.requests.map((r) => r.at).sort((a, b) => a - b);
    // A burst of 2 (a tenth of a second's share), then one every 50 ms: about 1.4 s for 30.
    const spanMs = arrivals.at(-1)! - arrivals[0]!;
    assert.ok(spanMs >= 1_100 && spanMs <= 3_000, `30 requests took ${spanMs} ms`);
    for (const start of arrivals) {
      const inOneSecond = arrivals.filter((at) => at >= start && at < start + 1_000).length;
      // 20 per second plus the burst of 2, and a little slack for arrival jitter on a busy machine.
      assert.ok(inOneSecond <= 20 + 2 + 3, `${inOneSecond} requests within one second`);
    }
  });

  test('the breaker opens after N failures, probes once after the cooldown, and closes; no attempt is burned', async () => {
    const yaml = `name: flaky\ntarget: { url: "\${env:RECEIVER_URL}" }\nroutes:\n  - on: tick\nconcurrency: 1\nbreaker: { failures: 3, cooldown: 10s }\nretry: { schedule: [1s, 1s, 1s, 1s, 1s] }\n`;
    fixture.harness = await startTestEngine({ 'flaky.yaml': yaml }, { RECEIVER_URL: fixture.receiver.url });
    const { engine, clock } = fixture.harness;
    fixture.receiver.respond = () => 503;
    const ids = (await engine.ingest(['a', 'b', 'c', 'd', 'e'].map((id) => ({ type: 'tick', id })))).map((r) => r.id);
    /** Waits (briefly) for the deliveries to reach `expected` states and attempts, then compares. */
    const expectStates = async (expected: string[], message?: string) => {
      const current = async () => {
        const states: string[] = [];
        for (const id of ids) states.push(...(await engine.getEvent(id))!.deliveries.map((d) => `${d.state}:${d.attempts}`));
        return states;
      };
      const reached = await waitUntil(async () => (JSON.stringify(await current()) === JSON.stringify(expected) ? true : undefined), 'states', 5_000).catch(() => false);
      if (!reached) assert.deepEqual(await current(), expected, message);
    };
    const breaker = async () => toStatusResponse(await engine.status()).connectors[0]!;

    await expectStates(['retrying:1', 'retrying:1', 'retrying:1', 'pending:0', 'pending:0']);
    assert.equal(fixture.receiver.requests.length, 3, 'three failures, then nothing');
    let status = await breaker();
    assert.equal(status.state, 'breaker-open');
    assert.deepEqual(status.breaker, { state: 'open', consecutiveFailures: 3, openUntil: new Date(clock.now() + 10_000).toISOString() });

    clock.advance(5_000);
    assert.equal(await engine.sweep(), 0, 'due retries wait while the breaker is open');

    clock.advance(5_000);
    assert.equal((await breaker()).breaker?.state, 'half-open');
    assert.equal(await engine.sweep(), 5);
    await expectStates(['retrying:2', 'retrying:1', 'retrying:1', 'pending:0', 'pending:0'], 'one probe, which failed');
    assert.equal(fixture.receiver.requests.length, 4);
    status = await breaker();
    assert.equal(status.breaker?.state, 'open');
    assert.equal(status.breaker?.openUntil, new Date(clock.now() + 10_000).toISOString());

    fixture.receiver.respond = () => 200;
    clock.advance(10_000);
    assert.equal(await engine.sweep(), 5);
    await expectStates(['delivered:3', 'delivered:2', 'delivered:2', 'delivered:1', 'delivered:1']);
    assert.equal(fixture.receiver.requests.length, 9);
    assert.deepEqual((await breaker()).breaker, { state: 'closed', consecutiveFailures: 0, openUntil: null });
  });
});
