/**
 * Replicas on one schema (see ../replicas.ts for the contract): registration, the heartbeat that
 * renews a replica's leases, the list of live replicas, a clean leave, the adoption of replays
 * whose runner stopped, and advisory locks for maintenance done once.
 *
 * Times are the engines' clocks (epoch ms), never the server's now(): replicas' clocks must agree
 * to well within a lease (NTP does), as for every other timestamp of the store.
 */
import type pg from 'pg';
import type { AdoptedReplay, ExclusiveKind, Heartbeat, HeartbeatResult, ReplicaIdentity, ReplicaView } from '../replicas.js';
import type { Queryable } from './read-access.js';

const UPSERT_REPLICA = `INSERT INTO replicas (id, hostname, version, revision, revision_since, started_at, heartbeat_at, lease_ms, held)
  VALUES ($1, $2, $3, $4, $5, $5, $5, $6, $7)
  ON CONFLICT (id) DO UPDATE SET heartbeat_at = $5, lease_ms = $6, held = $7, revision = $4,
    revision_since = CASE WHEN replicas.revision = $4 THEN replicas.revision_since ELSE $5 END`;

/** A replica gone longer than its lease is forgotten; its leases expire on their own. */
const FORGET_GONE = `DELETE FROM replicas WHERE heartbeat_at + lease_ms <= $1`;

const RENEW = `UPDATE deliveries SET next_attempt_at = $1
  WHERE id = ANY($2::text[]) AND owner = $3 AND state = 'inflight'`;

/** Held deliveries another replica claimed once this one's lease had expired. */
const LOST = `SELECT id FROM deliveries WHERE id = ANY($1::text[]) AND owner IS NOT NULL AND owner <> $2`;

const LIVE = `SELECT id, hostname, version, revision, revision_since, started_at, heartbeat_at, held
  FROM replicas WHERE heartbeat_at + lease_ms > $1 ORDER BY started_at, id`;

/**
 * A clean leave: what it still holds is due now for any replica. Its leases are found in an index
 * of the unfinished deliveries, never the backlog: the `inflight` entries of deliveries_by_state,
 * or deliveries_due's range after `now` (a lease it holds ends in the future; the state list is
 * that index's WHERE). A lease of its that had already run out is due and claimable as it is.
 */
const END_LEASES = `UPDATE deliveries SET next_attempt_at = $1, owner = NULL
  WHERE state IN ('pending', 'inflight', 'retrying') AND next_attempt_at > $1 AND state = 'inflight' AND owner = $2`;

/** A clean leave: the replays it ran are any live replica's to adopt at its next heartbeat. */
const LEAVE_REPLAYS = `UPDATE replays SET runner = NULL WHERE runner = $1 AND state = 'running'`;

/** Running replays with no live runner become `$1`'s, but none of the connectors in `$3`; a row
 * another replica is adopting (or stepping) at the same moment is skipped, for this time. */
const ADOPT_REPLAYS = `WITH stopped AS (
    SELECT id, runner FROM replays
      WHERE state = 'running' AND (runner IS NULL OR runner <> $1) AND connector <> ALL($3::text[])
        AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.id = replays.runner AND r.heartbeat_at + r.lease_ms > $2)
      FOR UPDATE OF replays SKIP LOCKED)
  UPDATE replays SET runner = $1 FROM stopped WHERE replays.id = stopped.id
  RETURNING replays.id, stopped.runner AS previous`;

const THROTTLE = `INSERT INTO throttled_connectors (connector, until) VALUES ($1, $2)
  ON CONFLICT (connector) DO UPDATE SET until = GREATEST(throttled_connectors.until, excluded.until)`;

/** See ReplicaCoordination.throttle; pauses that ended are forgotten on the way. */
export async function throttle(client: pg.PoolClient, connector: string, until: number, now: number): Promise<void> {
  await client.query('DELETE FROM throttled_connectors WHERE until <= $1', [now]);
  await client.query(THROTTLE, [connector, until]);
}

export async function throttles(db: Queryable, now: number): Promise<Map<string, number>> {
  const { rows } = await db.query<{ connector: string; until: number }>('SELECT connector, until FROM throttled_connectors WHERE until > $1', [now]);
  return new Map(rows.map((row) => [row.connector, row.until]));
}

interface ReplicaRow {
  id: string;
  hostname: string;
  version: string;
  revision: string;
  revision_since: number;
  started_at: number;
  heartbeat_at: number;
  held: number;
}

/** Records the replica (or its heartbeat), with no revision known yet at registration. */
export async function register(db: Queryable, self: ReplicaIdentity, now: number, revision = ''): Promise<void> {
  await db.query(UPSERT_REPLICA, [self.id, self.hostname, self.version, revision, now, self.leaseMs, 0]);
}

/** See ReplicaCoordination.heartbeat; runs inside one transaction (a write-queue operation). */
export async function heartbeat(client: pg.PoolClient, self: ReplicaIdentity, beat: Heartbeat): Promise<HeartbeatResult> {
  const { now, held } = beat;
  await client.query(UPSERT_REPLICA, [self.id, self.hostname, self.version, beat.revision, now, self.leaseMs, held.length]);
  await client.query(FORGET_GONE, [now]);
  if (held.length > 0) await client.query(RENEW, [now + self.leaseMs, held, self.id]);
  const lost = held.length === 0 ? [] : (await client.query<{ id: string }>(LOST, [held, self.id])).rows.map((row) => row.id);
  return { lost, live: await live(client, now) };
}

export async function live(db: Queryable, now: number): Promise<ReplicaView[]> {
  const { rows } = await db.query<ReplicaRow>(LIVE, [now]);
  return rows.map((row) => ({
    id: row.id,
    hostname: row.hostname,
    version: row.version,
    revision: row.revision,
    revisionSince: row.revision_since,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    heldDeliveries: row.held,
  }));
}

/** See ReplicaCoordination.adoptReplays; one transaction (a write-queue operation). */
export async function adoptReplays(client: pg.PoolClient, self: ReplicaIdentity, now: number, busy: readonly string[]): Promise<AdoptedReplay[]> {
  const { rows } = await client.query<{ id: string; previous: string | null }>(ADOPT_REPLAYS, [self.id, now, busy]);
  return rows.map((row) => ({ id: row.id, previous: row.previous }));
}

export async function leave(client: pg.PoolClient, self: ReplicaIdentity, now: number): Promise<void> {
  await client.query(END_LEASES, [now, self.id]);
  await client.query(LEAVE_REPLAYS, [self.id]);
  await client.query('DELETE FROM replicas WHERE id = $1', [self.id]);
}

/**
 * Runs `run` holding the session advisory lock of `kind` in `schema`, on a connection of its own
 * taken for the call; skips when another session holds it. The lock ends with the call, or with
 * the connection if the process dies.
 */
export async function exclusive<T>(pool: pg.Pool, schema: string, kind: ExclusiveKind, run: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  const client = await pool.connect();
  const key = `hms-sync ${kind} of schema ${schema}`;
  let broken: Error | undefined;
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]);
    if (!rows[0]!.locked) return { ran: false };
    try {
      return { ran: true, value: await run() };
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch((error: Error) => (broken = error));
    }
  } finally {
    client.release(broken);
  }
}
