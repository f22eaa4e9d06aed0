/**
 * The SQL of operator pauses and replays (schema: migration 8), prepared beside the store's own
 * statements (sql.ts) when the store opens.
 */
import type Database from 'better-sqlite3';
import type { DeliveryState } from '../../model.js';
import type { PausedConnector, ReplayState } from '../store.js';
import type { ReplayRow } from '../store-rows.js';
import type { Stmt } from './sql.js';

export const REPLAY_SQL = {
  // Operator pauses
  upsertPaused: `INSERT INTO paused_connectors (connector, paused_by, since) VALUES (?, ?, ?)
    ON CONFLICT (connector) DO UPDATE SET paused_by = excluded.paused_by, since = excluded.since`,
  deletePaused: 'DELETE FROM paused_connectors WHERE connector = ?',
  selectPaused: 'SELECT connector, paused_by AS "by", since FROM paused_connectors ORDER BY connector',

  // Starting a replay; a declared one claims its connector's name first.
  insertDeclared: 'INSERT OR IGNORE INTO declared_backfills (connector, replay_id, started_at) VALUES (?, ?, ?)',
  insertReplay: `INSERT INTO replays (id, connector, mode, since, until, retained_since, event_types, where_source,
      per_second, declared, created_by, created_at, state)
    VALUES (@id, @connector, @mode, @since, @until, @retainedSince, @eventTypes, @where, @perSecond, @declared, @createdBy, @createdAt, 'running')`,

  // Scanning the window. Acceptance times follow seq (events are stored in arrival order), so a
  // window's edges are found by binary search over seq, one rowid seek per probe.
  maxEventSeq: 'SELECT coalesce(max(seq), 0) FROM events',
  receivedAtFrom: 'SELECT received_at FROM events WHERE seq >= ? ORDER BY seq LIMIT 1',
  scanEvents: `SELECT seq, id, type, body, received_at, traceparent FROM events
    WHERE seq > @after AND seq <= @through AND received_at >= @since AND received_at < @until
      AND (@connector IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id AND d.connector = @connector))
    ORDER BY seq`,

  // A step: progress first (it applies only while running), then the deliveries.
  advanceReplay: `UPDATE replays SET position = @position, matched = matched + @matched,
      skipped_by_retention = skipped_by_retention + @skipped, created = created + @created,
      state = CASE WHEN @done THEN 'done' ELSE state END, finished_at = CASE WHEN @done THEN @now ELSE finished_at END
    WHERE id = @id AND state = 'running' AND (@anyFrom OR position IS @from)`,
  insertReplayDelivery: `INSERT INTO deliveries
    (id, event_id, connector, route, state, last_error, last_error_code, next_attempt_at, created_at, updated_at, ordering_key, replay_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // An event that gets its first delivery is no longer one retention waits to delete (migration 5).
  forgetUnreferencedEvent: `DELETE FROM events_unreferenced
    WHERE received_at = (SELECT received_at FROM events WHERE id = @eventId) AND seq = (SELECT seq FROM events WHERE id = @eventId)`,

  cancelReplay: `UPDATE replays SET state = 'cancelled', finished_at = ? WHERE id = ? AND state = 'running'`,
  selectReplay: 'SELECT * FROM replays WHERE id = ?',
  selectReplays: `SELECT * FROM replays WHERE (@state IS NULL OR state = @state) ORDER BY created_at DESC, id DESC LIMIT @limit`,
  // The WHERE must stay textually identical to the deliveries_replay index's.
  replayDeliveryCounts: `SELECT state, count(*) AS n FROM deliveries WHERE replay_id IS NOT NULL AND replay_id = ? GROUP BY state`,
} as const;

export interface ScannedEventRow {
  seq: number;
  id: string;
  type: string;
  body: string;
  received_at: number;
  traceparent: string | null;
}

export type ReplayStatements = ReturnType<typeof prepareReplayStatements>;

export function prepareReplayStatements(db: Database.Database) {
  const prepare = <Params extends unknown[], Row = unknown>(source: string): Stmt<Params, Row> => db.prepare<Params, Row>(source);
  return {
    upsertPaused: prepare<[connector: string, by: string, since: number]>(REPLAY_SQL.upsertPaused),
    deletePaused: prepare<[connector: string]>(REPLAY_SQL.deletePaused),
    selectPaused: prepare<[], PausedConnector>(REPLAY_SQL.selectPaused),
    insertDeclared: prepare<[connector: string, replayId: string, startedAt: number]>(REPLAY_SQL.insertDeclared),
    insertReplay: prepare<[Record<string, unknown>]>(REPLAY_SQL.insertReplay),
    maxEventSeq: db.prepare<[], number>(REPLAY_SQL.maxEventSeq).pluck() as Stmt<[], number>,
    receivedAtFrom: db.prepare<[seq: number], number>(REPLAY_SQL.receivedAtFrom).pluck() as Stmt<[seq: number], number>,
    scanEvents: prepare<[{ after: number; through: number; since: number; until: number; connector: string | null }], ScannedEventRow>(REPLAY_SQL.scanEvents),
    advanceReplay: prepare<[Record<string, unknown>]>(REPLAY_SQL.advanceReplay),
    insertReplayDelivery: prepare<unknown[]>(REPLAY_SQL.insertReplayDelivery),
    forgetUnreferencedEvent: prepare<[{ eventId: string }]>(REPLAY_SQL.forgetUnreferencedEvent),
    cancelReplay: prepare<[now: number, id: string]>(REPLAY_SQL.cancelReplay),
    selectReplay: prepare<[id: string], ReplayRow>(REPLAY_SQL.selectReplay),
    selectReplays: prepare<[{ state: ReplayState | null; limit: number }], ReplayRow>(REPLAY_SQL.selectReplays),
    replayDeliveryCounts: prepare<[id: string], { state: DeliveryState; n: number }>(REPLAY_SQL.replayDeliveryCounts),
  };
}
