/**
 * claimKeyRuns on PostgreSQL (see KeyRunOptions): for each key, its first unfinished deliveries in
 * acceptance order, locked with FOR UPDATE SKIP LOCKED, each read with how many unfinished
 * deliveries of its key the committed state has ahead of it. A delivery another claimer holds (a
 * lock not yet committed, or a lease) still counts as ahead, so the run of that key ends before
 * it: a key is never handed out past a delivery someone else holds, across replicas too. Rows
 * locked and left out of a run are unlocked when the transaction commits.
 */
import type pg from 'pg';
import type { ClaimedDelivery, KeyRunOptions } from '../store.js';
import { claimedDelivery, keyRun, type KeyRunRow } from '../store-rows.js';
import { LEASE } from './claim-due.js';

/** The state lists match the WHERE of the deliveries_ordering index. */
const SELECT_RUNS = `SELECT k.n, d.id, d.event_id, e.type AS event_type, d.connector, d.route, d.attempts, d.schedule_offset,
    d.ordering_key, e.body, d.created_at AS received_at, e.traceparent, d.replay_id, d.next_attempt_at,
    (SELECT count(*) FROM deliveries o
      WHERE o.connector = d.connector AND o.ordering_key = d.ordering_key AND o.seq < d.seq
        AND o.ordering_key IS NOT NULL AND o.state IN ('pending', 'inflight', 'retrying'))::int AS ahead
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(connector, ordering_key, n)
  CROSS JOIN LATERAL (
    SELECT * FROM deliveries r
    WHERE r.connector = k.connector AND r.ordering_key = k.ordering_key
      AND r.ordering_key IS NOT NULL AND r.state IN ('pending', 'inflight', 'retrying')
    ORDER BY r.seq
    LIMIT $3
    FOR UPDATE SKIP LOCKED) d
  JOIN events e ON e.id = d.event_id
  ORDER BY k.n, d.seq`;

interface RunRow extends KeyRunRow {
  readonly n: number;
  readonly ahead: number;
}

/** Must run inside a transaction (a write-queue operation): the row locks hold until it commits. */
export async function claimKeyRuns(client: pg.PoolClient, options: KeyRunOptions, owner: string): Promise<ClaimedDelivery[]> {
  const { now, leaseMs, keys, perKey, skip } = options;
  if (keys.length === 0 || perKey <= 0) return [];
  const { rows } = await client.query<RunRow>(SELECT_RUNS, [keys.map((key) => key.connector), keys.map((key) => key.orderingKey), perKey]);
  // Each key's rows, keys in the order given (the rows come ordered by key, then seq).
  const byKey = new Map<number, RunRow[]>();
  for (const row of rows) {
    const keyRows = byKey.get(row.n);
    if (keyRows === undefined) byKey.set(row.n, [row]);
    else keyRows.push(row);
  }
  const claimed = [...byKey.values()].flatMap((keyRows) => keyRun(keyRows, now, skip, (row) => row.ahead).map(claimedDelivery));
  if (claimed.length > 0) await client.query(LEASE, [now + leaseMs, now, claimed.map((delivery) => delivery.id), owner]);
  return claimed;
}
