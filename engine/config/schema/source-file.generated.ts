/* Generated from schemas/source.schema.json by npm run gen:types. Do not edit: change the schema and regenerate. */

/**
 * One hms-sync event source (format v1): a NATS JetStream consumer, a RabbitMQ queue or a PostgreSQL outbox table the engine takes events from, acknowledging each message only once its event is stored. One source per YAML file in sources.d/.
 */
export type SourceFile = {
  [k: string]: unknown;
} & {
  /**
   * Unique name across all source files: lowercase letters, digits and dashes, starting with a letter.
   */
  name: string;
  /**
   * Free text for humans.
   */
  description?: string;
  /**
   * The kind of source; its settings go under the key of the same name (nats:, amqp: or postgres-outbox:).
   */
  type: "nats" | "amqp" | "postgres-outbox";
  nats?: NatsSource;
  amqp?: AmqpSource;
  "postgres-outbox"?: PostgresOutboxSource;
  event?: SourceEvent;
  /**
   * Most messages taken from the source but not yet stored and acknowledged; the source stops taking more until some are.
   */
  maxInFlight?: number;
  /**
   * Largest message body taken; a larger one is rejected (reason too-large).
   */
  maxBody?: string;
  outcomes?: SourceOutcomes;
};
/**
 * Text that may hold a secret: write it as ${env:NAME} or ${file:/run/secrets/NAME}.
 */
export type SecretText = string;

/**
 * A durable pull consumer of a NATS JetStream stream.
 */
export interface NatsSource {
  /**
   * Server URLs (nats://host:port, tls://host:port); the client tries them in turn.
   *
   * @minItems 1
   */
  servers?: [SecretText, ...SecretText[]];
  /**
   * The stream to read; it must exist (hms-sync never creates streams).
   */
  stream: string;
  /**
   * The durable pull consumer's name; created when missing (acknowledging each message explicitly) unless bind is true.
   */
  consumer: string;
  /**
   * Subjects the consumer takes (filter subjects; wildcards * and > allowed). Default: every subject of the stream. Several subjects need nats-server 2.10 or later.
   *
   * @minItems 1
   */
  subjects?: [string, ...string[]];
  /**
   * Use the consumer as it is configured on the server and never create or change it.
   */
  bind?: boolean;
  auth?: NatsAuth;
  tls?: SourceTls;
}
/**
 * One way to authenticate: token; user and password; nkey (an nkey seed, SU...); or creds (the text of a .creds file). The values are secrets: write them as ${env:NAME} or ${file:/run/secrets/NAME}.
 */
export interface NatsAuth {
  token?: SecretText;
  user?: SecretText;
  password?: SecretText;
  nkey?: SecretText;
  creds?: SecretText;
}
/**
 * TLS: the CA that signs the server's certificate and, for mutual TLS, a client certificate and key, read from PEM files.
 */
export interface SourceTls {
  /**
   * Path of the client certificate (PEM).
   */
  cert?: string;
  /**
   * Path of the client key (PEM).
   */
  key?: string;
  /**
   * Path of the CA certificate(s) trusted for the server (PEM).
   */
  ca?: string;
}
/**
 * A RabbitMQ (AMQP 0-9-1) queue.
 */
export interface AmqpSource {
  /**
   * Text that may hold a secret: write it as ${env:NAME} or ${file:/run/secrets/NAME}.
   */
  url: string;
  /**
   * The queue to consume. Without exchange it must exist; with exchange hms-sync declares it (durable) and binds it.
   */
  queue: string;
  /**
   * Declare this exchange (durable) and bind the queue to it with bindingKeys.
   */
  exchange?: string;
  /**
   * The type of exchange declared.
   */
  exchangeType?: "topic" | "direct" | "fanout" | "headers";
  /**
   * Routing keys (patterns for a topic exchange) the queue is bound with.
   *
   * @minItems 1
   */
  bindingKeys?: [string, ...string[]];
  /**
   * Most unacknowledged messages RabbitMQ sends at once. Default: maxInFlight.
   */
  prefetch?: number;
  /**
   * Where rejected messages go: declared as the queue's x-dead-letter-exchange (so it needs exchange, which makes hms-sync declare the queue). Without it, rejected messages are dropped by RabbitMQ unless a policy sets one.
   */
  deadLetterExchange?: string;
  tls?: SourceTls;
}
/**
 * A transactional outbox table in PostgreSQL: the application inserts one row per event in the same transaction as its own change; hms-sync reads committed rows in id order.
 */
export interface PostgresOutboxSource {
  /**
   * Text that may hold a secret: write it as ${env:NAME} or ${file:/run/secrets/NAME}.
   */
  url: string;
  /**
   * The outbox table, optionally schema-qualified (schema.table).
   */
  table?: string;
  columns?: OutboxColumns;
  /**
   * What happens to a row once its event is stored: delete removes it; mark sets its processedAt column (and, for a rejected row, its error column to the reason).
   */
  onConsume?: "delete" | "mark";
  /**
   * A channel to LISTEN on: a NOTIFY on it wakes the source at once instead of at the next poll.
   */
  notify?: string;
  /**
   * How long the source waits before looking again when the outbox was empty.
   */
  pollInterval?: string;
  /**
   * Most rows taken in one transaction.
   */
  batch?: number;
  tls?: SourceTls;
}
/**
 * Column names of the outbox table.
 */
export interface OutboxColumns {
  /**
   * bigserial (or bigint) primary key: the order rows are taken in.
   */
  id?: string;
  /**
   * text: the event type.
   */
  type?: string;
  /**
   * jsonb (or json, or text holding JSON): the event's fields.
   */
  payload?: string;
  /**
   * timestamptz: when the row was written.
   */
  createdAt?: string;
  /**
   * Optional jsonb column of headers, given to the event expressions as headers.
   */
  headers?: string;
  /**
   * timestamptz, null until the row is consumed (onConsume: mark only).
   */
  processedAt?: string;
  /**
   * text: why a rejected row could not become an event (onConsume: mark only).
   */
  error?: string;
}
/**
 * How a message becomes an event: JSONata expressions over the message. nats: { body, subject, headers, stream, sequence }; amqp: { body, routingKey, exchange, properties, headers }; postgres-outbox: { body, row, headers }. body is the message's JSON.
 */
export interface SourceEvent {
  /**
   * The event's type (a non-empty string). Default: body.type; for postgres-outbox, the row's type column.
   */
  type?: string;
  /**
   * The event's id, which makes a redelivered message a duplicate. Default: body.id, else a stable id from the message's position: nats:<stream>:<sequence>, outbox:<table>:<row id>, amqp properties.messageId (else the engine assigns one).
   */
  id?: string;
  /**
   * The event's fields: an object, on which type and id are then set.
   */
  body?: string;
}
/**
 * Publish every sync.delivered and sync.dead outcome event back to the broker: nats to subject (as <subject>.delivered and <subject>.dead), amqp to exchange (routing key sync.delivered or sync.dead). Best effort: an outcome is dropped while the source is disconnected.
 */
export interface SourceOutcomes {
  subject?: string;
  exchange?: string;
}
