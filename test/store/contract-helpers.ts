/** Builders and harness shared by the store contract suites (store-contract.ts). */
import assert from 'node:assert/strict';
import { HmsError } from '../../engine/errors.js';
import type { NewDelivery, NewEvent, Store } from '../../engine/store/store.js';

export type OpenFreshStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

/** A fixed instant; contract tests pass time explicitly. */
export const T0 = Date.UTC(2026, 0, 1);

export function pending(id: string, connector = 'crm', nextAttemptAt: number | null = T0, route = 'main'): NewDelivery {
  return { id, connector, route, state: 'pending', nextAttemptAt };
}

export function dead(id: string, lastError: string, connector = 'crm'): NewDelivery {
  return { id, connector, route: 'main', state: 'dead', nextAttemptAt: null, lastError };
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
