/**
 * RabbitMQ (AMQP 0-9-1, amqplib): one connection and one channel consuming the queue with manual
 * acknowledgement, `prefetch` bounding what RabbitMQ sends ahead. `ack` after storing; poison is
 * rejected without requeue, so it goes to the queue's dead-letter exchange when there is one.
 *
 * With `exchange`, the exchange (durable) and the queue (durable, with `deadLetterExchange` as
 * its x-dead-letter-exchange) are declared and bound with `bindingKeys`; without it the queue
 * must exist. Deliveries the runner has not taken when the channel closes go back to the queue.
 * amqplib's own recovery is not used: the runner reconnects with its backoff and a fresh adapter.
 */
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { CompiledSource } from '../../config/sources/compiled-source.js';
import { HmsError } from '../../errors.js';
import { createMessageBuffer } from './message-buffer.js';
import type { SourceAdapter, SourceMessage } from './source-adapter.js';

/** How long opening the TCP connection may take. */
export const AMQP_CONNECT_TIMEOUT_MS = 5_000;
/** Heartbeat interval asked of the server, so a dead connection is noticed. */
const AMQP_HEARTBEAT_S = 10;

interface AmqpMessage extends SourceMessage {
  readonly raw: ConsumeMessage;
}

export function createAmqpAdapter(source: CompiledSource & { readonly type: 'amqp' }): SourceAdapter<AmqpMessage> {
  const settings = source.amqp;
  const buffer = createMessageBuffer<AmqpMessage>();
  let connection: ChannelModel | undefined;
  let channel: Channel | undefined;
  const lost = (why: string) => buffer.fail(new HmsError('SOURCE_UNAVAILABLE', `the connection to RabbitMQ was lost: ${why}`));
  const open = (): Channel => {
    if (channel === undefined) throw new HmsError('SOURCE_UNAVAILABLE', 'the RabbitMQ channel is closed');
    return channel;
  };

  return {
    async connect() {
      const { tls } = settings;
      try {
        connection = await amqp.connect(withHeartbeat(settings.url), {
          timeout: AMQP_CONNECT_TIMEOUT_MS,
          clientProperties: { connection_name: `hms-sync source ${source.name}` },
          ...(tls?.ca !== undefined && { ca: [tls.ca] }),
          ...(tls?.cert !== undefined && { cert: tls.cert, key: tls.key }),
        });
      } catch (error) {
        throw new HmsError('SOURCE_UNAVAILABLE', `cannot connect to RabbitMQ: ${messageOf(error)}`, { cause: error });
      }
      connection.on('error', (error: Error) => lost(error.message));
      connection.on('close', () => lost('connection closed'));
      const opened = await connection.createChannel();
      opened.on('error', (error: Error) => lost(error.message));
      opened.on('close', () => {
        channel = undefined;
        lost('channel closed');
      });
      try {
        const { exchange, queue, deadLetterExchange } = settings;
        if (exchange === undefined) await opened.checkQueue(queue);
        else {
          await opened.assertExchange(exchange.name, exchange.type, { durable: true });
          await opened.assertQueue(queue, { durable: true, ...(deadLetterExchange !== undefined && { deadLetterExchange }) });
          for (const key of exchange.bindingKeys) await opened.bindQueue(queue, exchange.name, key);
        }
        if (source.outcomes !== undefined && 'exchange' in source.outcomes) await opened.checkExchange(source.outcomes.exchange);
        await opened.prefetch(settings.prefetch);
        channel = opened;
        await opened.consume(queue, (raw) => {
          if (raw === null) lost(`RabbitMQ cancelled the consumer (was queue "${queue}" deleted?)`);
          else buffer.push(toMessage(raw, queue));
        }, { noAck: false });
      } catch (error) {
        throw new HmsError('SOURCE_UNAVAILABLE', `cannot consume queue "${settings.queue}": ${messageOf(error)}${settings.exchange === undefined ? ' (without amqp.exchange the queue must already exist)' : ''}`, { cause: error });
      }
    },
    take(max, signal) {
      return buffer.take(max, signal);
    },
    async ack(messages) {
      const acking = open();
      for (const message of messages) acking.ack(message.raw);
    },
    async reject(message) {
      open().reject(message.raw, false);
    },
    async lag() {
      return (await open().checkQueue(settings.queue)).messageCount;
    },
    async publish(event) {
      if (source.outcomes === undefined || !('exchange' in source.outcomes)) return;
      open().publish(source.outcomes.exchange, event.type, Buffer.from(JSON.stringify(event)), {
        contentType: 'application/json',
        messageId: String(event.id),
        persistent: true,
      });
    },
    async close() {
      buffer.clear();
      const closing = connection;
      connection = undefined;
      channel = undefined;
      // Closing the connection gives every unacknowledged delivery back to the queue.
      await closing?.close().catch(() => undefined);
    },
  };
}

function toMessage(raw: ConsumeMessage, queue: string): AmqpMessage {
  const { headers, ...properties } = raw.properties;
  const { deliveryTag, exchange, routingKey, redelivered } = raw.fields;
  return {
    raw,
    body: raw.content,
    context: { routingKey, exchange, properties, headers, redelivered },
    position: `queue ${queue} delivery ${deliveryTag} (routing key ${routingKey}${properties.messageId === undefined ? '' : `, message id ${String(properties.messageId)}`})`,
    ...(typeof properties.messageId === 'string' && properties.messageId !== '' && { id: properties.messageId }),
  };
}

/** The URL with a heartbeat unless it sets one. */
function withHeartbeat(url: string): string {
  if (/[?&]heartbeat=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}heartbeat=${AMQP_HEARTBEAT_S}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
