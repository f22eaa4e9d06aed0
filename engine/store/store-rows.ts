/**
 * The rows both stores read, named by their columns (SQLite and PostgreSQL share table and column
 * names), and how each becomes what the Store contract shows. One mapping for both backends, so
 * their answers cannot drift apart.
 */
import type { DeliveryState } from '../model.js';
import type { AttemptView, ClaimedDelivery, DeliveryDetail, DeliveryListItem, DeliveryView, EventView, ReplayMode, ReplayState, ReplayView } from './store.js';

export interface EventRow {
  id: string;
  type: string;
  body: string;
  received_at: number;
  traceparent: string | null;
}

export interface DeliveryRow {
  id: string;
  connector: string;
  route: string;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  /** The last attempt; null when there was none, or (SQLite) it was made before migration 9. */
  last_started_at: number | null;
  last_duration_ms: number | null;
  last_revision: string | null;
  last_traceparent: string | null;
}

/** A delivery with its event. */
export interface DeliveryDetailRow extends DeliveryRow {
  event_id: string;
  event_type: string;
  created_at: number;
  updated_at: number;
  ordering_key: string | null;
  body: string;
  traceparent: string | null;
}

export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  status: number | null;
  error: string | null;
  error_code: string | null;
  revision: string | null;
  response_body: string | null;
  request: string | null;
  traceparent: string | null;
}

/** A row of a find: a delivery with its event's type (and body when asked). */
export interface FoundRow {
  seq: number;
  id: string;
  event_id: string;
  event_type: string;
  connector: string;
  route: string;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: number | null;
  created_at: number;
  updated_at: number;
  event_body: string | null;
}

/** A due delivery with its event, as a claim reads it. */
export interface DueRow {
  id: string;
  event_id: string;
  event_type: string;
  connector: string;
  route: string;
  attempts: number;
  schedule_offset: number;
  ordering_key: string | null;
  body: string;
  received_at: number;
  traceparent: string | null;
  replay_id: string | null;
}

export interface ReplayRow {
  id: string;
  connector: string;
  mode: ReplayMode;
  since: number;
  until: number;
  retained_since: number;
  /** A JSON array of globs. */
  event_types: string | null;
  where_source: string | null;
  per_second: number;
  /** SQLite stores 0 or 1, PostgreSQL a boolean. */
  declared: number | boolean;
  created_by: string;
  created_at: number;
  state: ReplayState;
  position: number | null;
  matched: number;
  skipped_by_retention: number;
  created: number;
  finished_at: number | null;
}

/** An event with its deliveries (in order of creation) and their attempts (in order, any delivery). */
export function eventView(event: EventRow, deliveries: readonly DeliveryRow[], attempts: readonly AttemptRow[]): EventView {
  const history = new Map<string, AttemptView[]>();
  for (const a of attempts) {
    const list = history.get(a.delivery_id);
    if (list === undefined) history.set(a.delivery_id, [attemptView(a)]);
    else list.push(attemptView(a));
  }
  return {
    id: event.id,
    type: event.type,
    receivedAt: event.received_at,
    body: event.body,
    traceparent: event.traceparent,
    deliveries: deliveries.map((d) => deliveryView(d, history.get(d.id) ?? [])),
  };
}

/** One delivery with its event and its attempts, in order. */
export function deliveryDetail(d: DeliveryDetailRow, attempts: readonly AttemptRow[]): DeliveryDetail {
  return {
    ...deliveryView(d, attempts.map(attemptView)),
    eventId: d.event_id,
    eventType: d.event_type,
    acceptedAt: d.created_at,
    updatedAt: d.updated_at,
    orderingKey: d.ordering_key,
    eventBody: d.body,
    eventTraceparent: d.traceparent,
  };
}

/** A found row as a list shows it. */
export function toListItem(row: FoundRow): DeliveryListItem {
  return {
    id: row.id,
    cursor: String(row.seq),
    eventId: row.event_id,
    eventType: row.event_type,
    connector: row.connector,
    route: row.route,
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    acceptedAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.event_body !== null && { eventBody: row.event_body }),
  };
}

