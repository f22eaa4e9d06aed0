/** The read side of the SQLite store: views for the API, status and tests. */
import { DELIVERY_STATES, type DeliveryState, type EventId } from '../../model.js';
import type { AttemptView, EventView } from '../store.js';
import type { Statements } from './sql.js';

/** An event with its deliveries in order of creation, each with its attempts in order. */
export function getEvent(sql: Statements, id: EventId): EventView | undefined {
  const event = sql.selectEvent.get(id);
  if (event === undefined) return undefined;
  const history = new Map<string, AttemptView[]>();
  for (const a of sql.selectEventAttempts.all(id)) {
    const view: AttemptView = {
      attempt: a.attempt,
      startedAt: a.started_at,
      durationMs: a.duration_ms,
      status: a.status,
      error: a.error,
      errorCode: a.error_code,
      revision: a.revision,
      responseBody: a.response_body,
    };
    const list = history.get(a.delivery_id);
    if (list === undefined) history.set(a.delivery_id, [view]);
    else list.push(view);
  }
  return {
    id: event.id,
    type: event.type,
    receivedAt: event.received_at,
    body: event.body,
    deliveries: sql.selectEventDeliveries.all(id).map((d) => ({
      id: d.id,
      connector: d.connector,
      route: d.route,
      state: d.state,
      attempts: d.attempts,
      lastStatus: d.last_status,
      lastError: d.last_error,
      nextAttemptAt: d.next_attempt_at,
      history: history.get(d.id) ?? [],
    })),
  };
}

/** Deliveries per state, every state present. A full scan of `deliveries`: status and benchmarks only. */
export function countByState(sql: Statements): Record<DeliveryState, number> {
  const counts = Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0])) as Record<DeliveryState, number>;
  for (const row of sql.countByState.all()) counts[row.state] = row.n;
  return counts;
}
