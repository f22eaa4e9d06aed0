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

/**
 * The history with the attempt that delivered, which is kept on the delivery alone (migration 9):
 * the last attempt, when the delivery is delivered and no attempts row holds it. A delivery
 * delivered before migration 9 has its row, and no last attempt on it.
 */
function withDeliveredAttempt(history: AttemptView[], d: DeliveryRow): AttemptView[] {
  if (d.state !== 'delivered' || d.last_started_at === null || history.at(-1)?.attempt === d.attempts) return history;
  history.push({
    attempt: d.attempts,
    startedAt: d.last_started_at,
    durationMs: d.last_duration_ms ?? 0,
    status: d.last_status,
    error: null,
    errorCode: null,
    revision: d.last_revision,
    responseBody: null,
    // Nothing of a delivered attempt's request is stored: GET /deliveries/:id renders it again.
    request: null,
    traceparent: d.last_traceparent,
  });
  return history;
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
    history: withDeliveredAttempt([...history], d),
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
