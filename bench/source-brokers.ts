/**
 * The brokers of the source scenarios (`npm run bench -- --sources`), each behind the same small
 * interface: start a real server (the test helpers' nats-server, RabbitMQ, PostgreSQL), fill a
 * queue with events before anything consumes it, drain a filled queue with a plain client loop
 * that acknowledges without storing (the raw consume-and-ack rate), and write the source file the
 * engine reads the other queue with.
 */
import { AckPolicy, jetstream } from '@nats-io/jetstream';
import pg from 'pg';
import { outboxSql } from '../engine/bus/sources/postgres-outbox-sql.js';
import type { CompiledOutbox } from '../engine/config/sources/compiled-source.js';
import { createAmqpPublisher } from '../test/helpers/servers/amqp-publisher.js';
import { startNatsServer } from '../test/helpers/servers/nats-server.js';
import { createNatsStream } from '../test/helpers/servers/nats-stream.js';
import { startPostgres } from '../test/helpers/servers/postgres-server.js';
import { startRabbitMq } from '../test/helpers/servers/rabbitmq-server.js';
import { benchEvent } from './bench-workload.js';

/** Messages a raw loop and the engine may hold unacknowledged: the source's default maxInFlight. */
export const IN_FLIGHT = 256;

export interface SourceBroker {
  /** What the report calls it. */
  readonly name: string;
  /** Fills queue `queue` (a name of the broker's own kind) with `count` bench events. */
  fill(queue: string, count: number): Promise<void>;
  /** Takes and acknowledges `count` messages of `queue`, storing nothing; resolves when all are. */
  drainRaw(queue: string, count: number): Promise<void>;
  /** The source file reading `queue`. */
  sourceYaml(queue: string): string;
  stop(): Promise<void>;
}

const bodies = (prefix: string, count: number) => Array.from({ length: count }, (_, n) => JSON.stringify(benchEvent(`${prefix}-${n}`, Date.now())));

export async function startNatsBroker(): Promise<SourceBroker> {
  const server = await startNatsServer();
  const streams = new Map<string, Awaited<ReturnType<typeof createNatsStream>>>();
  return {
    name: 'NATS JetStream',
    async fill(queue, count) {
      const stream = await createNatsStream(server.url, queue, [`${queue.toLowerCase()}.>`]);
      streams.set(queue, stream);
      await stream.publish(`${queue.toLowerCase()}.permit`, bodies(queue, count));
    },
    async drainRaw(queue, count) {
      const stream = streams.get(queue)!;
      await stream.manager.consumers.add(queue, { durable_name: 'raw', ack_policy: AckPolicy.Explicit, max_ack_pending: 2 * IN_FLIGHT });
      const consumer = await jetstream(stream.connection).consumers.get(queue, 'raw');
      const messages = await consumer.consume({ max_messages: IN_FLIGHT });
      let taken = 0;
      for await (const message of messages) {
        message.ack();
        if (++taken === count) break;
      }
      await stream.connection.flush();
    },
    sourceYaml: (queue) => `name: bench\ntype: nats\nnats:\n  servers: ["${server.url}"]\n  stream: ${queue}\n  consumer: hms-sync\n`,
    async stop() {
      for (const stream of streams.values()) await stream.close();
      await server.stop();
    },
  };
}

export async function startRabbitBroker(): Promise<SourceBroker> {
  const server = await startRabbitMq();
  const publisher = await createAmqpPublisher(server.url);
  return {
    name: 'RabbitMQ',
    async fill(queue, count) {
      await publisher.channel.assertQueue(queue, { durable: true });
      await publisher.publish('', queue, bodies(queue, count), { chunk: 1000 });
    },
    async drainRaw(queue, count) {
      const consumer = await createAmqpPublisher(server.url);
      try {
        await consumer.channel.prefetch(IN_FLIGHT);
        await new Promise<void>((resolve) => {
          let taken = 0;
          void consumer.channel.consume(queue, (message) => {
            if (message === null) return;
            consumer.channel.ack(message);
            if (++taken === count) resolve();
          });
        });
      } finally {
        await consumer.close();
      }
    },
    sourceYaml: (queue) => `name: bench\ntype: amqp\namqp:\n  url: ${server.url}\n  queue: ${queue}\n`,
    async stop() {
      await publisher.close();
      await server.stop();
    },
  };
}

export async function startOutboxBroker(): Promise<SourceBroker> {
  const server = await startPostgres();
  const database = await server.createDatabase('bench');
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  const outbox = (table: string): CompiledOutbox => ({
    url: database.url,
    table,
    columns: { id: 'id', type: 'type', payload: 'payload', createdAt: 'created_at', processedAt: 'processed_at', error: 'error' },
    onConsume: 'delete',
    pollIntervalMs: 1000,
    batch: 500,
  });
  return {
    name: 'PostgreSQL outbox',
    async fill(queue, count) {
      await pool.query(`CREATE TABLE ${queue} (id bigserial PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
      const rows = bodies(queue, count);
      for (let start = 0; start < rows.length; start += 5000) {
        await pool.query(`INSERT INTO ${queue} (type, payload) SELECT 'permitApproved', p::jsonb FROM unnest($1::text[]) AS p`, [rows.slice(start, start + 5000)]);
      }
    },
    async drainRaw(queue, count) {
      // The source's own statements, one lease at a time: lock a batch, delete it, commit.
      const sql = outboxSql(outbox(queue));
      const client = await pool.connect();
      try {
        for (let taken = 0; taken < count;) {
          const results = (await client.query(sql.take(IN_FLIGHT))) as unknown as pg.QueryResult<{ id: string }>[];
          const rows = results[1]?.rows ?? [];
          await client.query(sql.finish(rows.map((row) => ({ id: row.id }))));
          taken += rows.length;
        }
      } finally {
        client.release();
      }
    },
    sourceYaml: (queue) => `name: bench\ntype: postgres-outbox\npostgres-outbox:\n  url: ${database.url}\n  table: ${queue}\n`,
    async stop() {
      await pool.end();
      await server.stop();
    },
  };
}
