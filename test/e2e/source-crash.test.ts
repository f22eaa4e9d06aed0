/**
 * The engine as a child process taking events from each kind of source, killed with SIGKILL while
 * messages flow and started again: every published event reaches the receiver, none is lost, and
 * an event seen twice is the same delivery sent again (it was in flight at the kill), never a
 * second delivery of a redelivered message: each event's requests carry one Idempotency-Key.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startEngineProcess } from '../helpers/engine-process.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createAmqpPublisher } from '../helpers/servers/amqp-publisher.js';
import { startNatsServer } from '../helpers/servers/nats-server.js';
import { createNatsStream } from '../helpers/servers/nats-stream.js';
import { borrowPostgresDatabase, borrowRabbitMq } from '../helpers/servers/shared-servers.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitUntil } from '../helpers/wait-until.js';

const EVENTS = 3000;
const CHUNK = 250;
const connector = 'name: sink\ntarget: { url: "${env:RECEIVER_URL}" }\nroutes:\n  - on: "*"\n    map: \'{ "id": id }\'\n';

describe('a source across a SIGKILL of the engine', () => {
  let receiver: Receiver;
  before(async () => {
    // Slow answers keep deliveries in flight when the engine is killed.
    receiver = await startReceiver(() => ({ status: 200, delayMs: 5 }));
  });
  after(() => receiver.close());

  /** Runs the engine on `sourceFile`, publishing EVENTS events in chunks with `publish`, killing it midway. */
  const crashAndRecover = async (sourceFile: string, env: Record<string, string>, publish: (from: number, count: number) => Promise<void>) => {
    receiver.requests.length = 0;
    const dir = await tempDir();
    try {
      await mkdir(join(dir.path, 'connectors.d'));
      await mkdir(join(dir.path, 'sources.d'));
      await writeFile(join(dir.path, 'connectors.d', 'sink.yaml'), connector);
      await writeFile(join(dir.path, 'sources.d', 'source.yaml'), sourceFile);
      const args = ['--connectors', join(dir.path, 'connectors.d'), '--sources', join(dir.path, 'sources.d'), '--data', join(dir.path, 'data')];
      const fullEnv = { RECEIVER_URL: receiver.url, ...env };
      const first = await startEngineProcess(args, fullEnv);
      let published = 0;
      for (; published < EVENTS / 2; published += CHUNK) await publish(published, CHUNK);
      await receiver.waitFor(EVENTS / 6, 30_000);
      assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
      const seenAtKill = receiver.requests.length;
      for (; published < EVENTS; published += CHUNK) await publish(published, CHUNK);
      const second = await startEngineProcess(args, fullEnv);
      try {
        const keys = await waitUntil(() => {
          const byId = new Map<string, Set<string>>();
          for (const request of receiver.requests) {
            const id = (JSON.parse(request.body) as { id: string }).id;
            byId.set(id, (byId.get(id) ?? new Set()).add(String(request.headers['idempotency-key'])));
          }
          return byId.size === EVENTS ? byId : undefined;
        }, 'every published event to be delivered', 90_000, 100);
        assert.ok(seenAtKill < EVENTS, 'the kill left work undone');
        for (const [id, ids] of keys) assert.equal(ids.size, 1, `event ${id} has one delivery, however often it was sent`);
        const repeats = receiver.requests.length - EVENTS;
        assert.ok(repeats < EVENTS / 2, `${repeats} repeats: only deliveries in flight at the kill are sent again`);
        const status = (await (await fetch(`${second.url}/status`)).json()) as { sources: Record<string, unknown>[] };
        assert.deepEqual(Object.keys(status.sources[0] ?? {}), ['name', 'type', 'file', 'connected', 'lastError', 'lag', 'inFlight', 'acceptedTotal', 'rejectedTotal', 'rejections']);
        assert.equal(status.sources[0]!.connected, true);
      } finally {
        assert.equal(await second.stop('SIGTERM'), 0);
      }
    } finally {
      await dir.cleanup();
    }
  };
  const events = (from: number, count: number) => Array.from({ length: count }, (_, n) => JSON.stringify({ type: 'permit.approved', id: `e-${from + n}` }));

  test('NATS JetStream', async () => {
    const nats = await startNatsServer();
    const bus = await createNatsStream(nats.url, 'CRASH', ['crash.>']);
    try {
      const source = 'name: bus\ntype: nats\nnats:\n  servers: ["${env:NATS_URL}"]\n  stream: CRASH\n  consumer: hms-sync\n';
      await crashAndRecover(source, { NATS_URL: nats.url }, async (from, count) => void (await bus.publish('crash.approved', events(from, count))));
    } finally {
      await bus.close();
      await nats.stop();
    }
  });

  test('RabbitMQ', async () => {
    const rabbit = await borrowRabbitMq();
    const publisher = await createAmqpPublisher(rabbit.url);
    const queue = `crash-${process.pid}`;
    await publisher.channel.assertQueue(queue, { durable: true });
    try {
      const source = `name: queue\ntype: amqp\namqp:\n  url: \${env:AMQP_URL}\n  queue: ${queue}\n`;
      await crashAndRecover(source, { AMQP_URL: rabbit.url }, (from, count) => publisher.publish('', queue, events(from, count)));
    } finally {
      await publisher.channel.deleteQueue(queue);
      await publisher.close();
      await rabbit.close();
    }
  });

  test('PostgreSQL outbox', async () => {
    const database = await borrowPostgresDatabase('crash');
    const db = new pg.Pool({ connectionString: database.url });
    try {
      await db.query('CREATE TABLE outbox (id bigserial PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
      const source = 'name: outbox\ntype: postgres-outbox\npostgres-outbox:\n  url: ${env:DATABASE_URL}\n  pollInterval: 50ms\n';
      await crashAndRecover(source, { DATABASE_URL: database.url }, async (from, count) => {
        await db.query(`INSERT INTO outbox (type, payload) SELECT 'permit.approved', jsonb_build_object('id', 'e-' || n) FROM generate_series($1::int, $2::int) AS n`, [from, from + count - 1]);
      });
    } finally {
      await db.end();
      await database.close();
    }
  });
});
