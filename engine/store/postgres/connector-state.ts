/**
 * Connector-wide state on PostgreSQL: parking and resuming the deliveries of connectors that left
 * or came back (reconcileConnectors), re-driving dead ones after a config change (redrive), and
 * the connectors disabled by a 410 or paused by an operator. Each write runs in a write-queue
 * operation (the caller passes the open transaction's client), so it is ordered with the
 * dispatcher's writes; the two lists are plain reads.
 */
import type pg from 'pg';
import { REDRIVE_ERROR_CODES, type DisabledConnector, type PausedConnector, type ReconcileResult } from '../store.js';

/**
 * Deliveries re-driven per transaction: a million in one statement would hold its row locks and
 * the write queue for seconds. redrive repeats the write, one commit each, until one changes fewer.
 */
export const REDRIVE_CHUNK_ROWS = 10_000;

/** Each connector with a delivery that is not delivered: a skip from one connector to the next
 * over the deliveries_waiting index (connector, state, seq), one seek each, never the backlog. */
const CONNECTORS_WAITING = `WITH RECURSIVE c(name) AS (
    SELECT (SELECT min(connector) FROM deliveries WHERE state <> 'delivered')
    UNION ALL
    SELECT (SELECT min(connector) FROM deliveries WHERE state <> 'delivered' AND connector > c.name) FROM c WHERE c.name IS NOT NULL)
  SELECT name FROM c WHERE name IS NOT NULL`;
const PARK_CONNECTOR = `UPDATE deliveries SET state = 'parked', next_attempt_at = NULL, updated_at = $1
  WHERE state IN ('pending', 'inflight', 'retrying') AND connector = $2`;
const RESUME_PARKED = `UPDATE deliveries SET state = 'retrying', next_attempt_at = $1, updated_at = $1
  WHERE state = 'parked' AND connector = ANY($2::text[])`;

/** Dead of a cause a config change can cure: `retrying`, due now, its schedule counted afresh. */
const REDRIVE = `UPDATE deliveries SET state = 'retrying', next_attempt_at = $1, schedule_offset = attempts, updated_at = $1
  WHERE seq IN (SELECT seq FROM deliveries
    WHERE state = 'dead' AND connector = $2 AND last_error_code = ANY($3::text[]) LIMIT $4)`;

const UPSERT_DISABLED = `INSERT INTO disabled_connectors (connector, revision, since, reason) VALUES ($1, $2, $3, $4)
  ON CONFLICT (connector) DO UPDATE SET revision = excluded.revision, since = excluded.since, reason = excluded.reason`;
const DELETE_DISABLED = 'DELETE FROM disabled_connectors WHERE connector = $1';
const SELECT_DISABLED = 'SELECT connector, revision, since, reason FROM disabled_connectors ORDER BY connector';

const UPSERT_PAUSED = `INSERT INTO paused_connectors (connector, paused_by, since) VALUES ($1, $2, $3)
  ON CONFLICT (connector) DO UPDATE SET paused_by = excluded.paused_by, since = excluded.since`;
const DELETE_PAUSED = 'DELETE FROM paused_connectors WHERE connector = $1';
const SELECT_PAUSED = 'SELECT connector, paused_by AS "by", since FROM paused_connectors ORDER BY connector';

/** See Store.reconcileConnectors. Costs a seek per connector with waiting work, plus the rows it moves. */
export async function reconcileConnectors(client: pg.PoolClient, connectors: ReadonlySet<string>, now: number): Promise<ReconcileResult> {
  const parked: Record<string, number> = {};
  const { rows } = await client.query<{ name: string }>(CONNECTORS_WAITING);
  for (const { name } of rows) {
    if (connectors.has(name)) continue;
    const moved = (await client.query(PARK_CONNECTOR, [now, name])).rowCount ?? 0;
    if (moved > 0) parked[name] = moved;
  }
  const resumed = connectors.size === 0 ? 0 : ((await client.query(RESUME_PARKED, [now, [...connectors]])).rowCount ?? 0);
  return { parked, resumed };
}

/** Up to `limit` dead deliveries of `connector` that died of a cause in REDRIVE_ERROR_CODES become
 * `retrying`, due at `now`, their retry schedule restarted after the attempts already made. */
export async function redriveChunk(client: pg.PoolClient, connector: string, now: number, limit: number): Promise<number> {
  return (await client.query(REDRIVE, [now, connector, REDRIVE_ERROR_CODES, limit])).rowCount ?? 0;
}

/** See Store.setDisabled. */
export async function setDisabled(client: pg.PoolClient, connector: string, disabled: Omit<DisabledConnector, 'connector'> | null): Promise<void> {
  if (disabled === null) await client.query(DELETE_DISABLED, [connector]);
  else await client.query(UPSERT_DISABLED, [connector, disabled.revision, disabled.since, disabled.reason]);
}

export async function disabledConnectors(pool: pg.Pool): Promise<DisabledConnector[]> {
  return (await pool.query<DisabledConnector>(SELECT_DISABLED)).rows;
}

/** See Store.setPaused. */
export async function setPaused(client: pg.PoolClient, connector: string, pause: Omit<PausedConnector, 'connector'> | null): Promise<void> {
  if (pause === null) await client.query(DELETE_PAUSED, [connector]);
  else await client.query(UPSERT_PAUSED, [connector, pause.by, pause.since]);
}

export async function pausedConnectors(pool: pg.Pool): Promise<PausedConnector[]> {
  return (await pool.query<PausedConnector>(SELECT_PAUSED)).rows;
}
