/** The JSON shape of GET /events/:id: times as ISO-8601 strings, the event body parsed (left out
 * with `withBody` false), no secrets. */
import type { DeliveryState } from '../model.js';
import type { AttemptView, EventView } from '../store/store.js';

export function toEventResponse(event: EventView, withBody: boolean) {
  return {
    id: event.id,
    type: event.type,
    receivedAt: new Date(event.receivedAt).toISOString(),
    // The producer's W3C trace context, when the event came with one (docs/operations.md › Tracing).
    traceparent: event.traceparent,
    ...(withBody && { body: JSON.parse(event.body) as unknown }),
    deliveries: event.deliveries.map((delivery) => ({
      id: delivery.id,
      connector: delivery.connector,
      route: delivery.route,
      state: delivery.state,
      attempts: delivery.attempts,
      lastStatus: delivery.lastStatus,
      lastError: delivery.lastError,
      nextAttemptAt: dueAt(delivery),
      history: delivery.history.map(attemptOf),
    })),
  };
}

/** When a delivery is due, as shown: only a retry has a meaningful due time; for pending and
 * inflight it is a lease. */
export function dueAt(delivery: { readonly state: DeliveryState; readonly nextAttemptAt: number | null }): string | null {
  return delivery.state === 'retrying' && delivery.nextAttemptAt !== null ? new Date(delivery.nextAttemptAt).toISOString() : null;
}

/** One attempt as GET /events/:id and GET /deliveries/:id show it. */
export function attemptOf(attempt: AttemptView) {
  return {
    attempt: attempt.attempt,
    startedAt: new Date(attempt.startedAt).toISOString(),
    durationMs: attempt.durationMs,
    status: attempt.status,
    error: attempt.error,
    // The configuration revision the attempt was made under; null for attempts stored before it was kept.
    revision: attempt.revision,
    // The start of a failed answer's body (4 KiB at most), secrets removed.
    responseBody: attempt.responseBody,
    traceparent: attempt.traceparent,
  };
}
