/**
 * Views of one event or one delivery in the PostgreSQL store (Store.getEvent, getDelivery,
 * deliveryState), row for row as the SQLite store shows them (sqlite/read-views.ts).
 */
import type { DeliveryState, EventId } from '../../model.js';
import type { DeliveryDetail, EventView } from '../store.js';
import { deliveryDetail, eventView, type AttemptRow, type DeliveryDetailRow, type DeliveryRow, type EventRow } from '../store-rows.js';
import { rows, type Queryable } from './read-access.js';

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
  return eventView(event, deliveries, attempts);
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
  return deliveryDetail(d, attempts);
}

/** The state and connector of one delivery. */
export async function deliveryState(db: Queryable, id: string): Promise<{ state: DeliveryState; connector: string } | undefined> {
  const [row] = await rows<{ state: DeliveryState; connector: string }>(db, 'SELECT state, connector FROM deliveries WHERE id = $1', [id]);
  return row;
}
