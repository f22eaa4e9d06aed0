/** Builders and harness shared by the store contract suites (store-contract.ts). */
import assert from 'node:assert/strict';
import { manualClock, type Clock } from '../../engine/clock.js';
import { HmsError } from '../../engine/errors.js';
import type { DeliveryState } from '../../engine/model.js';
import type { AttemptRecord, ClaimOptions, NewDelivery, NewEvent, Store } from '../../engine/store/store.js';

/** Opens a fresh, empty store; `clock` stamps what the store records (created_at, updated_at). */
export type OpenFreshStore = (clock?: Clock) => Promise<{ store: Store; cleanup(): Promise<void> }>;

/** A fixed instant; contract tests pass time explicitly. */
export const T0 = Date.UTC(2026, 0, 1);

export function pending(id: string, connector = 'crm', nextAttemptAt: number | null = T0, route = 'main'): NewDelivery {
  return { id, connector, route, state: 'pending', nextAttemptAt };
}

/** Handed straight to a dispatcher at ingest: inflight, leased until `leaseUntil`. */
export function handedOver(id: string, leaseUntil: number, connector = 'crm'): NewDelivery {
  return { id, connector, route: 'main', state: 'inflight', nextAttemptAt: leaseUntil };
}

export function dead(id: string, lastError: string, connector = 'crm', lastErrorCode?: string): NewDelivery {
  return { id, connector, route: 'main', state: 'dead', nextAttemptAt: null, lastError, ...(lastErrorCode ? { lastErrorCode } : {}) };
}

export function event(id: string, deliveries: readonly NewDelivery[], receivedAt = T0): NewEvent {
  return { id, type: 'order.created', body: JSON.stringify({ type: 'order.created', id }), receivedAt, deliveries };
}

/** Runs `body` on a fresh store, then closes it and removes its data, whatever happened. */
export async function withStore(openFresh: OpenFreshStore, body: (store: Store) => Promise<void>): Promise<void> {
  const { store, cleanup } = await openFresh();
  try {
    await body(store);
  } finally {
    await store.close();
    await cleanup();
  }
}

/** As withStore, with a manual clock starting at T0 that the store records its times by. */
export async function withClockedStore(openFresh: OpenFreshStore, body: (store: Store, clock: ReturnType<typeof manualClock>) => Promise<void>): Promise<void> {
  const clock = manualClock(T0);
  const { store, cleanup } = await openFresh(clock);
  try {
    await body(store, clock);
  } finally {
    await store.close();
    await cleanup();
  }
}

export async function stateOf(store: Store, eventId: string, deliveryId: string) {
  const view = await store.getEvent(eventId);
  const delivery = view?.deliveries.find((d) => d.id === deliveryId);
  assert.ok(delivery, `delivery ${deliveryId} of event ${eventId} exists`);
  return delivery;
}

export function claimIds(claimed: readonly { id: string }[]): string[] {
  return claimed.map((d) => d.id);
}

export function isHmsError(code: string) {
  return (error: unknown) => error instanceof HmsError && error.code === code;
}

export const CRM: ReadonlySet<string> = new Set(['crm']);

type ClaimExtras = Partial<Pick<ClaimOptions, 'skip' | 'connectors'>>;

/** Claims with a 1 s lease, of connector crm unless told otherwise. */
export function claim(store: Store, now: number, limit = 100, extra: ClaimExtras = {}) {
  const skip = extra.skip ? { skip: extra.skip } : {};
  return store.claimDue({ now, limit, leaseMs: 1_000, connectors: extra.connectors ?? CRM, ...skip });
}

export type AttemptEnd = Pick<AttemptRecord, 'status' | 'error' | 'errorCode' | 'nextState' | 'nextAttemptAt'>;

/** The config revision label attempts are recorded with unless told otherwise. */
export const REVISION = '3f2a9c1b7d4e@abc1234';

export function attempt(deliveryId: string, n: number, outcome: AttemptEnd, revision = REVISION): AttemptRecord {
  return { deliveryId, attempt: n, startedAt: T0 + n * 100, durationMs: 10 * n, revision, ...outcome };
}

export const DELIVERED: AttemptEnd = { status: 200, error: null, errorCode: null, nextState: 'delivered', nextAttemptAt: null };

export function retrying(nextAttemptAt: number, error = 'TARGET_UNAVAILABLE: 503'): AttemptEnd {
  return { status: 503, error, errorCode: 'TARGET_UNAVAILABLE', nextState: 'retrying', nextAttemptAt };
}

/** A final failure with the given code: `<code>: <detail>`. */
export function died(errorCode: string, status: number | null = null, detail = 'it failed'): AttemptEnd {
  return { status, error: `${errorCode}: ${detail}`, errorCode, nextState: 'dead', nextAttemptAt: null };
}

/** The ids of the deliveries in `state`, oldest first (through findDeliveries). */
export async function idsIn(store: Store, state: DeliveryState): Promise<string[]> {
  return (await store.findDeliveries({ filter: { states: [state] }, order: 'asc', limit: 1_000 })).deliveries.map((d) => d.id);
}
