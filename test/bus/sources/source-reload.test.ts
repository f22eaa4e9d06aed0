import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { HmsError } from '../../../engine/errors.js';
import { openSqliteStore } from '../../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../../engine/store/store.js';
import { startReceiver, type Receiver } from '../../helpers/receiver.js';
import { startNatsServer, type NatsServer } from '../../helpers/servers/nats-server.js';
import { createNatsStream, type NatsStream } from '../../helpers/servers/nats-stream.js';
import { startSourceEngine, type SourceEngine } from '../../helpers/source-engine.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitUntil } from '../../helpers/wait-until.js';

const connector = 'name: sink\ntarget: { url: "${env:RECEIVER_URL}" }\nroutes:\n  - on: "*"\n    map: \'{ "id": id, "type": type }\'\n';
const source = (stream: string, consumer: string, extra: string[] = []) => [
  'name: permits-bus',
  'type: nats',
  'nats:',
  '  servers: ["${env:NATS_URL}"]',
  `  stream: ${stream}`,
  `  consumer: ${consumer}`,
  ...extra,
  '',
].join('\n');
const event = (n: number) => JSON.stringify({ type: 'permit.approved', id: `e-${n}` });

describe('sources while the engine runs', () => {
  let nats: NatsServer;
  let receiver: Receiver;
  let harness: SourceEngine | undefined;
  let bus: NatsStream | undefined;
  let streams = 0;

  before(async () => {
    [nats, receiver] = await Promise.all([startNatsServer(), startReceiver()]);
  });
  after(async () => {
    await receiver.close();
    await nats.stop();
  });
  afterEach(async () => {
    await harness?.close();
    await bus?.close();
    harness = undefined;
    bus = undefined;
    receiver.requests.length = 0;
  });

  const stream = async () => {
    const name = `RELOAD${++streams}`;
    bus = await createNatsStream(nats.url, name, [`${name.toLowerCase()}.>`]);
    return { name, subject: `${name.toLowerCase()}.approved` };
  };
  const types = () => receiver.requests.map((request) => (JSON.parse(request.body) as { type: string }).type);

  test('adding, changing and removing a source file starts, restarts and drains the source', async () => {
    const { name, subject } = await stream();
    harness = await startSourceEngine({ 'sink.yaml': connector }, {}, { RECEIVER_URL: receiver.url, NATS_URL: nats.url }, { watch: true });
    const { engine } = harness;
    const before = await engine.status();
    assert.deepEqual(before.sources, []);

    await harness.writeSource('bus.yaml', source(name, 'hms-sync'));
    await harness.sourceStatus('permits-bus', (s) => s.connected, 'started by the watcher');
    const added = await engine.status();
    assert.deepEqual(added.lastReload?.sources, { added: ['permits-bus'], changed: [], removed: [] });
    assert.notEqual(added.revision.label, before.revision.label, 'the revision covers sources');
    assert.ok(added.files.some((file) => file.file.endsWith('bus.yaml') && file.serving === 'permits-bus'));
    await bus!.publish(subject, [event(1)]);
    await receiver.waitFor(1);

    await harness.writeSource('bus.yaml', source(name, 'hms-sync', ['event:', '  type: \'"renamed." & body.type\'']));
    await waitUntil(async () => ((await engine.status()).lastReload?.sources?.changed.length ? true : undefined), 'the change to be applied');
    await harness.sourceStatus('permits-bus', (s) => s.connected, 'connected again with the new settings');
    await bus!.publish(subject, [event(2)]);
    await receiver.waitFor(2);
    assert.deepEqual(types(), ['permit.approved', 'renamed.permit.approved']);

    // Removal drains: whatever the source took is stored and acknowledged before it disconnects.
    await bus!.publish(subject, Array.from({ length: 2000 }, (_, n) => event(100 + n)));
    await harness.removeSource('bus.yaml');
    await waitUntil(async () => ((await engine.status()).sources.length === 0 ? true : undefined), 'the source to be removed');
    const consumer = await bus!.manager.consumers.info(name, 'hms-sync');
    assert.equal(consumer.num_ack_pending, 0, 'nothing left taken and unacknowledged');
    const stored = 2 + 2000 - consumer.num_pending;
    await receiver.waitFor(stored, 30_000);
    assert.equal(receiver.requests.length, stored);
  });

  test('while the store cannot write, the source stops taking and resumes by itself, burning no delivery', async () => {
    const { name, subject } = await stream();
    // A short ack wait: only the in-progress marks keep held messages from being redelivered.
    await bus!.manager.consumers.add(name, { durable_name: 'slow-store', ack_policy: 'explicit', ack_wait: 2_000_000_000, max_ack_pending: 1000 } as never);
    const data = await tempDir();
    const real = await openSqliteStore({ dataDir: join(data.path, 'data') });
    let failing = true;
    const store: Store = new Proxy(real, {
      get(target, property, receiver) {
        if (property === 'acceptEvents' && failing) return async () => {
          throw new HmsError('STORE_UNAVAILABLE', 'the disk is full (a test)');
        };
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    try {
      harness = await startSourceEngine({ 'sink.yaml': connector }, { 'bus.yaml': source(name, 'slow-store', ['maxInFlight: 50']) }, { RECEIVER_URL: receiver.url, NATS_URL: nats.url }, { store });
      await bus!.publish(subject, Array.from({ length: 300 }, (_, n) => event(n)));
      const refusing = await harness.sourceStatus('permits-bus', (s) => s.inFlight > 0 && s.lastError !== null, 'refused by the store');
      assert.match(refusing.lastError!.message, /^STORE_UNAVAILABLE: the disk is full/);
      await new Promise((resolve) => setTimeout(resolve, 4_500)); // past two ack waits
      const held = await harness.sourceStatus('permits-bus', () => true, 'status');
      assert.ok(held.inFlight <= 50, `holds at most maxInFlight (${held.inFlight})`);
      assert.equal(receiver.requests.length, 0);
      failing = false;
      await receiver.waitFor(300, 30_000);
      const consumer = await waitUntil(async () => {
        const info = await bus!.manager.consumers.info(name, 'slow-store');
        return info.num_ack_pending === 0 && info.num_pending === 0 ? info : undefined;
      }, 'every message acknowledged');
      assert.equal(consumer.num_redelivered, 0, 'no message was redelivered or nacked while the store was down');
      assert.equal(new Set(receiver.requests.map((r) => r.body)).size, 300);
    } finally {
      await harness?.close();
      harness = undefined;
      await real.close();
      await data.cleanup();
    }
  });
});
