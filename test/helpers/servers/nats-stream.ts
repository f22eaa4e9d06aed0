/** A test client's side of a JetStream stream: create it, publish to it (acknowledged by the server), inspect a consumer. */
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';

export interface NatsStream {
  readonly connection: NatsConnection;
  readonly manager: JetStreamManager;
  /** Publishes each body in order, `concurrency` at a time, each acknowledged by the stream; returns their stream sequences. */
  publish(subject: string, bodies: readonly (string | Uint8Array)[], options?: { msgIds?: readonly string[]; concurrency?: number }): Promise<number[]>;
  close(): Promise<void>;
}

export async function createNatsStream(url: string, stream: string, subjects: readonly string[], auth: { token?: string } = {}): Promise<NatsStream> {
  const connection = await connect({ servers: url, ...auth });
  const manager = await jetstreamManager(connection);
  await manager.streams.add({ name: stream, subjects: [...subjects] });
  const js = jetstream(connection);
  return {
    connection,
    manager,
    async publish(subject, bodies, options = {}) {
      const sequences: number[] = [];
      const concurrency = options.concurrency ?? 256;
      for (let start = 0; start < bodies.length; start += concurrency) {
        const acks = bodies.slice(start, start + concurrency).map((body, offset) => {
          const msgId = options.msgIds?.[start + offset];
          const h = msgId === undefined ? undefined : headers();
          if (msgId !== undefined) h!.set('Nats-Msg-Id', msgId);
          return js.publish(subject, body, h ? { headers: h } : undefined);
        });
        for (const ack of await Promise.all(acks)) sequences.push(ack.seq);
      }
      return sequences;
    },
    close: () => connection.close(),
  };
}
