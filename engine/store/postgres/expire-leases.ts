/**
 * Crash recovery at open, with several replicas on one schema: the leases of replicas that are not
 * live (no heartbeat within their lease: crashed, or stopped without leaving) end now, and so do
 * leases with no owner (written before schema migration 2). `inflight` deliveries were being sent,
 * and `pending` ones with a future nextAttemptAt had been handed straight to a dispatcher; both
 * become due now and any replica's sweep reclaims them (a request may have reached the target
 * before the crash: delivery is at-least-once, with the same Idempotency-Key). `retrying` ones
 * keep their backoff.
 *
 * Contract: a lease held by a live replica is never touched here, so a replica starting beside
 * others takes nothing from them; those replicas renew their leases with each heartbeat.
 * Must run after the opening replica registered (it is live, and holds nothing yet).
 */
import type { Queryable } from './read-access.js';

/** The state list matches the deliveries_due index's WHERE, which serves the scan from `now` on. */
const EXPIRE_LEASES = `UPDATE deliveries SET next_attempt_at = $1, owner = NULL
  WHERE state IN ('pending', 'inflight', 'retrying') AND next_attempt_at > $1 AND state <> 'retrying'
    AND (owner IS NULL OR owner NOT IN (SELECT id FROM replicas WHERE heartbeat_at + lease_ms > $1))`;

export async function expireLeases(db: Queryable, now: number): Promise<number> {
  return (await db.query(EXPIRE_LEASES, [now])).rowCount ?? 0;
}
