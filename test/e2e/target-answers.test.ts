/**
 * What the target's answers do, end to end against a real receiver and real SQLite: Retry-After,
 * 410 Gone, 429, retry.on, and the response body kept with each failed attempt.
 */
import assert from 'node:assert/strict';
import { systemClock } from '../../engine/clock.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { toEventResponse } from '../../engine/api/event-response.js';
import { toStatusResponse } from '../../engine/api/status-response.js';
import { createEngine } from '../../engine/engine.js';
import { startTestEngine, type TestEngine } from '../helpers/test-engine.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';

const TOKEN = 'tok-5e1f0a9b8c7d';

const crm = (extra = '') => `
name: crm
target:
  url: \${env:RECEIVER_URL}
  headers:
    Authorization: Bearer \${env:CRM_TOKEN}
routes:
  - name: main
    on: tick
    path: /ticks
concurrency: 1
retry:
  schedule: [5s, 5s, 5s]
  maxRetryAfter: 1m
${extra}`;

describe('target answers', () => {
  const fixture = useEngineFixture();

  const start = async (yaml = crm()) => {
    fixture.harness = await startTestEngine({ 'crm.yaml': yaml }, { RECEIVER_URL: fixture.receiver.url, CRM_TOKEN: TOKEN });
    return fixture.harness;
  };
  const only = async (id: string, done?: Parameters<TestEngine['settled']>[1]) => (await fixture.harness!.settled(id, done)).deliveries[0]!;

  test('honours Retry-After in seconds instead of the schedule, capped by retry.maxRetryAfter', async () => {
    const { engine, clock } = await start();
    fixture.receiver.respond = (request) => (request.body.includes('"r1"') ? { status: 503, headers: { 'retry-after': '20' } } : { status: 503, headers: { 'retry-after': '7200' } });
    const r1 = await only(await engine.emit({ type: 'tick', id: 'r1' }));
    assert.equal(r1.state, 'retrying');
    assert.equal(r1.nextAttemptAt, clock.now() + 20_000, 'no jitter: the target said when');
    const r2 = await only(await engine.emit({ type: 'tick', id: 'r2' }));
    assert.equal(r2.nextAttemptAt, clock.now() + 60_000, 'two hours cut to maxRetryAfter (1m)');

    fixture.receiver.respond = () => 200;
    clock.advance(19_999);
    assert.equal(await engine.sweep(), 0);
    clock.advance(1);
    assert.equal(await engine.sweep(), 1);
    assert.equal((await only('r1', (d) => d.state === 'delivered')).attempts, 2);
  });

  test('honours Retry-After as an HTTP date; the schedule still decides when the delivery is dead', async () => {
    const { engine, clock } = await start(crm().replace('schedule: [5s, 5s, 5s]', 'schedule: [5s]'));
    fixture.receiver.respond = () => ({ status: 503, headers: { 'retry-after': new Date(clock.now() + 45_000).toUTCString() } });
    const first = await only(await engine.emit({ type: 'tick', id: 'd1' }));
    assert.equal(first.nextAttemptAt, clock.now() + 45_000);
    clock.advance(45_000);
    assert.equal(await engine.sweep(), 1);
    const last = await only('d1', (d) => d.state === 'dead');
    assert.equal(last.attempts, 2);
    assert.match(last.lastError!, /^RETRIES_EXHAUSTED after 2 attempts/);
  });

  test('a 410 kills the delivery and disables the connector, logged once, until its configuration changes', async () => {
    const { engine, clock, logs, dataDir } = await start(crm().replace('concurrency: 1', 'concurrency: 2'));
    fixture.receiver.respond = () => ({ status: 410, body: 'this endpoint was retired', delayMs: 30 });
    const [a, b] = await engine.ingest([{ type: 'tick', id: 'g1' }, { type: 'tick', id: 'g2' }]);
    for (const { id } of [a!, b!]) {
      const gone = await only(id);
      assert.equal(gone.state, 'dead');
      assert.equal(gone.lastError, 'TARGET_REJECTED: HTTP 410: this endpoint was retired');
    }
    const disabledLines = () => logs.lines().filter((line) => String(line.msg).startsWith('connector disabled'));
    assert.equal(disabledLines().length, 1, 'one log line for the connector, not one per delivery');

    fixture.receiver.respond = () => 200;
    const waiting = await engine.emit({ type: 'tick', id: 'g3' });
    const held = await only(waiting, (d) => d.state === 'pending');
    assert.equal(held.attempts, 0, 'nothing sent, nothing burned');
    clock.advance(3_600_000);
    assert.equal(await engine.sweep(), 0, 'a disabled connector is not claimed');
    assert.equal(fixture.receiver.requests.length, 2);
    const status = toStatusResponse(await engine.status()).connectors[0]!;
    assert.equal(status.state, 'disabled');
    assert.equal(status.disabled?.reason, 'the target answered 410 Gone');

    await writeFile(join(dataDir, '..', 'connectors.d', 'crm.yaml'), crm('# moved to the new endpoint\n'));
    await engine.reload();
    assert.equal((await only(waiting, (d) => d.state === 'delivered')).attempts, 1);
    assert.equal(toStatusResponse(await engine.status()).connectors[0]!.state, 'active');
    // The 410s died of TARGET_REJECTED, which a configuration change re-drives.
    assert.equal((await only('g1', (d) => d.state === 'delivered')).attempts, 2);
    assert.equal(logs.lines().filter((line) => String(line.msg).startsWith('connector enabled again')).length, 1);
  });

  test('a connector disabled by a 410 stays disabled across a restart', async () => {
    const { engine, clock, dataDir, logs } = await start();
    fixture.receiver.respond = () => 410;
    await only(await engine.emit({ type: 'tick', id: 'x1' }));
    await engine.close();
    const again = await createEngine({ connectorsDir: join(dataDir, '..', 'connectors.d'), dataDir, env: { RECEIVER_URL: fixture.receiver.url, CRM_TOKEN: TOKEN }, clock, logger: logs.logger, sweepSchedule: null, retentionSchedule: null });
    try {
      fixture.receiver.respond = () => 200;
      await again.emit({ type: 'tick', id: 'x2' });
      assert.equal(toStatusResponse(await again.status()).connectors[0]!.state, 'disabled');
      assert.equal(await again.sweep(), 0);
      assert.deepEqual((await again.getEvent('x2'))!.deliveries.map((d) => [d.state, d.attempts]), [['pending', 0]]);
      assert.equal(fixture.receiver.requests.length, 1);
    } finally {
      await again.close();
    }
  });

  test('a 429 pauses the whole connector until its Retry-After, burning no attempt of the others', async () => {
    const { engine, clock } = await start();
    fixture.receiver.respond = (_request, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '2' } } : 200);
    const ids = (await engine.ingest(['a', 'b', 'c'].map((id) => ({ type: 'tick', id: `p-${id}` })))).map((r) => r.id);
    const throttled = await only(ids[0]!);
    assert.equal(throttled.state, 'retrying');
    assert.equal(throttled.nextAttemptAt, clock.now() + 2_000);
    for (const id of ids.slice(1)) {
      const waiting = await only(id, (d) => d.state === 'pending');
      assert.deepEqual([waiting.attempts, waiting.nextAttemptAt], [0, clock.now() + 2_000]);
    }
    assert.equal(fixture.receiver.requests.length, 1);
    const status = toStatusResponse(await engine.status()).connectors[0]!;
    assert.equal(status.state, 'paused');
    assert.equal(status.pausedUntil, new Date(clock.now() + 2_000).toISOString());

    clock.advance(1_999);
    assert.equal(await engine.sweep(), 0);
    clock.advance(1);
    assert.equal(await engine.sweep(), 3);
    const attempts: number[] = [];
    for (const id of ids) attempts.push((await only(id, (d) => d.state === 'delivered')).attempts);
    assert.deepEqual(attempts, [2, 1, 1]);
    assert.equal(fixture.receiver.requests.length, 4);
  });

  test('work held by a 429 pause resumes when the pause ends, without waiting for the sweep schedule', async () => {
    const yaml = `name: throttled\ntarget: { url: "\${env:RECEIVER_URL}" }\nroutes:\n  - on: tick\nretry: { schedule: [1s] }\n`;
    fixture.receiver.respond = (_request, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : 200);
    fixture.harness = await startTestEngine({ 'throttled.yaml': yaml }, { RECEIVER_URL: fixture.receiver.url }, { clock: systemClock });
    const pausedAt = Date.now();
    const id = await fixture.harness.engine.emit({ type: 'tick', id: 'w1' });
    // No sweep runs on its own in this harness: only the wake-up at the end of the pause can resend.
    const event = await fixture.harness.settled(id, (d) => d.state === 'delivered');
    assert.equal(event.deliveries[0]!.attempts, 2);
    const resentAt = fixture.receiver.requests[1]!.at;
    assert.ok(resentAt - pausedAt >= 900, `resent ${resentAt - pausedAt} ms after the 429`);
  });

  test('a 429 without Retry-After pauses the connector for the default pause', async () => {
    const { engine, clock } = await start();
    fixture.receiver.respond = (_request, index) => (index === 0 ? 429 : 200);
    const [first, second] = (await engine.ingest([{ type: 'tick', id: 'q1' }, { type: 'tick', id: 'q2' }])).map((r) => r.id);
    await only(first!);
    assert.equal((await only(second!, (d) => d.state === 'pending')).nextAttemptAt, clock.now() + 5_000);
    clock.advance(5_000);
    assert.equal(await engine.sweep(), 2);
    await only(second!, (d) => d.state === 'delivered');
  });

  test('retry.on decides which statuses are retried', async () => {
    const { engine } = await start(crm().replace('maxRetryAfter: 1m', 'maxRetryAfter: 1m\n  on: [409, 5xx]'));
    fixture.receiver.respond = (request) => (request.body.includes('conflict') ? 409 : request.body.includes('busy') ? 503 : 429);
    assert.equal((await only(await engine.emit({ type: 'tick', id: 'conflict' }))).state, 'retrying');
    assert.equal((await only(await engine.emit({ type: 'tick', id: 'busy' }))).state, 'retrying');
    const throttled = await only(await engine.emit({ type: 'tick', id: 'slow-down' }));
    assert.equal(throttled.state, 'dead', '429 is not in retry.on');
    assert.equal(throttled.lastError, 'TARGET_REJECTED: HTTP 429');
  });

  test('keeps the first 4 KiB of a failed answer with its attempt, secrets removed', async () => {
    const { engine, clock } = await start();
    const body = `{"error":"bad token ${TOKEN}","trace":"${'x'.repeat(10_000)}"}`;
    fixture.receiver.respond = (_request, index) => (index === 0 ? { status: 500, body } : 200);
    const id = await engine.emit({ type: 'tick', id: 'b1' });
    await only(id);
    clock.advance(5_000);
    await engine.sweep();
    const view = (await fixture.harness!.settled(id, (d) => d.state === 'delivered'))!;
    const [failed, delivered] = view.deliveries[0]!.history;
    const kept = failed!.responseBody!;
    assert.ok(kept.startsWith('{"error":"bad token [REDACTED]","trace":"xxx'), kept.slice(0, 60));
    assert.ok(Buffer.byteLength(kept) <= 4096 && Buffer.byteLength(kept) > 4000, String(Buffer.byteLength(kept)));
    assert.ok(!kept.includes(TOKEN));
    assert.equal(delivered!.responseBody, null);
    assert.equal(toEventResponse(view, false).deliveries[0]!.history[0]!.responseBody, kept, 'GET /events/:id shows it');
  });
});
