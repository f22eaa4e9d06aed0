/**
 * Accepts events from any source (in-process emit, HTTP, later brokers): gives each an id, finds
 * the routes it matches (`on`, then `when`), stores the event and its deliveries durably in one
 * group commit, and only then hands the fresh deliveries to the dispatcher.
 *
 * A `when` that fails to evaluate still creates the delivery, as `dead` with the reason, so the
 * failure is visible and replayable rather than silently dropped.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry.js';
import type { Dispatcher, DispatchJob } from '../dispatch/dispatcher.js';
import { matchRoutes } from './match-routes.js';
import type { SyncEvent } from '../model.js';
import type { AcceptResult, NewDelivery, NewEvent, Store } from '../store/store.js';

export interface IngestOptions {
  readonly store: Store;
  readonly registry: Registry;
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly newId?: () => string;
  /** Called after a batch was stored for the sweep instead of handed over (the dispatcher was full). */
  readonly onOverflow?: () => void;
}

export type Ingest = (events: readonly SyncEvent[]) => Promise<AcceptResult[]>;

export function createIngest(options: IngestOptions): Ingest {
  const { store, registry, dispatcher, clock } = options;
  const newId = options.newId ?? uuidv7;

  async function prepare(event: SyncEvent, now: number, handOver: boolean): Promise<NewEvent> {
    const deliveries = (await matchRoutes(registry, event)).map(({ connector, route, error }): NewDelivery => ({
      id: newId(),
      connector: connector.name,
      route: route.key,
      state: error === undefined ? 'pending' : 'dead',
      nextAttemptAt: error !== undefined ? null : handOver ? now + options.leaseMs : now,
      ...(error === undefined ? {} : { lastError: error }),
    }));
    const id = event.id === undefined || event.id === null ? newId() : String(event.id);
    return { id, type: event.type, body: JSON.stringify(event), receivedAt: now, deliveries };
  }

  return async function ingest(events) {
    const now = clock.now();
    // Decided once per batch: either the dispatcher takes the whole batch or the sweep will.
    const handOver = dispatcher.room() > 0;
    const prepared = await Promise.all(events.map((event) => prepare(event, now, handOver)));
    const results = await store.acceptEvents(prepared);
    if (!handOver) options.onOverflow?.();
    if (handOver) {
      prepared.forEach((event, index) => {
        if (results[index]?.duplicate) return;
        for (const delivery of event.deliveries) {
          if (delivery.state === 'pending') dispatcher.submit(jobFor(event, delivery, events[index]));
        }
      });
    }
    return results;
  };
}

function jobFor(event: NewEvent, delivery: NewDelivery, emitted: unknown): DispatchJob {
  return {
    deliveryId: delivery.id,
    eventId: event.id,
    connector: delivery.connector,
    route: delivery.route,
    attemptsMade: 0,
    scheduleOffset: 0,
    event: emitted,
    claimed: false,
  };
}
