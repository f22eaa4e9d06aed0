/**
 * Outcome events: when a delivery is delivered or dead, the engine puts `sync.delivered` or
 * `sync.dead` on its own bus, so services can react (the seed's optional acknowledgement).
 * In-process subscribers always get them; they are stored and routed like any other event only
 * when some connector route takes their type (so an engine with no such route pays nothing).
 * An outcome event never causes another outcome event.
 */
import type { DeliveryOutcome } from '../dispatch/dispatcher-signals.js';
import type { SyncEvent } from '../model.js';

export const OUTCOME_EVENT_TYPES: ReadonlySet<string> = new Set(['sync.delivered', 'sync.dead']);

/** The type of the outcome event for a delivery that ended in `state`. */
export function outcomeEventType(state: DeliveryOutcome['state']): string {
  return `sync.${state}`;
}

/** The outcome as an event, or undefined for the outcome of an outcome event. */
export function toOutcomeEvent(outcome: DeliveryOutcome): SyncEvent | undefined {
  if (OUTCOME_EVENT_TYPES.has(outcome.eventType)) return undefined;
  return {
    type: outcomeEventType(outcome.state),
    // One id per delivery and attempt count: replays after a crash are deduplicated, a re-driven
    // delivery that ends again gets a new outcome.
    id: `sync.${outcome.state}:${outcome.deliveryId}:${outcome.attempts}`,
    eventId: outcome.eventId,
    eventType: outcome.eventType,
    connector: outcome.connector,
    route: outcome.route,
    attempts: outcome.attempts,
    lastStatus: outcome.lastStatus,
  };
}
