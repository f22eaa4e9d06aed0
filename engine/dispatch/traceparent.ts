/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) on the way out. An event accepted with
 * a traceparent keeps it (bus/trace-context.ts normalizes it to version 00); each attempt of its
 * deliveries sends a `traceparent` with the same trace id and flags and a span id of its own, so
 * the receiver's span is a child of that attempt, in the producer's trace. No span is exported:
 * the span id only links the receiver to the producer's trace.
 *
 * The span id is derived (SHA-256 of the message id, attempt number and start time), so it needs
 * no randomness and differs for every attempt.
 */
import { createHash } from 'node:crypto';

/** The traceparent one attempt sends for an event's (version 00) traceparent. */
export function attemptTraceparent(eventTraceparent: string, messageId: string, attempt: number, startedAt: number): string {
  const [, traceId, , flags] = eventTraceparent.split('-');
  let spanId = createHash('sha256').update(`${messageId}\n${attempt}\n${startedAt}`).digest('hex').slice(0, 16);
  // An all-zero span id is invalid; a 1-in-2^64 draw, replaced rather than sent.
  if (/^0+$/.test(spanId)) spanId = '0000000000000001';
  return `00-${traceId}-${spanId}-${flags}`;
}
