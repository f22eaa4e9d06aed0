import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startTestEngine, type TestEngine } from '../helpers/test-engine.js';

const SCHEDULING = `
name: scheduling
target:
  url: \${env:RECEIVER_URL}
  headers:
    Authorization: Bearer \${env:SCHEDULING_TOKEN}
  timeout: 2s
routes:
  - name: book
    on: permitApproved
    when: inspectionRequired = true
    path: /api/slots
    map: |
      { "permitId": id, "date": approvedDate, "inspector": inspectorName }
  - name: cancel
    on: permitCancelled
    method: DELETE
    path: /api/slots/{id}
  - name: mirror
    on: ["permit.*", "audit"]
    method: PUT
    path: /mirror/{type}
retry:
  schedule: [5s, 30s]
`;

const TOKEN = 'tok-9f8e7d6c5b4a';

describe('engine delivery', () => {
  let receiver: Receiver;
  let harness: TestEngine;

  before(async () => {
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
  });
  afterEach(async () => {
    await harness?.close();
    receiver.requests.length = 0;
    receiver.respond = () => 200;
  });

  const start = async (files: Record<string, string> = { 'scheduling.yaml': SCHEDULING }) => {
    harness = await startTestEngine(files, { RECEIVER_URL: receiver.url, SCHEDULING_TOKEN: TOKEN });
    return harness;
  };

  test('maps an approved permit through its route and sends the mapped body', async () => {
    const { engine, settled } = await start();
    const id = await engine.emit({ type: 'permitApproved', id: 123, approvedDate: '2024-06-01', inspectorName: 'Lee', inspectionRequired: true });
    assert.equal(id, '123');
    const event = await settled(id);
    const [request] = await receiver.waitFor(1);
    assert.equal(request!.method, 'POST');
    assert.equal(request!.url, '/api/slots');
    assert.deepEqual(JSON.parse(request!.body), { permitId: 123, date: '2024-06-01', inspector: 'Lee' });
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.equal(request!.headers.authorization, `Bearer ${TOKEN}`);
    assert.match(String(request!.headers['user-agent']), /^hms-sync\/\d+\.\d+\.\d+$/);
    assert.equal(request!.headers['idempotency-key'], event.deliveries[0]!.id);
    assert.deepEqual(
      event.deliveries.map((d) => [d.connector, d.route, d.state, d.attempts, d.lastStatus]),
      [['scheduling', 'book', 'delivered', 1, 200]],
    );
  });

  test('a false `when` creates no delivery', async () => {
    const { engine } = await start();
    const [result] = await engine.ingest([{ type: 'permitApproved', id: 'p-2', inspectionRequired: false }]);
    assert.deepEqual(result, { id: 'p-2', duplicate: false, deliveries: 0 });
    assert.equal((await engine.getEvent('p-2'))!.deliveries.length, 0);
  });

  test('path placeholders are URL-encoded and DELETE sends no body', async () => {
    const { engine, settled } = await start();
    await settled(await engine.emit({ type: 'permitCancelled', id: 'B/7 x' }));
    const [request] = await receiver.waitFor(1);
    assert.equal(request!.method, 'DELETE');
    assert.equal(request!.url, '/api/slots/B%2F7%20x');
    assert.equal(request!.body, '');
    assert.equal(request!.headers['content-type'], undefined);
  });

  test('glob and list routes send the event itself when there is no map', async () => {
    const { engine, settled } = await start();
    const a = await engine.emit({ type: 'permit.fee.paid', id: 'f1', amount: 12.5 });
    const b = await engine.emit({ type: 'audit', id: 'a1' });
    const c = await engine.emit({ type: 'permitX', id: 'x1' });
    await settled(a);
    await settled(b);
    assert.equal((await engine.getEvent(c))!.deliveries.length, 0);
    const urls = receiver.requests.map((r) => `${r.method} ${r.url} ${r.body}`).sort();
    assert.deepEqual(urls, ['PUT /mirror/audit {"type":"audit","id":"a1"}', 'PUT /mirror/permit.fee.paid {"type":"permit.fee.paid","id":"f1","amount":12.5}']);
  });

  test('retries a 503, then succeeds, recording both attempts with one Idempotency-Key', async () => {
    const { engine, clock, settled } = await start();
    receiver.respond = (_request, index) => (index === 0 ? { status: 503, body: 'busy' } : 200);
    const id = await engine.emit({ type: 'permitApproved', id: 'r1', inspectionRequired: true });
    let event = await settled(id);
    let [delivery] = event.deliveries;
    assert.equal(delivery!.state, 'retrying');
    assert.equal(delivery!.attempts, 1);
    assert.equal(delivery!.lastStatus, 503);
    assert.equal(delivery!.lastError, 'TARGET_UNAVAILABLE: HTTP 503: busy');
    assert.equal(delivery!.nextAttemptAt, clock.now() + 5_000);

    assert.equal(await engine.sweep(), 0, 'not due before its time');
    clock.advance(5_000);
    assert.equal(await engine.sweep(), 1);
    event = await settled(id, (d) => d.state === 'delivered');
    [delivery] = event.deliveries;
    assert.equal(delivery!.attempts, 2);
    assert.deepEqual(delivery!.history.map((a) => [a.attempt, a.status]), [[1, 503], [2, 200]]);
    const keys = receiver.requests.map((r) => r.headers['idempotency-key']);
    assert.equal(keys.length, 2);
    assert.equal(keys[0], keys[1]);
    assert.equal(keys[0], delivery!.id);
  });

  test('a 400 is dead at once with its reason', async () => {
    const { engine, clock, settled } = await start();
    receiver.respond = () => ({ status: 400, body: '{"error":"date is required"}' });
    const event = await settled(await engine.emit({ type: 'permitApproved', id: 'd1', inspectionRequired: true }));
    const [delivery] = event.deliveries;
    assert.equal(delivery!.state, 'dead');
    assert.equal(delivery!.attempts, 1);
    assert.equal(delivery!.lastError, 'TARGET_REJECTED: HTTP 400: {"error":"date is required"}');
    clock.advance(3_600_000);
    assert.equal(await engine.sweep(), 0);
    assert.equal(receiver.requests.length, 1);
  });

  test('an exhausted schedule ends dead with the last error', async () => {
    const { engine, clock, settled } = await start();
    receiver.respond = () => 502;
    const id = await engine.emit({ type: 'permitApproved', id: 'x1', inspectionRequired: true });
    await settled(id);
    for (const delay of [5_000, 30_000]) {
      clock.advance(delay);
      assert.equal(await engine.sweep(), 1);
      await settled(id, (d) => d.attempts > 1 && d.state !== 'inflight');
    }
    const event = await settled(id, (d) => d.state === 'dead');
    const [delivery] = event.deliveries;
    assert.equal(delivery!.attempts, 3);
    assert.equal(delivery!.lastError, 'RETRIES_EXHAUSTED after 3 attempts; last: TARGET_UNAVAILABLE: HTTP 502');
    assert.equal(receiver.requests.length, 3);
  });

  test('a connection error is retried like a 5xx', async () => {
    const closed = await startReceiver();
    const url = closed.url;
    await closed.close();
    harness = await startTestEngine({ 'scheduling.yaml': SCHEDULING }, { RECEIVER_URL: url, SCHEDULING_TOKEN: TOKEN });
    const event = await harness.settled(await harness.engine.emit({ type: 'permitApproved', id: 'c1', inspectionRequired: true }));
    const [delivery] = event.deliveries;
    assert.equal(delivery!.state, 'retrying');
    assert.equal(delivery!.lastStatus, null);
    assert.match(delivery!.lastError!, /^TARGET_UNAVAILABLE: ECONNREFUSED/);
  });

  test('a duplicate event id is acknowledged again but delivered once', async () => {
    const { engine, settled } = await start();
    const first = await engine.emit({ type: 'permitApproved', id: 'dup-1', inspectionRequired: true });
    const [again] = await engine.ingest([{ type: 'permitApproved', id: 'dup-1', inspectionRequired: true }]);
    assert.deepEqual(again, { id: 'dup-1', duplicate: true, deliveries: 0 });
    await settled(first);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(receiver.requests.length, 1);
    assert.equal((await engine.getEvent('dup-1'))!.deliveries.length, 1);
  });

  test('events without an id get one assigned', async () => {
    const { engine } = await start();
    const id = await engine.emit({ type: 'audit' });
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal((await engine.getEvent(id))!.type, 'audit');
  });

  test('a mapping error is dead at once and sends nothing', async () => {
    const files = {
      'bad-map.yaml': `
name: bad-map
target: { url: "\${env:RECEIVER_URL}" }
routes:
  - on: permitApproved
    path: /x/{missingField}
`,
    };
    harness = await startTestEngine(files, { RECEIVER_URL: receiver.url });
    const event = await harness.settled(await harness.engine.emit({ type: 'permitApproved', id: 'm1' }));
    const [delivery] = event.deliveries;
    assert.equal(delivery!.state, 'dead');
    assert.equal(delivery!.attempts, 1);
    assert.match(delivery!.lastError!, /^MAPPING_FAILED: routes\[0\]\.path: \{missingField\} gave nothing/);
    assert.equal(receiver.requests.length, 0);
  });

  test('header values and env values never reach logs or stored errors', async () => {
    const { engine, logs, settled } = await start();
    receiver.respond = (request) => ({ status: 401, body: `bad credentials: ${request.headers.authorization}` });
    const event = await settled(await engine.emit({ type: 'permitApproved', id: 's1', inspectionRequired: true }));
    const [delivery] = event.deliveries;
    assert.equal(delivery!.state, 'dead');
    assert.equal(delivery!.lastError, 'TARGET_REJECTED: HTTP 401: bad credentials: [REDACTED]');
    assert.ok(!JSON.stringify(event).includes(TOKEN));
    assert.ok(logs.text().includes('"state":"dead"'), 'the outcome was logged');
    assert.ok(!logs.text().includes(TOKEN), 'the token is not in the log');
  });

  test('honours the connector concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = await startReceiver();
    slow.respond = () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => (inFlight -= 1), 40);
      return { status: 200, delayMs: 40 };
    };
    const files = { 'narrow.yaml': `name: narrow\ntarget: { url: "\${env:RECEIVER_URL}" }\nroutes:\n  - on: tick\nconcurrency: 3\n` };
    harness = await startTestEngine(files, { RECEIVER_URL: slow.url });
    const results = await harness.engine.ingest(Array.from({ length: 15 }, (_, i) => ({ type: 'tick', id: `t${i}` })));
    await slow.waitFor(15);
    for (const { id } of results) assert.equal((await harness.settled(id)).deliveries[0]!.state, 'delivered');
    await slow.close();
    assert.equal(peak, 3);
  });

  test('a target slower than the timeout is retried with the timeout as reason', async () => {
    receiver.respond = () => ({ status: 200, delayMs: 1_000 });
    const files = { 'slow.yaml': `name: slow\ntarget:\n  url: \${env:RECEIVER_URL}\n  timeout: 150ms\nroutes:\n  - on: tick\n` };
    harness = await startTestEngine(files, { RECEIVER_URL: receiver.url });
    const event = await harness.settled(await harness.engine.emit({ type: 'tick', id: 'slow-1' }));
    const [delivery] = event.deliveries;
    assert.equal(delivery!.state, 'retrying');
    assert.match(delivery!.lastError!, /^TARGET_UNAVAILABLE: UND_ERR_HEADERS_TIMEOUT/);
    assert.ok(delivery!.history[0]!.durationMs >= 0);
  });

  test('a runaway mapping fails its delivery, not the engine', async () => {
    const files = {
      'runaway.yaml': `name: runaway\ntarget: { url: "\${env:RECEIVER_URL}" }\nroutes:\n  - name: loop\n    on: tick\n    map: '($f := function($n) { $f($n + 1) }; $f(0))'\n  - name: fine\n    on: tick\n`,
    };
    harness = await startTestEngine(files, { RECEIVER_URL: receiver.url });
    const event = await harness.settled(await harness.engine.emit({ type: 'tick', id: 'r-1' }));
    const byRoute = Object.fromEntries(event.deliveries.map((d) => [d.route, d]));
    assert.equal(byRoute.loop!.state, 'dead');
    assert.match(byRoute.loop!.lastError!, /^MAPPING_FAILED: routes\[0\]\.map/);
    assert.equal(byRoute.fine!.state, 'delivered');
  });

  test('logs one line per delivery outcome with its fields', async () => {
    const { engine, logs, settled } = await start();
    await settled(await engine.emit({ type: 'permitApproved', id: 'l1', inspectionRequired: true }));
    const line = logs.lines().find((l) => l.msg === 'delivered');
    assert.ok(line);
    assert.equal(line.eventId, 'l1');
    assert.equal(line.connector, 'scheduling');
    assert.equal(line.route, 'book');
    assert.equal(line.status, 200);
    assert.equal(line.attempt, 1);
    assert.equal(typeof line.durationMs, 'number');
  });
});
