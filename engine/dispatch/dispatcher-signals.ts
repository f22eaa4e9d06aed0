/**
 * What the dispatcher tells the rest of the engine (see ../signals.ts). The engine subscribes
 * once every stage exists: outcomes go to the outcome publisher, `unblocked` and `room` kick the
 * sweep.
 *
 * Glossary: an *outcome* is how a delivery ended, `delivered` or `dead`; a delivery that will be
 * tried again has no outcome yet (its attempt has a result, see judge-attempt.ts).
 */

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

export type DispatcherSignals = {
  /** A delivery ended, once per delivery. */
  outcome: [outcome: DeliveryOutcome];
  /** Deliveries waiting in the store may be claimable now: the head of an ordering key finished,
   * a breaker closed, a pause ended. */
  unblocked: [];
  /** The dispatcher held `maxHeld` deliveries and has room again (half of it free). */
  room: [];
};
