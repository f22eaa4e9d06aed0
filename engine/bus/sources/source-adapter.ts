/**
 * What the source runner (source-runner.ts) needs of a broker or database: one small interface,
 * one implementation per source type (nats.ts, amqp.ts, postgres-outbox.ts), chosen by
 * create-adapter.ts. The runner owns everything the types share: turning messages into events,
 * storing them, back-pressure, reconnecting, draining; an adapter only moves messages.
 *
 * Glossary:
 * - message: one unit the source hands over: a JetStream message, an AMQP delivery, an outbox row.
 * - position: where a message sits in its source, for logs and GET /status: a stream sequence, a
 *   delivery tag, a row id.
 * - held: taken by the runner and neither acknowledged nor rejected yet.
 *
 * Contract: an adapter serves one connection. `connect` first; then `take`, `ack`, `reject`,
 * `lag` and `publish` in any order; `close` last (idempotent). When the connection is lost,
 * `take` rejects (as do `ack` and `reject`); the runner then closes the adapter and makes a new
 * one. Messages neither acknowledged nor rejected when it closes go back to the source: the
 * broker redelivers them, and their event ids make the redelivery a duplicate.
 */
import type { SyncEvent } from '../../model.js';

export interface SourceMessage {
  /** The body as received; an outbox row's payload as JSON text. */
  readonly body: Uint8Array | string;
  /** The fields the `event:` expressions see beside `body` (subject, headers, routingKey, row, ...). */
  readonly context: Readonly<Record<string, unknown>>;
  /** Where the message is, for logs and status, e.g. `stream PERMITS sequence 42`. */
  readonly position: string;
  /** The event type when `event.type` is not written and before body.type (the outbox's type column). */
  readonly type?: string;
  /** The event id when `event.id` is not written and the body has no id: stable across redeliveries. */
  readonly id?: string;
}

export interface SourceAdapter<M extends SourceMessage = SourceMessage> {
  /** Connects and prepares (consumer, queue, LISTEN). Rejects, saying what to fix, when it cannot. */
  connect(): Promise<void>;
  /**
   * Resolves with 1 to `max` messages, in the order the source hands them over, as soon as any
   * are there; with none once `signal` aborts. Never hands over more than `max` at a time.
   */
  take(max: number, signal: AbortSignal): Promise<M[]>;
  /** Acknowledges messages whose events are durably stored. */
  ack(messages: readonly M[]): Promise<void>;
  /** Gives up on a message that cannot become an event, once: it is never redelivered
   * (JetStream term, AMQP reject to the dead-letter exchange, outbox row deleted or marked). */
  reject(message: M, reason: string): Promise<void>;
  /** Messages waiting in the source, when it can tell (JetStream pending, queue depth, rows waiting). */
  lag(): Promise<number | null>;
  /** Publishes an outcome event back to the broker (sources with `outcomes:`). */
  publish?(event: SyncEvent): Promise<void>;
  close(): Promise<void>;
}
