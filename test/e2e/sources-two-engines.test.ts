/**
 * Sources on two engines sharing one PostgreSQL store: each engine has its own sources directory,
 * naming the same broker objects (a JetStream durable consumer, an AMQP queue, a postgres-outbox
 * table), so the two share the work. Every event published is stored once in the shared store and
 * delivered once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createAmqpPublisher } from '../helpers/servers/amqp-publisher.js';
import { startNatsServer, type NatsServer } from '../helpers/servers/nats-server.js';
import { createNatsStream } from '../helpers/servers/nats-stream.js';
import { borrowPostgresDatabase, borrowRabbitMq, type Borrowed } from '../helpers/servers/shared-servers.js';
import { startSourceEngine, type SourceEngine } from '../helpers/source-engine.js';
import { waitUntil } from '../helpers/wait-until.js';

/** Events per broker. */
const EVENTS = 1_000;
const SCHEMA = 'shared_sync';
const STREAM = 'PERMITS';
const QUEUE = `hms-sync-shared-${process.pid}`;
const EXCHANGE = `permits-shared-${process.pid}`;
const OUTBOX = 'permit_outbox';

const connector = [
  'name: sink',
  'target: { url: "${env:RECEIVER_URL}" }',
  'routes:',
  '  - on: permit.*',
  '    map: \'{ "id": id }\'',
  '',
].join('\n');

const sources = {
  'nats.yaml': ['name: permits-bus', 'type: nats', 'nats:', '  servers: ["${env:NATS_URL}"]', `  stream: ${STREAM}`, '  consumer: hms-sync', '  subjects: ["permits.>"]', ''].join('\n'),
  'amqp.yaml': ['name: permits-queue', 'type: amqp', 'amqp:', '  url: ${env:AMQP_URL}', `  queue: ${QUEUE}`, `  exchange: ${EXCHANGE}`, '  bindingKeys: ["permit.#"]', ''].join('\n'),
  'outbox.yaml': ['name: permits-outbox', 'type: postgres-outbox', 'postgres-outbox:', '  url: ${env:DATABASE_URL}', `  table: ${OUTBOX}`, '  pollInterval: 50ms', ''].join('\n'),
};

let database: Borrowed;
let rabbit: Borrowed;
let nats: NatsServer;
let receiver: Receiver;
let db: pg.Pool;
const engines: SourceEngine[] = [];

before(async () => {
  [database, rabbit, nats, receiver] = await Promise.all([borrowPostgresDatabase('two_engines'), borrowRabbitMq(), startNatsServer(), startReceiver()]);
  db = new pg.Pool({ connectionString: database.url, max: 2 });
});
after(async () => {
  await Promise.all(engines.map((engine) => engine.close()));
  await db.end();
  await Promise.all([receiver.close(), nats.stop(), rabbit.close()]);
  await database.close();
});

test('two engines on one PostgreSQL store share a JetStream consumer, an AMQP queue and an outbox: each event is stored once and delivered once', async () => {
  const stream = await createNatsStream(nats.url, STREAM, ['permits.>']);
  const publisher = await createAmqpPublisher(rabbit.url);
  try {
    await db.query(`CREATE TABLE ${OUTBOX} (id bigserial PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), processed_at timestamptz, error text)`);
    const env = { RECEIVER_URL: receiver.url, NATS_URL: nats.url, AMQP_URL: rabbit.url, DATABASE_URL: database.url };
    // One after the other: the second finds the durable consumer and the queue the first declared.
    for (let i = 0; i < 2; i++) {
      const engine = await startSourceEngine({ 'sink.yaml': connector }, sources, env, { storeLocation: { kind: 'postgres', url: database.url, schema: SCHEMA } });
      engines.push(engine);
      for (const name of ['permits-bus', 'permits-queue', 'permits-outbox']) await engine.sourceStatus(name, (s) => s.connected, 'connected');
    }

    const event = (prefix: string) => (n: number) => JSON.stringify({ type: 'permit.approved', id: `${prefix}-${n}` });
    await Promise.all([
      stream.publish('permits.approved', Array.from({ length: EVENTS }, (_, n) => event('nats')(n))),
      publisher.publish(EXCHANGE, 'permit.approved', Array.from({ length: EVENTS }, (_, n) => event('amqp')(n))),
      db.query(`INSERT INTO ${OUTBOX} (type, payload) SELECT 'permit.approved', '{}'::jsonb FROM generate_series(1, $1::int)`, [EVENTS]),
    ]);

    const ids = () => receiver.requests.map((request) => (JSON.parse(request.body) as { id: string }).id);
    await receiver.waitFor(3 * EVENTS, 120_000);
    for (const name of ['permits-bus', 'permits-queue', 'permits-outbox']) {
      const split = await waitUntil(async () => {
        const statuses = await Promise.all(engines.map(async (engine) => (await engine.engine.status()).sources.find((s) => s.name === name)!));
        const done = statuses.reduce((sum, s) => sum + s.acceptedTotal, 0) === EVENTS && statuses.every((s) => s.inFlight === 0);
        return done ? statuses.map((s) => s.acceptedTotal) : undefined;
      }, `${name}: ${EVENTS} accepted between the two engines`);
      assert.ok(split.every((accepted) => accepted > 0), `${name}: both engines took part (${split.join(' + ')})`);
    }
    const stored = (await db.query<{ n: number; distinct_ids: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct_ids FROM ${SCHEMA}.events`)).rows[0]!;
    assert.deepEqual(stored, { n: 3 * EVENTS, distinct_ids: 3 * EVENTS }, 'each event stored once in the shared store');
    const deliveries = (await db.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM ${SCHEMA}.deliveries GROUP BY state`)).rows;
    assert.deepEqual(deliveries, [{ state: 'delivered', n: 3 * EVENTS }]);
    assert.equal(new Set(ids()).size, 3 * EVENTS, 'every event delivered');
    assert.equal(ids().length, 3 * EVENTS, 'none delivered twice');
    for (const prefix of ['nats-', 'amqp-', `outbox:${OUTBOX}:`]) assert.equal(ids().filter((id) => id.startsWith(prefix)).length, EVENTS, prefix);
  } finally {
    await publisher.close();
    await stream.close();
  }
});
