/**
 * Accepts events from any source (in-process emit, HTTP, outcome events, later brokers): gives
 * each an id, finds the routes it matches (`on`, then `when`), stores the event and its
 * deliveries durably in one group commit, and only then hands the fresh deliveries to the
 * dispatcher. What it accepted and refused, and from where, it tells with its signals.
 *
 * A `when` that fails to evaluate still creates the delivery, as `dead` with the reason, so the
 * failure is visible and replayable rather than silently dropped.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry.js';
import type { Dispatcher, DispatchJob } from '../dispatch/dispatcher.js';
import type { CompiledExpression } from '../config/compiled.js';
import { describeFailure, HmsError, type ErrorCode } from '../errors.js';
import { Signals } from '../signals.js';
import { matchRoutes } from './match-routes.js';
import { createIdGenerator } from './new-id.js';
import { parseTraceparent, traceOf } from './trace-context.js';
import { validateEvent } from './validate-event.js';
import type { SyncEvent } from '../model.js';
import type { AcceptResult, NewDelivery, NewEvent, Store } from '../store/store.js';

export interface IngestOptions {
  readonly store: Store;
  readonly registry: Registry;
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly leaseMs: number;
  readonly newId?: () => string;
  /** Called after deliveries were stored for the sweep instead of handed over (the dispatcher was
   * full, they are ordered, or their connector is not sending now). */
  readonly onOverflow?: () => void;
  /** Why no batch may be stored now, if so (the disk guard's STORE_FULL): it is thrown before
   * anything of the batch is stored. */
  readonly refusal?: () => HmsError | undefined;
}

/** The ordering key of a delivery whose connector has none, or whose `when` failed. */
const UNORDERED: { key: null; error?: string } = { key: null };

export type IngestSignals = {
  /** Events acknowledged (new ones and duplicates), by where they came from: `http`, `emit`,
   * `outcome` (sync.delivered and sync.dead) or a source's name. */
  accepted: [via: string, events: number];
  /** Events refused, with the catalogue code of why; a batch is refused whole. */
  rejected: [reason: ErrorCode, events: number];
  /** A delivery died as it was created: its route's `when` or its connector's orderingKey failed. */
  deadAtIngest: [connector: string];
};

export interface Ingest {
  readonly signals: Signals<IngestSignals>;
  /** Checks each event (validate-event.ts), then `normalize`s it, stores the batch and resolves
   * once it is durable. An invalid event or a failure refuses the whole batch. `traceparent` is the
   * request's (an HTTP header), for the events without one of their own (trace-context.ts). */
  accept(events: readonly SyncEvent[], via: string, normalize?: (event: SyncEvent) => SyncEvent, traceparent?: string): Promise<AcceptResult[]>;
  /** Reports events refused before `accept` (not valid, or in a request that could not be read). */
  refused(error: unknown, events: number): void;
}

/** A delivery as stored, and whether it goes straight to the dispatcher once stored. */
interface PreparedDelivery extends NewDelivery {
  readonly handOver?: boolean;
}

interface PreparedEvent extends NewEvent {
  readonly deliveries: readonly PreparedDelivery[];
}

export function createIngest(options: IngestOptions): Ingest {
  const { registry, dispatcher, clock } = options;
  const newId = options.newId ?? createIdGenerator();
  const signals = new Signals<IngestSignals>((error, signal) => options.logger.error({ err: error, signal }, 'an ingest listener failed'));

  async function prepare(event: SyncEvent, now: number, handOver: boolean, requestTrace: string | null): Promise<PreparedEvent> {
    const deliveries: PreparedDelivery[] = [];
    for (const { connector, route, error } of await matchRoutes(registry, event)) {
      const base = { id: newId(), connector: connector.name, route: route.key };
      const key = error === undefined && connector.orderingKey !== undefined ? await orderingKeyOf(connector.orderingKey, event) : UNORDERED;
      const failure = error ?? key.error;
      if (failure !== undefined) {
        deliveries.push({ ...base, state: 'dead', nextAttemptAt: null, lastError: failure });
        continue;
      }
      // Ordered deliveries always go through the store's claim, which knows what is ahead of
      // them; so do those of a connector that is not sending now (disabled, paused, breaker open).
      const direct = handOver && key.key === null && dispatcher.accepting(connector.name);
      // Handed over means leased to this engine's dispatcher, as a claim would.
      deliveries.push({ ...base, state: direct ? 'inflight' : 'pending', nextAttemptAt: direct ? now + options.leaseMs : now, orderingKey: key.key, handOver: direct });
    }
    const id = event.id === undefined || event.id === null ? newId() : String(event.id);
    return { id, type: event.type, body: JSON.stringify(event), receivedAt: now, traceparent: traceOf(event, requestTrace), deliveries };
  }

  async function store(events: readonly SyncEvent[], requestTrace: string | null): Promise<AcceptResult[]> {
    const full = options.refusal?.();
    if (full !== undefined) throw full;
    const now = clock.now();
    // Decided once per batch: either the dispatcher takes the whole batch or the sweep will.
    const handOver = dispatcher.room() > 0;
    const prepared = await Promise.all(events.map((event) => prepare(event, now, handOver, requestTrace)));
    const results = await options.store.acceptEvents(prepared);
    let leftInStore = false;
    prepared.forEach((event, index) => {
      if (results[index]?.duplicate) return;
      for (const delivery of event.deliveries) {
        if (delivery.state === 'dead') signals.emit('deadAtIngest', delivery.connector);
        else if (delivery.handOver) dispatcher.submit(jobFor(event, delivery, events[index]));
        else leftInStore = true;
      }
    });
    if (leftInStore) options.onOverflow?.();
    return results;
  }

  const refused = (error: unknown, count: number) => signals.emit('rejected', error instanceof HmsError ? error.code : 'INTERNAL', count);
  return {
    signals,
    async accept(events, via, normalize = (event) => event, traceparent) {
      try {
        const results = await store(events.map((event, index) => normalize(validateEvent(event, index))), parseTraceparent(traceparent));
        signals.emit('accepted', via, events.length);
        return results;
      } catch (error) {
        refused(error, events.length);
        throw error;
      }
    },
    refused,
  };
}

/**
 * The value of a connector's orderingKey for the event: null when it gives nothing (such a
 * delivery is not ordered); a scalar as text, anything else as JSON. An expression that fails
 * makes the delivery dead with MAPPING_FAILED, like a failing `when` (a fix re-drives it).
 */
export async function orderingKeyOf(orderingKey: CompiledExpression, event: SyncEvent): Promise<{ key: string | null; error?: string }> {
  try {
    const value = await orderingKey.evaluate(event);
    if (value === undefined || value === null) return { key: null };
    return { key: typeof value === 'string' ? value : JSON.stringify(value) };
  } catch (error) {
    return { key: null, error: describeFailure(error) };
  }
}

function jobFor(event: PreparedEvent, delivery: PreparedDelivery, emitted: unknown): DispatchJob {
  return {
    deliveryId: delivery.id,
    eventId: event.id,
    eventType: event.type,
    connector: delivery.connector,
    route: delivery.route,
    orderingKey: delivery.orderingKey ?? null,
    attemptsMade: 0,
    scheduleOffset: 0,
    event: emitted,
    acceptedAt: event.receivedAt,
    traceparent: event.traceparent ?? null,
    replayId: null,
  };
}
