import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startReceiver, type Receiver } from '../../helpers/receiver.js';
import { createAmqpPublisher, type AmqpPublisher } from '../../helpers/servers/amqp-publisher.js';
import { startRabbitMq } from '../../helpers/servers/rabbitmq-server.js';
import { borrowRabbitMq, type Borrowed } from '../../helpers/servers/shared-servers.js';
import { startSourceEngine, type SourceEngine } from '../../helpers/source-engine.js';
import { waitUntil } from '../../helpers/wait-until.js';

const connector = [
  'name: sink',
  'target: { url: "${env:RECEIVER_URL}" }',
  'routes:',
  '  - on: permit.*',
  '    path: /events/{id}',
  '    map: \'{ "id": id, "kind": type, "key": key }\'',
  '',
].join('\n');

/** A source that declares its exchange and queue; `deadLetterExchange` must exist. */
const source = (names: { exchange: string; queue: string; dlx?: string }) => [
  'name: permits-queue',
  'type: amqp',
  'amqp:',
  '  url: ${env:AMQP_URL}',
  `  queue: ${names.queue}`,
  `  exchange: ${names.exchange}`,
  '  bindingKeys: ["permit.#"]',
  ...(names.dlx === undefined ? [] : [`  deadLetterExchange: ${names.dlx}`]),
  'event:',
  '  body: \'$merge([body, { "key": routingKey }])\'',
  '',
].join('\n');

const event = (n: number) => JSON.stringify({ type: 'permit.approved', id: `e-${n}` });

describe('a RabbitMQ source', () => {
  let rabbit: Borrowed;
  let receiver: Receiver;
  let harness: SourceEngine | undefined;
  let publisher: AmqpPublisher | undefined;
  let runs = 0;

  before(async () => {
    [rabbit, receiver] = await Promise.all([borrowRabbitMq(), startReceiver()]);
  });
  after(async () => {
    await receiver.close();
    await rabbit.close();
  });
  afterEach(async () => {
    await harness?.close();
    await publisher?.close();
    harness = undefined;
    publisher = undefined;
    receiver.requests.length = 0;
  });

  const names = () => {
    const run = `${process.pid}-${++runs}`;
    return { exchange: `permits-${run}`, queue: `hms-sync-${run}`, dlx: `permits-dead-${run}` };
  };
  const start = async (url: string, declared: { exchange: string; queue: string; dlx?: string }) => {
    harness = await startSourceEngine({ 'sink.yaml': connector }, { 'queue.yaml': source(declared) }, { RECEIVER_URL: receiver.url, AMQP_URL: url });
    await harness.sourceStatus('permits-queue', (s) => s.connected, 'connected');
    publisher = await createAmqpPublisher(url);
    return harness;
  };
  const ids = () => receiver.requests.map((request) => (JSON.parse(request.body) as { id: string }).id);

  test('10,000 published events reach the receiver, each once, with the mapped body', async () => {
    const declared = names();
    const harness = await start(rabbit.url, declared);
    const count = 10_000;
    await publisher!.publish(declared.exchange, 'permit.approved', Array.from({ length: count }, (_, n) => event(n)));
    await receiver.waitFor(count, 120_000).catch(async (error: Error) => {
      const status = await harness.engine.status();
      throw new Error(`${error.message}; source ${JSON.stringify(status.sources)}; deliveries ${JSON.stringify(status.deliveries)}`);
    });
    assert.equal(new Set(ids()).size, count);
    assert.equal(ids().length, count);
    assert.deepEqual(JSON.parse(receiver.requests.find((r) => r.url === '/events/e-7')!.body), { id: 'e-7', kind: 'permit.approved', key: 'permit.approved' });
    await harness.sourceStatus('permits-queue', (s) => s.acceptedTotal === count && s.inFlight === 0 && s.lag === 0, 'every message accepted, the queue empty');
  });

  test('a poison message between good ones is rejected once to the dead-letter exchange, and the stream goes on', async () => {
    const declared = names();
    const setup = await createAmqpPublisher(rabbit.url);
    await setup.channel.assertExchange(declared.dlx, 'fanout', { durable: false, autoDelete: false });
    const dead = await setup.channel.assertQueue('', { exclusive: true });
    await setup.channel.bindQueue(dead.queue, declared.dlx, '');
    try {
      const harness = await start(rabbit.url, declared);
      await publisher!.publish(declared.exchange, 'permit.approved', [event(1), 'not json at all', event(2), JSON.stringify({ id: 'x' }), event(3)], { chunk: 1, messageId: 'm-poison' });
      await receiver.waitFor(3);
      const status = await harness.sourceStatus('permits-queue', (s) => s.rejectedTotal === 2 && s.acceptedTotal === 3, 'two rejected');
      assert.deepEqual(status.rejections.map((r) => r.reason), ['not-json', 'no-type']);
      assert.match(status.rejections[0]!.position, /^queue hms-sync-\S+ delivery \d+ \(routing key permit.approved, message id m-poison\)$/);
      const deadLettered = await waitUntil(async () => {
        const message = await setup.channel.get(dead.queue, { noAck: true });
        return message === false ? undefined : message;
      }, 'the poison message in the dead-letter queue');
      assert.equal(deadLettered.content.toString(), 'not json at all');
      assert.equal((deadLettered.properties.headers?.['x-death'] as { reason: string }[])[0]?.reason, 'rejected');
      assert.deepEqual(ids().sort(), ['e-1', 'e-2', 'e-3']);
    } finally {
      await setup.close();
    }
  });

  test('the source reconnects by itself after RabbitMQ restarts mid-stream, and nothing is lost', async () => {
    // A server of its own: the shared one must not restart under other test files.
    const own = await startRabbitMq();
    try {
      const declared = names();
      const harness = await start(own.url, declared);
      await publisher!.publish(declared.exchange, 'permit.approved', Array.from({ length: 1000 }, (_, n) => event(n)));
      await publisher!.close();
      await own.restart();
      await harness.sourceStatus('permits-queue', (s) => s.connected && s.lastError !== null, 'connected again', 60_000);
      publisher = await createAmqpPublisher(own.url);
      await publisher.publish(declared.exchange, 'permit.approved', Array.from({ length: 1000 }, (_, n) => event(1000 + n)));
      await receiver.waitFor(2000, 60_000);
      assert.equal(new Set(ids()).size, 2000);
      assert.equal(ids().length, 2000, 'redelivered messages were duplicates: no second delivery');
    } finally {
      await harness?.close();
      harness = undefined;
      await own.stop();
    }
  });
});
