/** The read side of the SQLite store: views for the API, status and tests. */
import { DELIVERY_STATES, type DeliveryState, type EventId } from '../../model.js';
import { HmsError } from '../../errors.js';
import type { AttemptView, ConnectorBacklog, DeadListOptions, DeadPage, EventView } from '../store.js';
import type { DeliveryRow, Statements } from './sql.js';

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
      history: withDeliveredAttempt(history.get(d.id) ?? [], d),
    })),
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
    if (entry === undefined) byConnector.set(row.connector, (entry = { connector: row.connector, pending: 0, inflight: 0, retrying: 0, parked: 0, dead: 0, oldestWaitingAt: null }));
    if (row.state === 'oldest') entry.oldestWaitingAt = row.oldest;
    else entry[row.state] = row.n;
  }
  return [...byConnector.values()];
}

/** A page of dead deliveries; the cursor is the seq of the page's last row. One row more than the
 * page is read to know whether another page follows. */
export function listDead(sql: Statements, options: DeadListOptions): DeadPage {
  const after = options.after === undefined ? 0 : cursorSeq(options.after);
  const rows = sql.selectDead.all({ after, connector: options.connector ?? null, limit: options.limit + 1 });
  const page = rows.slice(0, options.limit);
  return {
    deliveries: page.map((d) => ({
      id: d.id,
      eventId: d.event_id,
      eventType: d.event_type,
      connector: d.connector,
      route: d.route,
      attempts: d.attempts,
      lastStatus: d.last_status,
      lastError: d.last_error,
      deadSince: d.updated_at,
    })),
    next: rows.length > options.limit ? String(page[page.length - 1]!.seq) : null,
  };
}

function cursorSeq(cursor: string): number {
  if (!/^[0-9]{1,15}$/.test(cursor)) throw new HmsError('QUERY_INVALID', `"after" must be the "next" of an earlier page, not "${cursor.slice(0, 40)}"`);
  return Number(cursor);
}
