/** A test client publishing to RabbitMQ with publisher confirms, so a publish returns once the broker has the message. */
import amqp, { type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';

export interface AmqpPublisher {
  readonly channel: ConfirmChannel;
  /** Publishes each body in order to `exchange` with `routingKey`, waiting for the broker's confirms every `chunk` messages. */
  publish(exchange: string, routingKey: string, bodies: readonly (string | Buffer)[], options?: Options.Publish & { chunk?: number }): Promise<void>;
  close(): Promise<void>;
}

export async function createAmqpPublisher(url: string): Promise<AmqpPublisher> {
  const connection: ChannelModel = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  return {
    channel,
    async publish(exchange, routingKey, bodies, options = {}) {
      const { chunk = 500, ...publishOptions } = options;
      for (let start = 0; start < bodies.length; start += chunk) {
        for (const body of bodies.slice(start, start + chunk)) {
          channel.publish(exchange, routingKey, Buffer.isBuffer(body) ? body : Buffer.from(body), { persistent: true, ...publishOptions });
        }
        await channel.waitForConfirms();
      }
    },
    close: () => connection.close().catch(() => undefined),
  };
}
