import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { HmsError } from '../../../engine/errors.js';
import { openSqliteStore } from '../../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../../engine/store/store.js';
import { useNatsSuite } from '../../helpers/servers/nats-suite.js';
import { startSourceEngine } from '../../helpers/source-engine.js';
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
  const suite = useNatsSuite();
  const stream = () => suite.newStream('RELOAD');
  const types = () => suite.receiver.requests.map((request) => (JSON.parse(request.body) as { type: string }).type);

  test('adding, changing and removing a source file starts, restarts and drains the source', async () => {
    const { name, subject } = await stream();
    const harness = await startSourceEngine({ 'sink.yaml': connector }, {}, { RECEIVER_URL: suite.receiver.url, NATS_URL: suite.nats.url }, { watch: true });
    suite.harness = harness;
    const { engine } = harness;
    const before = await engine.status();
    assert.deepEqual(before.sources, []);

    await harness.writeSource('bus.yaml', source(name, 'hms-sync'));
    await harness.sourceStatus('permits-bus', (s) => s.connected, 'started by the watcher');
    const added = await engine.status();
    assert.deepEqual(added.lastReload?.sources, { added: ['permits-bus'], changed: [], removed: [] });
    assert.notEqual(added.revision.label, before.revision.label, 'the revision covers sources');
    assert.ok(added.files.some((file) => file.file.endsWith('bus.yaml') && file.serving === 'permits-bus'));
    await suite.bus!.publish(subject, [event(1)]);
    await suite.receiver.waitFor(1);

    await harness.writeSource('bus.yaml', source(name, 'hms-sync', ['event:', '  type: \'"renamed." & body.type\'']));
    await waitUntil(async () => ((await engine.status()).lastReload?.sources?.changed.length ? true : undefined), 'the change to be applied');
    await harness.sourceStatus('permits-bus', (s) => s.connected, 'connected again with the new settings');
    await suite.bus!.publish(subject, [event(2)]);
    await suite.receiver.waitFor(2);
    assert.deepEqual(types(), ['permit.approved', 'renamed.permit.approved']);

    // Removal drains: whatever the source took is stored and acknowledged before it disconnects.
    await suite.bus!.publish(subject, Array.from({ length: 2000 }, (_, n) => event(100 + n)));
    await harness.removeSource('bus.yaml');
    await waitUntil(async () => ((await engine.status()).sources.length === 0 ? true : undefined), 'the source to be removed');
    const consumer = await suite.bus!.manager.consumers.info(name, 'hms-sync');
    assert.equal(consumer.num_ack_pending, 0, 'nothing left taken and unacknowledged');
    const stored = 2 + 2000 - consumer.num_pending;
    await suite.receiver.waitFor(stored, 30_000);
    assert.equal(suite.receiver.requests.length, stored);
  });

  test('while the store cannot write, the source stops taking and resumes by itself, burning no delivery', async () => {
    const { name, subject } = await stream();
    // A short ack wait: only the in-progress marks keep held messages from being redelivered.
    await suite.bus!.manager.consumers.add(name, { durable_name: 'slow-store', ack_policy: 'explicit', ack_wait: 2_000_000_000, max_ack_pending: 1000 } as never);
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
      const harness = await startSourceEngine({ 'sink.yaml': connector }, { 'bus.yaml': source(name, 'slow-store', ['maxInFlight: 50']) }, { RECEIVER_URL: suite.receiver.url, NATS_URL: suite.nats.url }, { store });
      suite.harness = harness;
      await suite.bus!.publish(subject, Array.from({ length: 300 }, (_, n) => event(n)));
      const refusing = await harness.sourceStatus('permits-bus', (s) => s.inFlight > 0 && s.lastError !== null, 'refused by the store');
      assert.match(refusing.lastError!.message, /^STORE_UNAVAILABLE: the disk is full/);
      await new Promise((resolve) => setTimeout(resolve, 4_500)); // past two ack waits
      const held = await harness.sourceStatus('permits-bus', () => true, 'status');
      assert.ok(held.inFlight <= 50, `holds at most maxInFlight (${held.inFlight})`);
      assert.equal(suite.receiver.requests.length, 0);
      failing = false;
      await suite.receiver.waitFor(300, 30_000);
      const consumer = await waitUntil(async () => {
        const info = await suite.bus!.manager.consumers.info(name, 'slow-store');
        return info.num_ack_pending === 0 && info.num_pending === 0 ? info : undefined;
      }, 'every message acknowledged');
      assert.equal(consumer.num_redelivered, 0, 'no message was redelivered or nacked while the store was down');
      assert.equal(new Set(suite.receiver.requests.map((r) => r.body)).size, 300);
    } finally {
      // Before the store it was given, which the engine does not close.
      await suite.harness?.close();
      suite.harness = undefined;
      await real.close();
      await data.cleanup();
    }
  });
});
