/**
 * Puts outcome events on the engine's bus. Subscribers are called synchronously (their errors are
 * logged, never thrown into delivery); events that some route takes are ingested in batches, one
 * per event-loop turn, through the same durable path as any other event.
 */
import type { Logger } from 'pino';
import type { SyncEvent } from '../model.js';
import type { DeliveryOutcome } from '../dispatch/dispatcher-signals.js';
import { outcomeEventType, toOutcomeEvent } from './outcome-events.js';

export type OutcomeListener = (event: SyncEvent) => void;

export interface OutcomePublisherOptions {
  readonly ingest: (events: readonly SyncEvent[]) => Promise<unknown>;
  /** True when some connector route takes events of this type. */
  readonly routed: (type: string) => boolean;
  readonly logger: Logger;
}

export interface OutcomePublisher {
  publish(outcome: DeliveryOutcome): void;
  subscribe(listener: OutcomeListener): () => void;
  /** Resolves once every outcome published so far is stored. */
  flush(): Promise<void>;
}

export function createOutcomePublisher(options: OutcomePublisherOptions): OutcomePublisher {
  const listeners = new Set<OutcomeListener>();
  let queued: SyncEvent[] = [];
  let scheduled: Promise<void> | undefined;

  function store(): Promise<void> {
    scheduled ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const batch = queued;
      queued = [];
      scheduled = undefined;
      try {
        await options.ingest(batch);
      } catch (error) {
        options.logger.error({ err: error, events: batch.length }, 'outcome events could not be stored');
      }
    });
    return scheduled;
  }

  return {
    publish(outcome) {
      // Called for every finished delivery: build nothing when no one takes the event.
      const routed = options.routed(outcomeEventType(outcome.state));
      if (listeners.size === 0 && !routed) return;
      const event = toOutcomeEvent(outcome);
      if (!event) return;
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          options.logger.error({ err: error }, 'an outcome subscriber threw');
        }
      }
      if (routed) {
        queued.push(event);
        void store();
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async flush() {
      while (scheduled) await scheduled;
    },
  };
}
