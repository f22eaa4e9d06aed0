/**
 * Replays in the PostgreSQL store (Store.startReplay, scanReplayEvents, recordReplayStep,
 * cancelReplay, getReplay, listReplays), as in SQLite (sqlite/replay-ops.ts). The writes run in
 * a transaction of the write queue (reads.ts), so a step's deliveries and its progress commit
 * together, and only while the replay runs: the UPDATE of the replay row comes first and locks it,
 * so a cancel committing meanwhile is seen and the step creates nothing.
 */
import type { DeliveryState } from '../../model.js';
import type { NewReplay, ReplayScan, ReplayScanPage, ReplayState, ReplayStep, ReplayView } from '../store.js';
import { replayView, type ReplayRow } from '../store-rows.js';
import { rows, type Queryable } from './read-access.js';

/**
 * How far acceptance times may run out of seq order (batches stamped when they arrived commit a
 * few ms apart, and several replicas stamp by their own clocks): a window is searched this much
 * wider, then filtered exactly, so no event at its edges is missed.
 */
export const WINDOW_SLACK_MS = 60_000;

/** See Store.startReplay: a declared one first claims its connector's name, once ever. `runner`,
 * the replica starting it, is the one that advances it (see recordReplayStep). */
export async function startReplay(db: Queryable, replay: NewReplay, runner: string): Promise<boolean> {
  if (replay.declared) {
    const claimed = await db.query('INSERT INTO declared_backfills (connector, replay_id, started_at) VALUES ($1, $2, $3) ON CONFLICT (connector) DO NOTHING', [replay.connector, replay.id, replay.createdAt]);
    if (claimed.rowCount === 0) return false;
  }
  await db.query(
    `INSERT INTO replays (id, connector, mode, since, until, retained_since, event_types, where_source, per_second, declared, created_by, created_at, state, runner)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'running', $13)`,
    [replay.id, replay.connector, replay.mode, replay.since, replay.until, replay.retainedSince, replay.eventTypes === null ? null : JSON.stringify(replay.eventTypes), replay.where, replay.perSecond, replay.declared, replay.createdBy, replay.createdAt, runner],
  );
  return true;
}

/** See Store.scanReplayEvents: the window's edges by binary search over seq, then one stretch. */
export async function scanReplayEvents(db: Queryable, scan: ReplayScan): Promise<ReplayScanPage> {
  const [max] = await rows<{ seq: number }>(db, 'SELECT coalesce(max(seq), 0) AS seq FROM events');
  const maxSeq = max?.seq ?? 0;
  const end = (await firstSeqFrom(db, scan.until + WINDOW_SLACK_MS, maxSeq)) - 1;
  const after = Math.max(scan.after ?? 0, (await firstSeqFrom(db, scan.since - WINDOW_SLACK_MS, maxSeq)) - 1);
  const through = Math.min(after + scan.limit, end);
  const found =
    through <= after
      ? []
      : await rows<{ seq: number; id: string; type: string; body: string; received_at: number; traceparent: string | null }>(
          db,
          `SELECT seq, id, type, body, received_at, traceparent FROM events
            WHERE seq > $1 AND seq <= $2 AND received_at >= $3 AND received_at < $4
              AND ($5::text IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id AND d.connector = $5::text))
            ORDER BY seq`,
          [after, through, scan.since, scan.until, scan.withoutDeliveryOf ?? null],
        );
  return {
    events: found.map((row) => ({ position: row.seq, id: row.id, type: row.type, body: row.body, receivedAt: row.received_at, traceparent: row.traceparent })),
    through: Math.max(through, after),
    done: through >= end,
  };
}

/** The least seq from which every stored event was accepted at or after `at` (maxSeq + 1 when
 * none was), one primary-key seek per probe. */