/** A claimed row as the dispatcher takes it. */
/** A delivery of a key read for its run (KeyRunOptions): its due time too. */
export interface KeyRunRow extends DueRow {
  next_attempt_at: number;
}

/**
 * The run out of a key's unfinished deliveries read in acceptance order: from the first, while
 * each is due at `now`, not in `skip`, and has exactly as many unfinished deliveries of its key
 * ahead of it as the run holds so far (`ahead`; a delivery another claimer holds still counts as
 * ahead, so the run ends before it). Without `ahead`, the rows are taken to be every unfinished
 * delivery of the key from its oldest, as a single writer reads them.
 */
export function keyRun<Row extends KeyRunRow>(rows: readonly Row[], now: number, skip: ReadonlySet<string> | undefined, ahead: (row: Row, index: number) => number = (_row, index) => index): Row[] {
  const run: Row[] = [];
  for (const [index, row] of rows.entries()) {
    if (ahead(row, index) !== run.length || row.next_attempt_at > now || skip?.has(row.id)) break;
    run.push(row);
  }
  return run;
}

export function claimedDelivery(row: DueRow): ClaimedDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    connector: row.connector,
    route: row.route,
    orderingKey: row.ordering_key,
    attempts: row.attempts,
    scheduleOffset: row.schedule_offset,
    eventBody: row.body,
    receivedAt: row.received_at,
    traceparent: row.traceparent,
    replayId: row.replay_id,
  };
}

/** A replay with its deliveries counted by state (those retention still keeps). */
export function replayView(row: ReplayRow, countsByState: Iterable<{ readonly state: DeliveryState; readonly n: number }>): ReplayView {
  let delivered = 0;
  let dead = 0;
  let waiting = 0;
  for (const { state, n } of countsByState) {
    if (state === 'delivered') delivered = n;
    else if (state === 'dead') dead = n;
    // A discarded delivery is finished by an operator: neither delivered nor dead, nor waiting.
    else if (state !== 'discarded') waiting += n;
  }
  return {
    id: row.id,
    connector: row.connector,
    mode: row.mode,
    since: row.since,
    until: row.until,
    retainedSince: row.retained_since,
    eventTypes: row.event_types === null ? null : (JSON.parse(row.event_types) as string[]),
    where: row.where_source,
    perSecond: row.per_second,
    declared: row.declared === true || row.declared === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    state: row.state,
    position: row.position,
    matched: row.matched,
    skippedByRetention: row.skipped_by_retention,
    created: row.created,
    finishedAt: row.finished_at,
    delivered,
    dead,
    waiting,
  };
}

function deliveryView(d: DeliveryRow, history: readonly AttemptView[]): DeliveryView {
  return {
    id: d.id,
    connector: d.connector,
    route: d.route,
    state: d.state,
    attempts: d.attempts,
    lastStatus: d.last_status,
    lastError: d.last_error,
    nextAttemptAt: d.next_attempt_at,
    history: withDeliveredAttempt([...history], d),
  };
}

/**
 * The history with the attempt that delivered, which is kept on the delivery alone (the last_*
 * columns): the last attempt, when the delivery is delivered and no attempts row holds it. A
 * delivery SQLite delivered before its migration 9 has its row, and no last attempt on it.
 */
function withDeliveredAttempt(history: AttemptView[], d: DeliveryRow): AttemptView[] {
  if (d.state !== 'delivered' || d.last_started_at === null || history.at(-1)?.attempt === d.attempts) return history;
  history.push({
    attempt: d.attempts,
    startedAt: d.last_started_at,
    durationMs: d.last_duration_ms ?? 0,
    status: d.last_status,
    error: null,
    errorCode: null,
    revision: d.last_revision,
    responseBody: null,
    // Nothing of a delivered attempt's request is stored: GET /deliveries/:id renders it again.
    request: null,
    traceparent: d.last_traceparent,
  });
  return history;
}

function attemptView(a: AttemptRow): AttemptView {
  return {
    attempt: a.attempt,
    startedAt: a.started_at,
    durationMs: a.duration_ms,
    status: a.status,
    error: a.error,
    errorCode: a.error_code,
    revision: a.revision,
    responseBody: a.response_body,
    request: a.request,
    traceparent: a.traceparent,
  };
}
