/**
 * acceptEvents on PostgreSQL (see Store.acceptEvents): one write-queue operation, so a batch is
 * atomic (its own savepoint in a group commit) and its caller hears only after COMMIT.
 *
 * Each table takes the whole batch in one statement (arrays bound to unnest), whatever its size:
 * the statement's round trip is most of a small write's cost.
 */
import type pg from 'pg';
import type { AcceptResult, NewEvent } from '../store.js';

/** An id stored already (by anyone, another replica included) is skipped; RETURNING names the new ones. */
const INSERT_EVENTS = `INSERT INTO events (id, type, body, received_at, traceparent)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
  ON CONFLICT (id) DO NOTHING RETURNING id`;

/** Rows in the batch's order, so each delivery's seq (its acceptance order) follows it. A
 * delivery handed straight to the accepting replica's dispatcher (`inflight`) is leased to it. */
const INSERT_DELIVERIES = `INSERT INTO deliveries
    (id, event_id, connector, route, state, last_error, last_error_code, next_attempt_at, created_at, updated_at, ordering_key, owner)
  SELECT id, event_id, connector, route, state, last_error, last_error_code, next_attempt_at, created_at, $10, ordering_key,
    CASE WHEN state = 'inflight' THEN $12::text END
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $11::text[])
    WITH ORDINALITY AS d (id, event_id, connector, route, state, last_error, last_error_code, next_attempt_at, created_at, ordering_key, ord)
  ORDER BY ord`;

/**
 * Stores each event that is new, with its deliveries, created when the event was received (their
 * seq follows the batch's order). An id already stored (by an earlier call, or earlier in this
 * batch) is a duplicate and gets no deliveries. A pending or inflight delivery without
 * nextAttemptAt is due when its event was received; a dead one without lastErrorCode died of
 * MAPPING_FAILED. Throws (storing nothing, the savepoint undone) when a delivery id is taken.
 */
export async function acceptEvents(client: pg.PoolClient, events: readonly NewEvent[], now: number, owner: string): Promise<AcceptResult[]> {
  if (events.length === 0) return [];
  const { rows } = await client.query<{ id: string }>(INSERT_EVENTS, [
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => e.body),
    events.map((e) => e.receivedAt),
    events.map((e) => e.traceparent ?? null),
  ]);
  const stored = new Set(rows.map((row) => row.id));
  const results: AcceptResult[] = [];
  const columns: unknown[][] = Array.from({ length: 10 }, () => []);
  for (const event of events) {
    // An id stored by an earlier call was not returned; one repeated in this batch is new only once.
    if (!stored.delete(event.id)) {
      results.push({ id: event.id, duplicate: true, deliveries: 0 });
      continue;
    }
    for (const d of event.deliveries) {
      const nextAttemptAt = d.state === 'dead' ? null : (d.nextAttemptAt ?? event.receivedAt);
      const lastErrorCode = d.lastErrorCode ?? (d.state === 'dead' ? 'MAPPING_FAILED' : null);
      const row = [d.id, event.id, d.connector, d.route, d.state, d.lastError ?? null, lastErrorCode, nextAttemptAt, event.receivedAt, d.orderingKey ?? null];
      row.forEach((value, i) => columns[i]!.push(value));
    }
    results.push({ id: event.id, duplicate: false, deliveries: event.deliveries.length });
  }
  if (columns[0]!.length > 0) {
    const [ids, eventIds, connectors, routes, states, errors, codes, due, created, keys] = columns;
    await client.query(INSERT_DELIVERIES, [ids, eventIds, connectors, routes, states, errors, codes, due, created, now, keys, owner]);
  }
  return results;
}
