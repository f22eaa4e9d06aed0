/**
 * Crash recovery at open, as SQLite does it: the leases of a previous run end now. `inflight`
 * deliveries were being sent, and `pending` ones with a future nextAttemptAt had been handed
 * straight to its dispatcher; both become due now and the sweep reclaims them (a request may have
 * reached the target before the crash: delivery is at-least-once). `retrying` ones keep their
 * backoff.
 *
 * Contract: this is right while one engine uses a schema (what the store supports today). A
 * second engine starting on the same schema would end the first one's leases too, so the first
 * one's held deliveries may be sent twice (same Idempotency-Key). The replicas' coordination
 * (issue 16, second half: an `owner` per lease, heartbeats) replaces this with "leases of replicas
 * that stopped renewing them expire".
 */
import type pg from 'pg';

/** The state list matches the deliveries_due index's WHERE, which serves the scan from `now` on. */
const EXPIRE_LEASES = `UPDATE deliveries SET next_attempt_at = $1
  WHERE state IN ('pending', 'inflight', 'retrying') AND next_attempt_at > $1 AND state <> 'retrying'`;

export async function expireLeases(pool: pg.Pool, now: number): Promise<number> {
  return (await pool.query(EXPIRE_LEASES, [now])).rowCount ?? 0;
}
