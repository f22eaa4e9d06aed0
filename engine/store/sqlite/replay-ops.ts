/**
 * Operator pauses and replays in the SQLite store: synchronous steps, writes run by the write
 * queue inside a flush's transaction (so each is atomic), reads after a flush.
 */
import type { NewReplay, PausedConnector, ReplayScan, ReplayScanPage, ReplayStep, ReplayView } from '../store.js';
import type { ReplayStatements } from './replay-sql.js';
import { replayView as viewOfRow, type ReplayRow } from '../store-rows.js';

/**
 * How far acceptance times may run out of seq order. Events are stored in arrival order, each
 * batch stamped when it arrived; batches prepared at once commit in any order, a few ms apart. A
 * replay's window is searched this much wider, then filtered exactly, so no event at its edges is
 * missed. (A clock stepped back further than this can leave events near an edge out.)
 */
export const WINDOW_SLACK_MS = 60_000;

/** See Store.setPaused. */
export function setPaused(rs: ReplayStatements, connector: string, pause: Omit<PausedConnector, 'connector'> | null): void {
  if (pause === null) rs.deletePaused.run(connector);
  else rs.upsertPaused.run(connector, pause.by, pause.since);
}

/** See Store.startReplay. */
export function startReplay(rs: ReplayStatements, replay: NewReplay): boolean {
  if (replay.declared && rs.insertDeclared.run(replay.connector, replay.id, replay.createdAt).changes === 0) return false;
  rs.insertReplay.run({
    ...replay,
    eventTypes: replay.eventTypes === null ? null : JSON.stringify(replay.eventTypes),
    declared: replay.declared ? 1 : 0,
  });
  return true;
}

/** See Store.scanReplayEvents: the window's edges by binary search, then one stretch of seqs. */
export function scanReplayEvents(rs: ReplayStatements, scan: ReplayScan): ReplayScanPage {
  const maxSeq = rs.maxEventSeq.get() ?? 0;
  const end = firstSeqFrom(rs, scan.until + WINDOW_SLACK_MS, maxSeq) - 1;
  const after = Math.max(scan.after ?? 0, firstSeqFrom(rs, scan.since - WINDOW_SLACK_MS, maxSeq) - 1);
  const through = Math.min(after + scan.limit, end);
  const rows = through <= after ? [] : rs.scanEvents.all({ after, through, since: scan.since, until: scan.until, connector: scan.withoutDeliveryOf ?? null });
  return {
    events: rows.map((row) => ({ position: row.seq, id: row.id, type: row.type, body: row.body, receivedAt: row.received_at, traceparent: row.traceparent })),
    through: Math.max(through, after),
    done: through >= end,
  };
}

/** The least seq from which every stored event was accepted at or after `at` (maxSeq + 1 when none was). */
function firstSeqFrom(rs: ReplayStatements, at: number, maxSeq: number): number {
  let low = 1;
  let high = maxSeq + 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const receivedAt = rs.receivedAtFrom.get(middle);
    if (receivedAt === undefined || receivedAt >= at) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** See Store.recordReplayStep. */
export function recordReplayStep(rs: ReplayStatements, id: string, step: ReplayStep): boolean {
  const advanced = rs.advanceReplay.run({
    id,
    position: step.position,
    matched: step.matched,
    skipped: step.skippedByRetention,
    created: step.deliveries.length,
    done: step.done ? 1 : 0,
    now: step.now,
    anyFrom: step.from === undefined ? 1 : 0,
    from: step.from ?? null,
  });
  if (advanced.changes === 0) return false;
  const events = new Set<string>();
  for (const d of step.deliveries) {
    const nextAttemptAt = d.state === 'dead' ? null : (d.nextAttemptAt ?? step.now);
    const lastErrorCode = d.lastErrorCode ?? (d.state === 'dead' ? 'MAPPING_FAILED' : null);
    rs.insertReplayDelivery.run(d.id, d.eventId, d.connector, d.route, d.state, d.lastError ?? null, lastErrorCode, nextAttemptAt, step.now, step.now, d.orderingKey ?? null, id);
    events.add(d.eventId);
  }
  for (const eventId of events) rs.forgetUnreferencedEvent.run({ eventId });
  return true;
}

/** See Store.getReplay: the record, and its deliveries counted by state through their index. */
export function replayView(rs: ReplayStatements, id: string): ReplayView | undefined {
  const row = rs.selectReplay.get(id);
  return row === undefined ? undefined : viewOf(rs, row);
}

export function listReplays(rs: ReplayStatements, options: { readonly state?: ReplayView['state']; readonly limit: number }): ReplayView[] {
  return rs.selectReplays.all({ state: options.state ?? null, limit: options.limit }).map((row) => viewOf(rs, row));
}

function viewOf(rs: ReplayStatements, row: ReplayRow): ReplayView {
  return viewOfRow(row, rs.replayDeliveryCounts.all(row.id));
}
