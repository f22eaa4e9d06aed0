/**
 * Dead letters for in-process users (`engine.listDead`, `engine.retryDead`), as they were before
 * GET /deliveries took filters: the dead deliveries oldest first, a page at a time, and retrying
 * them by hand. Both are the general operations (find-deliveries.ts, delivery-actions.ts) with
 * `state: dead`.
 */
import type { EventId } from '../model.js';
import type { Store } from '../store/store.js';
import type { DeliveryActions } from './delivery-actions.js';

/** A dead delivery as listed for operators: where it was going, and why it died. */
export interface DeadDeliveryView {
  readonly id: string;
  readonly eventId: EventId;
  readonly eventType: string;
  readonly connector: string;
  readonly route: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  /** When it died (its last change). */
  readonly deadSince: number;
}

export interface DeadListOptions {
  /** Only the dead deliveries of this connector. */
  readonly connector?: string;
  /** The `next` of the previous page; the list starts from the oldest without it. */
  readonly after?: string;
  readonly limit: number;
}

export interface DeadPage {
  /** Oldest first, in acceptance order. */
  readonly deliveries: readonly DeadDeliveryView[];
  /** The cursor of the following page; null on the last one. */
  readonly next: string | null;
}

/** Which dead deliveries to retry: one by id, or every one of a connector, or (neither) all. */
export type DeadSelection = { readonly id: string } | { readonly connector?: string };

/** A page of dead deliveries, oldest first. Rejects QUERY_INVALID for an `after` it did not hand out. */
export async function listDead(store: Store, options: DeadListOptions): Promise<DeadPage> {
  const filter = { states: ['dead'] as const, ...(options.connector !== undefined && { connectors: [options.connector] }) };
  const page = await store.findDeliveries({ filter, order: 'asc', limit: options.limit, ...(options.after !== undefined && { after: options.after }) });
  return {
    deliveries: page.deliveries.map((d) => ({ id: d.id, eventId: d.eventId, eventType: d.eventType, connector: d.connector, route: d.route, attempts: d.attempts, lastStatus: d.lastStatus, lastError: d.lastError, deadSince: d.updatedAt })),
    next: page.next,
  };
}

/** Retries dead deliveries (see DeliveryActions); resolves with how many. */
export async function retryDead(actions: DeliveryActions, which: DeadSelection): Promise<number> {
  if ('id' in which) return actions.one('retry', which.id, ['dead']);
  const filter = { states: ['dead'] as const, ...(which.connector !== undefined && { connectors: [which.connector] }) };
  return (await actions.bulk('retry', { filter }, false)).matched;
}
