/**
 * The dispatcher's bookkeeping on PostgreSQL: recordAttempt (as an item kind of the write queue,
 * so the attempts of one turn share a few multi-row statements and one commit) and requeue.
 * Each caller is resolved only after its transaction commits.
 */
import type pg from 'pg';
import { HmsError } from '../../errors.js';
import type { AttemptRecord } from '../store.js';
import { attemptRuns } from '../attempt-runs.js';
import { inSavepoint, type ItemKind, type Settled } from './write-queue.js';

/** A failed attempt is an attempts row; a delivered one is kept on its delivery only (last_*). */
const INSERT_ATTEMPTS = `INSERT INTO attempts
    (delivery_id, attempt, started_at, duration_ms, status, error, error_code, revision, response_body, request, traceparent)
  SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`;

/** Every attempt, delivered or not, is the delivery's last. An attempt must be later than the
 * delivery's last one: a repeated one changes nothing (and the chunk fails, see recordChunk). */
const UPDATE_AFTER_ATTEMPTS = `UPDATE deliveries d SET attempts = v.attempt, last_status = v.status, last_error = v.error,
    last_error_code = v.error_code, state = v.next_state, next_attempt_at = v.next_attempt_at, last_started_at = v.started_at,
    last_duration_ms = v.duration_ms, last_revision = v.revision, last_traceparent = v.traceparent, updated_at = $12
  FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[], $11::text[])
    AS v (delivery_id, attempt, status, error, error_code, next_state, next_attempt_at, started_at, duration_ms, revision, traceparent)
  WHERE d.id = v.delivery_id AND d.attempts < v.attempt AND (d.owner IS NULL OR d.owner = $13)`;

/** The records' deliveries that another replica holds, their rows locked until the commit so no
 * claim takes one between this check and the update. */
const OWNED_ELSEWHERE = `SELECT id, owner FROM deliveries WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;

/** Held but not sent: back to waiting, attempts untouched; never attempted means pending. A
 * delivery another replica holds now (it took it over) is left alone. */
const REQUEUE = `UPDATE deliveries SET state = CASE WHEN attempts = 0 THEN 'pending' ELSE 'retrying' END,
    next_attempt_at = $1, updated_at = $2
  WHERE id = ANY($3::text[]) AND state IN ('pending', 'inflight', 'retrying') AND (owner IS NULL OR owner = $4)`;

/** Attempt records as one item kind of the write queue; `now` stamps updated_at; `owner` is the
 * recording replica. */
export function attemptRecords(now: () => number, owner: string): ItemKind<AttemptRecord, void> {
  return { run: (client, records) => recordAttempts(client, records, now(), owner) };
}

/**
 * Records many attempts, one result each, in order: as a few multi-row statements when they all
 * apply, else one by one so that each bad record (unknown delivery, repeated attempt number)
 * fails alone. An attempt for a delivery already in the current chunk starts the next chunk, so
 * two attempts of one delivery apply in call order. A retrying delivery without nextAttemptAt is
 * due now.
 */
export async function recordAttempts(client: pg.PoolClient, records: readonly AttemptRecord[], now: number, owner: string): Promise<Settled<void>[]> {
  const lost = await heldElsewhere(client, records, owner);
  const mine = records.filter((record) => !lost.has(record.deliveryId));
  const together = await inSavepoint(client, async () => {
    for (const chunk of attemptRuns(mine)) await recordChunk(client, chunk, now, owner);
  }, 'attempts');
  const results: Settled<void>[] = [];
  for (const record of records) {
    if (lost.has(record.deliveryId)) results.push({ ok: false, error: leaseLost(record, lost.get(record.deliveryId)!) });
    else results.push(together.ok ? together : await inSavepoint(client, () => recordChunk(client, [record], now, owner), 'attempt'));
  }
  return results;
}

/**
 * A replica whose lease expired (it was cut off from the store, or stalled) may finish a request
 * after another replica claimed the delivery. Its record is then refused (LEASE_LOST) and changes
 * nothing: the new holder's attempts, state and history stand, and the target got the request
 * twice, with the same Idempotency-Key.
 */
async function heldElsewhere(client: pg.PoolClient, records: readonly AttemptRecord[], owner: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ id: string; owner: string | null }>(OWNED_ELSEWHERE, [records.map((r) => r.deliveryId)]);
  return new Map(rows.filter((row) => row.owner !== null && row.owner !== owner).map((row) => [row.id, row.owner!]));
}

function leaseLost(record: AttemptRecord, holder: string): HmsError {
  return new HmsError('LEASE_LOST', `attempt ${record.attempt} of delivery ${record.deliveryId} was not recorded: replica ${holder} took it over after this replica's lease expired`);
}

async function recordChunk(client: pg.PoolClient, chunk: readonly AttemptRecord[], now: number, owner: string): Promise<void> {
  const failed = chunk.filter((r) => r.nextState !== 'delivered');
  if (failed.length > 0) {
    await client.query(INSERT_ATTEMPTS, [
      failed.map((r) => r.deliveryId),
      failed.map((r) => r.attempt),
      failed.map((r) => r.startedAt),
      failed.map((r) => r.durationMs),
      failed.map((r) => r.status),
      failed.map((r) => r.error),
      failed.map((r) => r.errorCode),
      failed.map((r) => r.revision),
      failed.map((r) => r.responseBody ?? null),
      failed.map((r) => r.request ?? null),
      failed.map((r) => r.traceparent ?? null),
    ]);
  }
  const { rowCount } = await client.query(UPDATE_AFTER_ATTEMPTS, [
    chunk.map((r) => r.deliveryId),
    chunk.map((r) => r.attempt),
    chunk.map((r) => r.status),
    chunk.map((r) => r.error),
    chunk.map((r) => r.errorCode),
    chunk.map((r) => r.nextState),
    chunk.map((r) => (r.nextState === 'retrying' ? (r.nextAttemptAt ?? now) : null)),
    chunk.map((r) => r.startedAt),
    chunk.map((r) => r.durationMs),
    chunk.map((r) => r.revision),
    chunk.map((r) => r.traceparent ?? null),
    now,
    owner,
  ]);
  if (rowCount !== chunk.length) {
    const what = chunk.length === 1 ? `no delivery ${chunk[0]!.deliveryId} with fewer than ${chunk[0]!.attempt} attempts` : 'an attempt names an unknown delivery, or one already made';
    throw new HmsError('NOT_FOUND', what);
  }
}

/** See Store.requeue. */
export async function requeue(client: pg.PoolClient, ids: readonly string[], dueAt: number, now: number, owner: string): Promise<void> {
  if (ids.length > 0) await client.query(REQUEUE, [dueAt, now, ids, owner]);
}
