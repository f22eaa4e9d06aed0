/** The read side of the SQLite store: views for the API, status and tests. */
import { DELIVERY_STATES, type DeliveryState, type EventId } from '../../model.js';
import type { ConnectorBacklog, DeliveryDetail, EventView } from '../store.js';
import { deliveryDetail, eventView } from '../store-rows.js';
import type { Statements } from './sql.js';

/** An event with its deliveries in order of creation, each with its attempts in order. */
export function getEvent(sql: Statements, id: EventId): EventView | undefined {
  const event = sql.selectEvent.get(id);
  return event === undefined ? undefined : eventView(event, sql.selectEventDeliveries.all(id), sql.selectEventAttempts.all(id));
}

/** Deliveries per state, every state present. Reads the counts kept per connector and state, not
 * the deliveries (see SQL.countByState). */
export function countByState(sql: Statements): Record<DeliveryState, number> {
  const counts = Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0])) as Record<DeliveryState, number>;
  let all = 0;
  for (const row of sql.countByState.all()) {
    if (row.state === 'all') all = row.n;
    else if (row.state in counts) counts[row.state as DeliveryState] = row.n;
  }
  counts.delivered = all - DELIVERY_STATES.reduce((sum, state) => sum + counts[state], 0);
  return counts;
}

/** What waits per connector, from the counts and each connector's oldest unfinished delivery (see
 * SQL.backlogByConnector). */
export function backlog(sql: Statements): ConnectorBacklog[] {
  const byConnector = new Map<string, { -readonly [K in keyof ConnectorBacklog]: ConnectorBacklog[K] }>();
  for (const row of sql.backlogByConnector.all()) {
    let entry = byConnector.get(row.connector);
    if (entry === undefined) byConnector.set(row.connector, (entry = { connector: row.connector, pending: 0, inflight: 0, retrying: 0, parked: 0, dead: 0, discarded: 0, oldestWaitingAt: null }));
    if (row.state === 'oldest') entry.oldestWaitingAt = row.oldest;
    else entry[row.state] = row.n;
  }
  return [...byConnector.values()];
}

/** One delivery with its event and every attempt, in order. */
export function getDelivery(sql: Statements, id: string): DeliveryDetail | undefined {
  const d = sql.selectDelivery.get(id);
  return d === undefined ? undefined : deliveryDetail(d, sql.selectDeliveryAttempts.all(id));
}
