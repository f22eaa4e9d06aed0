/**
 * What the dispatcher tells the rest of the engine (see ../signals.ts). The engine subscribes
 * once every stage exists: outcomes go to the outcome publisher, `unblocked` and `room` kick the
 * sweep, `keyFreed` claims the key's next run, attempts and parked deliveries are counted by the metrics.
 *
 * Glossary: an *outcome* is how a delivery ended, `delivered` or `dead`; a delivery that will be
 * tried again has no outcome yet (its attempt has a result, see judge-attempt.ts).
 */

import type { StatusClass } from '../model.js';

/** A delivery that ended, delivered or dead. */
export interface DeliveryOutcome {
  readonly deliveryId: string;
  readonly eventId: string;
  /** Type of the event the delivery carried. */
  readonly eventType: string;
  readonly connector: string;
  readonly route: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly state: 'delivered' | 'dead';
}

/** One attempt of one delivery, as recorded. */
export interface AttemptReport {
  readonly connector: string;
  readonly statusClass: StatusClass;
  readonly durationMs: number;
  /** The delivery's state after the attempt. */
  readonly state: 'delivered' | 'retrying' | 'dead';
  /** When the delivery's event was accepted (epoch ms). */
  readonly acceptedAt: number;
}

export type DispatcherSignals = {
  /** An attempt finished, once per delivery it carried (a batch's request is one per item). */
  attempt: [attempt: AttemptReport];
  /** A delivery ended, once per delivery. */
  outcome: [outcome: DeliveryOutcome];
  /** Deliveries waiting in the store may be claimable now: a breaker closed, a pause ended. */
  unblocked: [];
  /** A delivery of an ordering key ended (delivered or dead) with no later one of its key held
   * here: the key's next deliveries, waiting in the store, may go on. */
  keyFreed: [connector: string, orderingKey: string];
  /** The dispatcher held `maxHeld` deliveries and has room again (half of it free). */
  room: [];
  /** The store parked deliveries of connectors no longer configured: how many, by connector. */
  parked: [parked: Readonly<Record<string, number>>];
};