async function firstSeqFrom(db: Queryable, at: number, maxSeq: number): Promise<number> {
  let low = 1;
  let high = maxSeq + 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const [row] = await rows<{ received_at: number }>(db, 'SELECT received_at FROM events WHERE seq >= $1 ORDER BY seq LIMIT 1', [middle]);
    if (row === undefined || row.received_at >= at) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** See Store.recordReplayStep. `db` must be a connection inside the step's transaction. Only the
 * replay's runner (or anyone while it has none, who becomes it) records a step: a replica whose
 * replay was adopted by another (replica-ops.ts › adoptReplays) creates nothing more of it. */
export async function recordReplayStep(db: Queryable, id: string, step: ReplayStep, runner: string): Promise<boolean> {
  const advanced = await db.query(
    `UPDATE replays SET position = $2, matched = matched + $3, skipped_by_retention = skipped_by_retention + $4, created = created + $5,
        state = CASE WHEN $6 THEN 'done' ELSE state END, finished_at = CASE WHEN $6 THEN $7 ELSE finished_at END, runner = $10
      WHERE id = $1 AND state = 'running' AND ($8::boolean OR position IS NOT DISTINCT FROM $9::bigint) AND (runner IS NULL OR runner = $10)`,
    [id, step.position, step.matched, step.skippedByRetention, step.deliveries.length, step.done, step.now, step.from === undefined, step.from ?? null, runner],
  );
  if (advanced.rowCount === 0) return false;
  if (step.deliveries.length === 0) return true;
  const column = (pick: (d: ReplayStep['deliveries'][number]) => unknown) => step.deliveries.map(pick);
  await db.query(
    `INSERT INTO deliveries (id, event_id, connector, route, state, last_error, last_error_code, next_attempt_at, created_at, updated_at, ordering_key, replay_id)
      SELECT id, event_id, connector, route, state, last_error, last_error_code, next_attempt_at, $9, $9, ordering_key, $10
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $11::text[])
        WITH ORDINALITY AS v(id, event_id, connector, route, state, last_error, last_error_code, next_attempt_at, ordering_key, n)
      ORDER BY n`,
    [
      column((d) => d.id),
      column((d) => d.eventId),
      column((d) => d.connector),
      column((d) => d.route),
      column((d) => d.state),
      column((d) => d.lastError ?? null),
      column((d) => d.lastErrorCode ?? (d.state === 'dead' ? 'MAPPING_FAILED' : null)),
      column((d) => (d.state === 'dead' ? null : (d.nextAttemptAt ?? step.now))),
      step.now,
      id,
      column((d) => d.orderingKey ?? null),
    ],
  );
  return true;
}

/** See Store.cancelReplay. */
export async function cancelReplay(db: Queryable, id: string, now: number): Promise<ReplayView | undefined> {
  await db.query(`UPDATE replays SET state = 'cancelled', finished_at = $1 WHERE id = $2 AND state = 'running'`, [now, id]);
  return getReplay(db, id);
}

/** See Store.getReplay: the record, and its deliveries counted by state through deliveries_replay. */
export async function getReplay(db: Queryable, id: string): Promise<ReplayView | undefined> {
  const [row] = await rows<ReplayRow>(db, 'SELECT * FROM replays WHERE id = $1', [id]);
  return row === undefined ? undefined : viewOf(db, row);
}

/** See Store.listReplays. */
export async function listReplays(db: Queryable, options: { readonly state?: ReplayState; readonly limit: number }): Promise<ReplayView[]> {
  const found = await rows<ReplayRow>(db, 'SELECT * FROM replays WHERE ($1::text IS NULL OR state = $1::text) ORDER BY created_at DESC, id DESC LIMIT $2', [options.state ?? null, options.limit]);
  return Promise.all(found.map((row) => viewOf(db, row)));
}

async function viewOf(db: Queryable, row: ReplayRow): Promise<ReplayView> {
  const counts = await rows<{ state: DeliveryState; n: number }>(db, 'SELECT state, count(*) AS n FROM deliveries WHERE replay_id IS NOT NULL AND replay_id = $1 GROUP BY state', [row.id]);
  return replayView(row, counts);
}
