/** The read side of the SQLite store: views for the API, status and tests. */
import { DELIVERY_STATES, type DeliveryState, type EventId } from '../../model.js';
import type { AttemptView, ConnectorBacklog, DeliveryDetail, DeliveryView, EventView } from '../store.js';
import type { AttemptRow, DeliveryRow, Statements } from './sql.js';

/** An event with its deliveries in order of creation, each with its attempts in order. */
export function getEvent(sql: Statements, id: EventId): EventView | undefined {
  const event = sql.selectEvent.get(id);
  if (event === undefined) return undefined;
  const history = new Map<string, AttemptView[]>();
  for (const a of sql.selectEventAttempts.all(id)) {
    const view = attemptView(a);
    const list = history.get(a.delivery_id);
    if (list === undefined) history.set(a.delivery_id, [view]);
    else list.push(view);
  }
  return {
    id: event.id,
    type: event.type,
    receivedAt: event.received_at,
    body: event.body,
    traceparent: event.traceparent,
    deliveries: sql.selectEventDeliveries.all(id).map((d) => deliveryView(d, history.get(d.id) ?? [])),
  };
}

/** Deliveries per state, every state present. Reads the unfinished, parked and dead ones through
 * their indexes, not every delivery ever made (see SQL.countByState). */
export function countByState(sql: Statements): Record<DeliveryState, number> {
  const counts = Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0])) as Record<DeliveryState, number>;
  let all = 0;
  for (const row of sql.countByState.all()) {
    if (row.state === 'all') all = row.n;
    else counts[row.state] = row.n;
  }
  counts.delivered = all - DELIVERY_STATES.reduce((sum, state) => sum + counts[state], 0);
  return counts;
}

/** What waits per connector, through indexes of the unfinished, parked, dead and discarded states alone (see
 * SQL.backlogByConnector). */
export function backlog(sql: Statements): ConnectorBacklog[] {
  const byConnector = new Map<string, { -readonly [K in keyof ConnectorBacklog]: ConnectorBacklog[K] }>();
  for (const row of sql.backlogByConnector.all()) {
    let entry = byConnector.get(row.connector);
    if (entry === undefined) byConnector.set(row.connector, (entry = { connector: row.connector, pending: 0, inflight: 0, retrying: 0, parked: 0, dead: 0, discarded: 0, oldestWaitingAt: null }));
    entry[row.state] = row.n;
    if (row.oldest !== null && (entry.oldestWaitingAt === null || row.oldest < entry.oldestWaitingAt)) entry.oldestWaitingAt = row.oldest;
  }
  return [...byConnector.values()];
}

/** One delivery with its event and every attempt, in order. */
export function getDelivery(sql: Statements, id: string): DeliveryDetail | undefined {
  const d = sql.selectDelivery.get(id);
  if (d === undefined) return undefined;
  return {
    ...deliveryView(d, sql.selectDeliveryAttempts.all(id).map(attemptView)),
    eventId: d.event_id,
    eventType: d.event_type,
    acceptedAt: d.created_at,
    updatedAt: d.updated_at,
    orderingKey: d.ordering_key,
    eventBody: d.body,
    eventTraceparent: d.traceparent,
  };
}

function deliveryView(d: DeliveryRow, history: readonly AttemptView[]): DeliveryView {
  return {
    id: d.id,
    connector: d.connector,
    route: d.route,
    state: d.state,
    attempts: d.attempts,
    lastStatus: d.last_status,
    lastError: d.last_error,
    nextAttemptAt: d.next_attempt_at,
    history,
  };
}

function attemptView(a: AttemptRow): AttemptView {
  return {
    attempt: a.attempt,
    startedAt: a.started_at,
    durationMs: a.duration_ms,
    status: a.status,
    error: a.error,
    errorCode: a.error_code,
    revision: a.revision,
    responseBody: a.response_body,
    request: a.request,
    traceparent: a.traceparent,
  };
}
