/**
 * The JSON shapes of GET /deliveries (a page of deliveries) and GET /deliveries/:id (one delivery
 * with every attempt and the request of each): times as ISO-8601 strings, event bodies parsed.
 * Requests are masked as `preview` masks them (dispatch/masked-request.ts); nothing here holds a
 * secret the store did not already mask.
 */
import type { FoundDeliveries } from '../operate/find-deliveries.js';
import type { DeliveryPage } from '../operate/delivery-page.js';
import type { DeliveryListItem } from '../store/store.js';
import { attemptOf, dueAt } from './event-response.js';

export function toDeliveryListResponse(found: FoundDeliveries) {
  return {
    deliveries: found.deliveries.map(listItemOf),
    next: found.next,
    ...(found.scanned !== undefined && { scanned: found.scanned }),
  };
}

function listItemOf(delivery: DeliveryListItem) {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    connector: delivery.connector,
    route: delivery.route,
    state: delivery.state,
    attempts: delivery.attempts,
    lastStatus: delivery.lastStatus,
    lastError: delivery.lastError,
    acceptedAt: iso(delivery.acceptedAt),
    updatedAt: iso(delivery.updatedAt),
    nextAttemptAt: dueAt(delivery),
    // As GET /deliveries?state=dead has always shown it.
    ...(delivery.state === 'dead' && { deadSince: iso(delivery.updatedAt) }),
  };
}

export function toDeliveryPageResponse({ delivery, requests }: DeliveryPage) {
  const { history, eventBody, eventTraceparent, orderingKey, ...listed } = delivery;
  return {
    ...listItemOf({ ...listed, cursor: '' }),
    orderingKey,
    traceparent: eventTraceparent,
    eventBody: JSON.parse(eventBody) as unknown,
    history: history.map((attempt, i) => ({ ...attemptOf(attempt), request: requests[i] ?? null })),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
