/**
 * What operators ask of the store about deliveries (GET /deliveries, GET /deliveries/:id, the
 * retry and discard endpoints), as part of the Store contract (store.ts).
 *
 * Glossary:
 * - filter: which deliveries an operator means; every field optional, all combined with AND.
 * - cursor: the position of a delivery in acceptance order (SQLite: its seq, as text), handed out
 *   as `next` and taken back as `after`; opaque to callers.
 * - acceptance time: when the delivery's event was accepted (its `receivedAt`).
 */
import type { DeliveryState, EventId } from '../model.js';
import type { AttemptView, DeliveryView } from './store.js';

/** What the last attempt of a delivery got: the class of its HTTP status, `network` (no answer,
 * or none in time), or one exact status. */
export type StatusFilter = '2xx' | '3xx' | '4xx' | '5xx' | 'network' | number;

export interface DeliveryFilter {
  /** Any of these connectors. */
  readonly connectors?: readonly string[];
  readonly route?: string;
  /** Any of these states. */
  readonly states?: readonly DeliveryState[];
  /** Route `on` patterns (config/expression/type-pattern.ts): the event type matches any of them,
   * as a route's `on` would match it (`*` any run of characters; `sync.` types only for patterns
   * that start with `sync.`). */
  readonly eventTypes?: readonly string[];
  readonly eventId?: EventId;
  /** Acceptance time, epoch ms: from `since` (inclusive) to `until` (exclusive). */
  readonly since?: number;
  readonly until?: number;
  /** The last attempt's status is any of these (`network`: it got no answer). */
  readonly statuses?: readonly StatusFilter[];
  readonly minAttempts?: number;
}

export interface FindOptions {
  readonly filter: DeliveryFilter;
  /** `desc`: newest first (by acceptance); `asc`: oldest first. */
  readonly order: 'asc' | 'desc';
  /** The `next` of the previous page, or a delivery's `cursor`: the page starts after it. */
  readonly after?: string;
  /** At most this many deliveries (the store may return fewer; see DeliveryPage). */
  readonly limit: number;
  /** Include each delivery's event body (`eventBody`). */
  readonly withBody?: boolean;
}

/** A delivery as a list shows it: the delivery as its event shows it, without the attempts. */
export interface DeliveryListItem extends Omit<DeliveryView, 'history'> {
  /** Its position, to start a page after it (see FindOptions.after). */
  readonly cursor: string;
  readonly eventId: EventId;
  readonly eventType: string;
  /** When its event was accepted. */
  readonly acceptedAt: number;
  /** Its last change: delivered, died, discarded, retried, ... */
  readonly updatedAt: number;
  /** Its event as emitted (JSON text), with `withBody` only. */
  readonly eventBody?: string;
}

export interface DeliveryPage {
  readonly deliveries: readonly DeliveryListItem[];
  /**
   * Where the following page starts; null when no delivery after this page can match. A page may
   * hold fewer than `limit` deliveries, even none, and still have a `next`: the store examined as
   * many deliveries as one call may and stopped there.
   */
  readonly next: string | null;
}

/** One delivery with everything kept about it. */
export interface DeliveryDetail extends Omit<DeliveryListItem, 'cursor' | 'eventBody'> {
  readonly eventBody: string;
  /** Its event's traceparent, or null. */
  readonly eventTraceparent: string | null;
  readonly orderingKey: string | null;
  readonly history: readonly AttemptView[];
}

/**
 * What an operator does to deliveries:
 * - `retry`: dead and discarded ones become `retrying`, due now, their retry schedule restarted
 *   (scheduleOffset = attempts); retrying ones become due now and parked ones `retrying`, due now,
 *   both keeping their schedule and attempts.
 * - `discard`: dead, retrying and parked ones become `discarded`, due never.
 * Other states are left alone, and so is every delivery whose connector is not among those given.
 */
export type DeliveryAction = 'retry' | 'discard';

/** The states each action changes. */
export const ACTION_STATES: Readonly<Record<DeliveryAction, readonly DeliveryState[]>> = {
  retry: ['dead', 'discarded', 'retrying', 'parked'],
  discard: ['dead', 'retrying', 'parked'],
};
