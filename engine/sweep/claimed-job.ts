/** A delivery claimed from the store, as the dispatcher takes it. */
import type { DispatchJob } from '../dispatch/dispatch-job.js';
import type { ClaimedDelivery } from '../store/store.js';

export function claimedJob(delivery: ClaimedDelivery): DispatchJob {
  return {
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    connector: delivery.connector,
    route: delivery.route,
    orderingKey: delivery.orderingKey,
    attemptsMade: delivery.attempts,
    scheduleOffset: delivery.scheduleOffset,
    event: JSON.parse(delivery.eventBody) as unknown,
    acceptedAt: delivery.receivedAt,
    traceparent: delivery.traceparent,
    replayId: delivery.replayId,
  };
}
