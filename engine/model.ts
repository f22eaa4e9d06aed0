/**
 * Glossary (shared by every stage of the data flow):
 * - event: a JSON object with a string `type`, accepted once by id and stored before it is acknowledged.
 * - route: one entry of a connector's `routes`; an event that matches it becomes one delivery.
 * - delivery: one event going to one connector route; it owns its state and attempt history.
 * - attempt: one HTTP request made for a delivery, recorded with its time, duration and outcome.
 * - status class: what an attempt got, coarsely: the class of the target's HTTP status (2xx, 3xx,
 *   4xx, 5xx), or `network` (no answer), `timeout` (no answer in time), `mapping` (nothing sent:
 *   the request could not be rendered).
 *
 * Delivery states:
 *   pending   accepted, waiting for a dispatch slot (fresh deliveries start here)
 *   inflight  claimed by a dispatcher; `nextAttemptAt` is then the lease expiry
 *   retrying  the last attempt failed in a retryable way; due again at `nextAttemptAt`
 *   parked    its connector is not configured; resumes when a connector of that name exists
 *   delivered the target answered 2xx (terminal)
 *   dead      failed for good (non-retryable answer, mapping error, schedule exhausted); kept with its reason
 *   discarded an operator gave up on it (it was dead, retrying or parked); kept for the audit trail,
 *             finished like a delivered one: never sent again unless an operator retries it
 */

export type EventId = string;

/** An event as emitted: `type` plus any other fields. `id` is assigned when missing. */
export interface SyncEvent {
  readonly type: string;
  readonly id?: string | number;
  readonly [field: string]: unknown;
}

export const DELIVERY_STATES = ['pending', 'inflight', 'retrying', 'parked', 'delivered', 'dead', 'discarded'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'network', 'timeout', 'mapping'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];
