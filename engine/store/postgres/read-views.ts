/**
 * Views of one event or one delivery in the PostgreSQL store (Store.getEvent, getDelivery,
 * deliveryState), row for row as the SQLite store shows them (sqlite/read-views.ts).
 */
import type { DeliveryState, EventId } from '../../model.js';
import type { AttemptView, DeliveryDetail, DeliveryView, EventView } from '../store.js';
import { rows, type Queryable } from './read-access.js';

interface EventRow {
  id: string;
  type: string;
  body: string;
  received_at: number;
  traceparent: string | null;
}

interface DeliveryRow {
  id: string;
  connector: string;
  route: string;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  /** The last attempt; null when there was none. */
  last_started_at: number | null;
  last_duration_ms: number | null;
  last_revision: string | null;
  last_traceparent: string | null;
}

interface DeliveryDetailRow extends DeliveryRow {
  event_id: string;
  event_type: string;
  created_at: number;
  updated_at: number;
  ordering_key: string | null;
  body: string;
  traceparent: string | null;
}

interface AttemptRow {
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  status: number | null;
  error: string | null;
  error_code: string | null;
  revision: string | null;
  response_body: string | null;
  request: string | null;
  traceparent: string | null;
}

const DELIVERY_COLUMNS = `d.id, d.connector, d.route, d.state, d.attempts, d.last_status, d.last_error, d.next_attempt_at,
  d.last_started_at, d.last_duration_ms, d.last_revision, d.last_traceparent`;
const ATTEMPT_COLUMNS = 'a.delivery_id, a.attempt, a.started_at, a.duration_ms, a.status, a.error, a.error_code, a.revision, a.response_body, a.request, a.traceparent';

/** An event with its deliveries in order of creation, each with its attempts in order. */
export async function getEvent(db: Queryable, id: EventId): Promise<EventView | undefined> {
  const [event] = await rows<EventRow>(db, 'SELECT id, type, body, received_at, traceparent FROM events WHERE id = $1', [id]);
  if (event === undefined) return undefined;
  const deliveries = await rows<DeliveryRow>(db, `SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.event_id = $1 ORDER BY d.seq`, [id]);
  const attempts = await rows<AttemptRow>(
    db,
    `SELECT ${ATTEMPT_COLUMNS} FROM attempts a WHERE a.delivery_id = ANY($1::text[]) ORDER BY a.delivery_id, a.attempt`,
    [deliveries.map((d) => d.id)],
  );
  const history = new Map<string, AttemptView[]>();
  for (const a of attempts) {
    const list = history.get(a.delivery_id);
    if (list === undefined) history.set(a.delivery_id, [attemptView(a)]);
    else list.push(attemptView(a));
  }
  return {
    id: event.id,
    type: event.type,
    receivedAt: event.received_at,
    body: event.body,
    traceparent: event.traceparent,
    deliveries: deliveries.map((d) => deliveryView(d, history.get(d.id) ?? [])),
  };
}

/** One delivery with its event and every attempt, in order. */
export async function getDelivery(db: Queryable, id: string): Promise<DeliveryDetail | undefined> {
  const [d] = await rows<DeliveryDetailRow>(
    db,
    `SELECT ${DELIVERY_COLUMNS}, d.event_id, e.type AS event_type, d.created_at, d.updated_at, d.ordering_key, e.body, e.traceparent
      FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`,
    [id],
  );
  if (d === undefined) return undefined;
  const attempts = await rows<AttemptRow>(db, `SELECT ${ATTEMPT_COLUMNS} FROM attempts a WHERE a.delivery_id = $1 ORDER BY a.attempt`, [id]);
  return {
    ...deliveryView(d, attempts.map(attemptView)),
    eventId: d.event_id,
    eventType: d.event_type,
    acceptedAt: d.created_at,
    updatedAt: d.updated_at,
    orderingKey: d.ordering_key,
    eventBody: d.body,
    eventTraceparent: d.traceparent,
  };
}

/** The state and connector of one delivery. */
export async function deliveryState(db: Queryable, id: string): Promise<{ state: DeliveryState; connector: string } | undefined> {
  const [row] = await rows<{ state: DeliveryState; connector: string }>(db, 'SELECT state, connector FROM deliveries WHERE id = $1', [id]);
  return row;
}

/**
 * The history with the attempt that delivered, which is kept on the delivery alone (the last_*
 * columns, as in SQLite since its migration 9): the last attempt, when the delivery is delivered
 * and no attempts row holds it.
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
