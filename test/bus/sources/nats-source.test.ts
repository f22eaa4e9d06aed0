import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createNatsStream } from '../../helpers/servers/nats-stream.js';
import { useNatsSuite } from '../../helpers/servers/nats-suite.js';
import { startSourceEngine } from '../../helpers/source-engine.js';
import { waitUntil } from '../../helpers/wait-until.js';

const connector = (ordered = false) => [
  'name: sink',
  'target: { url: "${env:RECEIVER_URL}" }',
  ...(ordered ? ['orderingKey: permitId'] : []),
  'routes:',
  '  - on: permit.*',
  '    path: /events/{id}',
  '    map: \'{ "id": id, "kind": type, "permit": permitId, "n": n }\'',
  '',
].join('\n');

const source = (stream: string, extra: string[] = []) => [
  'name: permits-bus',
  'type: nats',
  'nats:',
  '  servers: ["${env:NATS_URL}"]',
  `  stream: ${stream}`,
  '  consumer: hms-sync',
  `  subjects: ["${stream.toLowerCase()}.>"]`,
  ...extra,
  '',
].join('\n');

const event = (n: number, permit = n % 7) => JSON.stringify({ type: 'permit.approved', id: `e-${n}`, permitId: `p-${permit}`, n });

describe('a NATS JetStream source', () => {
  const suite = useNatsSuite();

  const start = async (ordered = false, extra: string[] = []) => {
    const { name: stream, subject, bus } = await suite.newStream('PERMITS');
    const harness = await startSourceEngine({ 'sink.yaml': connector(ordered) }, { 'permits.yaml': source(stream, extra) }, { RECEIVER_URL: suite.receiver.url, NATS_URL: suite.nats.url });
    suite.harness = harness;
    return { stream, subject, engine: harness.engine, harness, bus };
  };
  const ids = () => suite.receiver.requests.map((request) => (JSON.parse(request.body) as { id: string }).id);

  test('10,000 published events reach the receiver, each once, with the mapped body', async () => {
    const { subject, harness, bus } = await start();
    const count = 10_000;
    await bus.publish(subject, Array.from({ length: count }, (_, n) => event(n)));
    await suite.receiver.waitFor(count, 120_000);
    const received = ids();
    assert.equal(new Set(received).size, count, 'each event once');
    assert.equal(received.length, count, 'no event twice');
    const first = suite.receiver.requests.find((request) => request.url === '/events/e-42');
    assert.deepEqual(JSON.parse(first!.body), { id: 'e-42', kind: 'permit.approved', permit: 'p-0', n: 42 });
    const status = await harness.sourceStatus('permits-bus', (s) => s.acceptedTotal === count && s.inFlight === 0, 'all accepted');
    assert.equal(status.connected, true);
    assert.equal(status.rejectedTotal, 0);
  });

  test('events are stored in the order the stream hands them over, so an ordering key keeps it', async () => {
    const { subject, bus } = await start(true);
    const count = 300;
    await bus.publish(subject, Array.from({ length: count }, (_, n) => event(n, n % 3)));
    await suite.receiver.waitFor(count, 30_000);
    const bodies = suite.receiver.requests.map((r) => JSON.parse(r.body) as { permit: string; n: number });
    for (const permit of ['p-0', 'p-1', 'p-2']) {
      const sent = bodies.filter((b) => b.permit === permit).map((b) => b.n);
      assert.equal(sent.length, count / 3);
      assert.deepEqual(sent, [...sent].sort((a, b) => a - b), `deliveries of ${permit} in publish order`);
    }
  });

  test('a poison message between good ones is rejected once, reported with its position, and the stream goes on', async () => {
    const { stream, subject, harness, bus } = await start();
    const [, poisonSeq] = await bus.publish(subject, [event(1), '{"type": "permit.approved", "id": ', event(2)], { concurrency: 1 });
    await bus.publish(subject, [JSON.stringify({ id: 'no-type' }), new Uint8Array([0xff, 0xfe, 0x41]), event(3)], { concurrency: 1 });
    await suite.receiver.waitFor(3);
    const status = await harness.sourceStatus('permits-bus', (s) => s.rejectedTotal === 3 && s.acceptedTotal === 3, 'three rejected, three accepted');
    assert.deepEqual(status.rejections.map((r) => r.reason), ['not-json', 'no-type', 'not-utf8']);
    assert.match(status.rejections[0]!.position, new RegExp(`stream ${stream} sequence ${poisonSeq}\\b`));
    assert.deepEqual(ids().sort(), ['e-1', 'e-2', 'e-3']);
    // Terminated, not redelivered: the consumer has nothing pending or unacknowledged.
    const info = await waitUntil(async () => {
      const current = await bus.manager.consumers.info(stream, 'hms-sync');
      return current.num_ack_pending === 0 && current.num_pending === 0 ? current : undefined;
    }, 'the consumer to settle');
    assert.equal(info.num_redelivered, 0);
    const logged = harness.logs.lines().filter((line) => line.msg === 'message rejected: it cannot become an event');
    assert.equal(logged.length, 3);
    assert.equal(logged[0]!.position, status.rejections[0]!.position);
  });

  test('with outcomes, each sync.delivered outcome is published back to the bus', async () => {
    const { subject, bus } = await start(false, ['outcomes: { subject: "outcomes.test" }']);
    const heard: { subject: string; body: { type: string; eventId: string; connector: string }; msgId: string | undefined }[] = [];
    const subscription = bus.connection.subscribe('outcomes.test.>', {
      callback: (_error, message) => void heard.push({ subject: message.subject, body: message.json(), msgId: message.headers?.get('Nats-Msg-Id') }),
    });
    try {
      await bus.publish(subject, [event(1), event(2)]);
      await waitUntil(() => (heard.length === 2 ? true : undefined), 'two outcomes on the bus');
      assert.deepEqual(heard.map((h) => [h.subject, h.body.type, h.body.eventId, h.body.connector]).sort(), [
        ['outcomes.test.delivered', 'sync.delivered', 'e-1', 'sink'],
        ['outcomes.test.delivered', 'sync.delivered', 'e-2', 'sink'],
      ]);
      assert.match(heard[0]!.msgId ?? '', /^sync\.delivered:/);
    } finally {
      subscription.unsubscribe();
    }
  });

  test('the source reconnects by itself after the broker restarts mid-stream, and nothing is lost', async () => {
    const { stream, subject, harness } = await start();
    await suite.bus!.publish(subject, Array.from({ length: 1000 }, (_, n) => event(n)));
    await suite.bus!.close();
    // While the engine is still taking and storing what was published.
    await suite.nats.restart();
    suite.bus = await createNatsStream(suite.nats.url, stream, [`${stream.toLowerCase()}.>`]);
    await suite.bus.publish(subject, Array.from({ length: 1000 }, (_, n) => event(1000 + n)));
    await suite.receiver.waitFor(2000, 60_000);
    const status = await harness.sourceStatus('permits-bus', (s) => s.connected && s.inFlight === 0, 'connected again and idle');
    assert.match(status.lastError?.message ?? '', /SOURCE_UNAVAILABLE: .*NATS/);
    // Messages stored but not acknowledged at the restart come again as duplicates: no second delivery.
    const received = ids();
    assert.equal(new Set(received).size, 2000);
    assert.equal(received.length, 2000);
  });
});
