/**
 * The durable outbox. Every backend (embedded SQLite now, PostgreSQL later) implements this
 * interface and passes the shared suite in test/store/store-contract.ts.
 *
 * Contract:
 * - `acceptEvents` resolves only once the events and their deliveries are on disk (group commit:
 *   many calls may share one transaction). A batch is atomic. An event whose id was already
 *   accepted is reported as a duplicate and gets no new deliveries.
 * - State changes made by the dispatcher (`recordAttempt`, `requeue`) are batched the same way;
 *   callers need not await them except to know they are durable.
 * - A delivery handed straight from ingest to a dispatcher is accepted `inflight`, its lease
 *   expiry as `nextAttemptAt`, exactly as if it had been claimed: `inflight` means held by a
 *   dispatcher under a lease, whether its request has started or it still waits its turn.
 * - `claimDue` atomically moves due work to `inflight` with a lease, so no two claimers get the
 *   same delivery: `retrying` and `pending` deliveries whose `nextAttemptAt` has come, and
 *   `inflight` ones whose lease expired (their claimer died).
 * - A delivery's retry schedule is counted from `scheduleOffset`: the attempts made before its
 *   current schedule started. It is 0 until `redrive` or an operator's retry restarts the schedule
 *   of a dead (or discarded) delivery; parking and resuming keep it, with the attempts and history.
 * - Ordering: a delivery with an `orderingKey` is not claimed while an older delivery (in
 *   acceptance order) of the same connector and key is unfinished (pending, inflight, retrying),
 *   so each key is handed out one delivery at a time, in order, retries included. Deliveries
 *   without a key are claimed independently. `claimKeyRuns` hands out a key's next deliveries
 *   together, in order, once its head has ended: its oldest unfinished delivery and those right
 *   behind it while each is due and not held; the holder sends them one after another.
 * - `requeue` gives back deliveries a dispatcher held but did not send: no attempt is recorded.
 * - Replays (`startReplay`, `scanReplayEvents`, `recordReplayStep`): a replay's deliveries and its
 *   progress (scan position, counts) commit in one transaction, and only while it is running, so a
 *   replay resumed after a crash continues from its position and creates no delivery twice, and a
 *   cancelled one creates nothing more. A delivery a replay created carries its id (`replayId`).
 *   Giving an event its first delivery takes it out of the events retention waits to delete.
 * - Retention (`deleteExpired`, `shrinkTo`) deletes only `delivered`, `dead` and `discarded`
 *   deliveries, each with its attempts, and an event only once none of its deliveries remains. It
 *   works in chunks (a few thousand rows per write) so that other writes commit in between, stops
 *   between chunks when its signal aborts, and gives the space it freed back to the file system
 *   where the backend can (SQLite: incremental vacuum). A delivery's `finished` time is when it
 *   was delivered, died, or was discarded.
 * - Operators' reads (`findDeliveries`) examine a bounded number of deliveries per call, so that
 *   no filter makes one call long; a page may then hold fewer rows than asked, even none, with a
 *   `next` to go on from. Operators' writes (`act`, `actOnMatching`) check each delivery's state
 *   as they change it, so a delivery that moved on meanwhile is left alone.
 *
 * Glossary:
 * - error code: the catalogue code (engine/errors.ts) that starts a failure's error text, stored
 *   apart so dead deliveries can be selected by cause.
 * - revision: the engine's config revision label when an attempt was made, e.g. "3f2a9c1b7d4e@abc1234".
 * - ordering key: the value of the connector's `orderingKey` expression for the delivery's event.
 * - replay: new deliveries of stored events for one connector, made in the background at a rate
 *   (`redeliver`: every event in a window its routes take now; `backfill`: only those without a
 *   delivery of the connector yet).
 * - position: where an event sits in acceptance order (SQLite: its seq); replays scan by it.
 */
import type { DeliveryState, EventId } from '../model.js';
import type { ReplicaCoordination } from './replicas.js';

export type { DeliveryAction, DeliveryDetail, DeliveryFilter, DeliveryListItem, DeliveryPage, FindOptions, StatusFilter } from './delivery-queries.js';
import type { DeliveryAction, DeliveryDetail, DeliveryFilter, DeliveryPage, FindOptions } from './delivery-queries.js';

/** The causes of death that a config change can cure, so `redrive` retries them. */
export const REDRIVE_ERROR_CODES = ['MAPPING_FAILED', 'TARGET_REJECTED'] as const;

export interface NewDelivery {
  readonly id: string;
  readonly connector: string;
  readonly route: string;
  /** `pending` when it waits for the sweep; `inflight` when handed straight to a dispatcher;
   * `dead` when the route's `when` failed to evaluate. */
  readonly state: 'pending' | 'inflight' | 'dead';
  /** For pending: when a claimer may take it; for inflight: when its lease expires. */
  readonly nextAttemptAt: number | null;
  readonly lastError?: string;
  /** The error code of a dead delivery; when omitted for one, `MAPPING_FAILED` (its `when` failed). */
  readonly lastErrorCode?: string;
  /** Deliveries with the same connector and key are claimed one at a time, in order. */
  readonly orderingKey?: string | null;
}

export interface NewEvent {
  readonly id: EventId;
  readonly type: string;
  /** The event as emitted, serialized as JSON. */
  readonly body: string;
  readonly receivedAt: number;
  /** The producer's W3C traceparent (version 00 form), when the event came with a valid one. */
  readonly traceparent?: string | null;
  readonly deliveries: readonly NewDelivery[];
}

export interface AcceptResult {
  readonly id: EventId;
  /** True when this id was accepted before; nothing new was stored. */
  readonly duplicate: boolean;
  /** Deliveries created by this call (0 for a duplicate). */
  readonly deliveries: number;
}

/** The end of one attempt, and the delivery's state after it. */
export interface AttemptRecord {
  readonly deliveryId: string;
  /** 1-based attempt number. */
  readonly attempt: number;
  readonly startedAt: number;
  readonly durationMs: number;
  /** HTTP status, when a response arrived. */
  readonly status: number | null;
  /** Why it failed, when it did; secrets already removed. */
  readonly error: string | null;
  /** The code of `error` ('MAPPING_FAILED', 'TARGET_REJECTED', 'TARGET_UNAVAILABLE', 'RETRIES_EXHAUSTED'); null when delivered. */
  readonly errorCode: string | null;
  /** The config revision label the attempt was made with. */
  readonly revision: string;
  readonly nextState: 'delivered' | 'retrying' | 'dead' | 'parked';
  /** When `retrying`: when it is due again. */
  readonly nextAttemptAt: number | null;
  /** The start of the response body of a failed attempt (at most 4 KiB), secrets removed. */
  readonly responseBody?: string | null;
  /** The request as it was sent, for a failed attempt only (JSON of dispatch/sent-request.ts's
   * SentRequest: secrets masked, body cut); null or absent for one that delivered. */
  readonly request?: string | null;
  /** The W3C traceparent the attempt sent; null or absent when its event had no trace. */
  readonly traceparent?: string | null;
}

/** A delivery claimed for dispatch, with its event. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly eventId: EventId;
  readonly eventType: string;
  readonly connector: string;
  readonly route: string;
  readonly orderingKey: string | null;
  /** Attempts made so far. */
  readonly attempts: number;
  /** Attempts made before the current retry schedule started (see the contract above). */
  readonly scheduleOffset: number;
  /** The event as emitted, serialized as JSON. */
  readonly eventBody: string;
  /** When the delivery was created (for the created → delivered latency): its event's acceptance,
   * or for a replay's delivery the moment the replay created it. */
  readonly receivedAt: number;
  /** Its event's traceparent (see NewEvent), or null. */
  readonly traceparent: string | null;
  /** The replay that created it, or null. */
  readonly replayId: string | null;
}

/** What `reconcileConnectors` moved. */
export interface ReconcileResult {
  /** Deliveries parked, by connector (connectors with none are absent). */
  readonly parked: Readonly<Record<string, number>>;
  readonly resumed: number;
}

/** What waits in the store for one connector (see Store.backlog). */
export interface ConnectorBacklog {
  readonly connector: string;
  readonly pending: number;
  readonly inflight: number;
  readonly retrying: number;
  readonly parked: number;
  readonly dead: number;
  readonly discarded: number;
  /** When the oldest of its unfinished (pending, inflight, retrying) deliveries was accepted; null when it has none. */
  readonly oldestWaitingAt: number | null;
}

export interface ClaimOptions {
  readonly now: number;
  readonly limit: number;
  /** The lease: claimed deliveries become `inflight` until now + leaseMs. */
  readonly leaseMs: number;
  /** Ids the caller already holds in memory; they are passed over, not claimed again. */
  readonly skip?: ReadonlySet<string>;
  /** Only deliveries of these connectors are claimed (others would be parked). */
  readonly connectors: ReadonlySet<string>;
}

/** An ordering key of a connector. */
export interface ConnectorKey {
  readonly connector: string;
  readonly orderingKey: string;
}

/**
 * The run of a key: its oldest unfinished delivery (pending, inflight, retrying) and the ones right
 * behind it in acceptance order, at most `perKey`, stopping before the first that is not due now
 * (a retry due later, a lease that has not expired), that is in `skip`, or that another claimer
 * holds. A key whose oldest unfinished delivery is one of those gives nothing. So a run never
 * passes a delivery of its key, and the claimer may send it one delivery after another.
 */
export interface KeyRunOptions {
  readonly now: number;
  readonly leaseMs: number;
  readonly keys: readonly ConnectorKey[];
  readonly perKey: number;
  /** Ids the caller already holds in memory. */
  readonly skip?: ReadonlySet<string>;
}

export interface AttemptView {
  readonly attempt: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly status: number | null;
  readonly error: string | null;
  /** Null for a delivered attempt, and for attempts recorded before schema migration 2. */
  readonly errorCode: string | null;
  /** Null for attempts recorded before schema migration 2. */
  readonly revision: string | null;
  /** The start of the response body of a failed attempt; null otherwise and before migration 3. */
  readonly responseBody: string | null;
  /** The request as sent (JSON), for a failed attempt recorded since migration 7; null otherwise. */
  readonly request: string | null;
  /** The traceparent it sent; null without one, and before migration 7. */
  readonly traceparent: string | null;
}

export interface DeliveryView {
  readonly id: string;
  readonly connector: string;
  readonly route: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  /** For retrying: when it is due; for pending and inflight, a lease; null otherwise. */
  readonly nextAttemptAt: number | null;
  readonly history: readonly AttemptView[];
}

/** A connector whose target answered 410 Gone, disabled while it keeps this revision. */
export interface DisabledConnector {
  readonly connector: string;
  readonly revision: string;
  readonly since: number;
  readonly reason: string;
}

/** A connector an operator paused (POST /connectors/:name/pause); kept across restarts and reloads. */
export interface PausedConnector {
  readonly connector: string;
  /** Who paused it: the API token's name, or `anonymous loopback`. */
  readonly by: string;
  readonly since: number;
}

export type ReplayMode = 'redeliver' | 'backfill';
/** `running` until every matching event has its deliveries (`done`) or an operator cancels it. */
export type ReplayState = 'running' | 'done' | 'cancelled';

/** What a replay does, fixed when it starts. Times are epoch ms. */
export interface ReplaySpec {
  readonly connector: string;
  readonly mode: ReplayMode;
  /** The window of acceptance times: `since` included, `until` excluded. */
  readonly since: number;
  readonly until: number;
  /** Events accepted before this are skipped and counted (past --retain-events when it started). */
  readonly retainedSince: number;
  /** Type patterns (globs, as a route's `on`); null takes every type. */
  readonly eventTypes: readonly string[] | null;
  /** A JSONata predicate over the event; null takes every event. */
  readonly where: string | null;
  /** Deliveries created per second, at most. */
  readonly perSecond: number;
}

export interface NewReplay extends ReplaySpec {
  readonly id: string;
  readonly createdAt: number;
  /** Who started it: a token's name, or the connector file of a declared backfill. */
  readonly createdBy: string;
  /** True for a connector file's `backfill:`: it starts once per connector name, ever. */
  readonly declared: boolean;
}

export interface ReplayRecord extends NewReplay {
  readonly state: ReplayState;
  /** Events at or before this position are done; null before the first step. */
  readonly position: number | null;
  /** Events that got deliveries. */
  readonly matched: number;
  /** Events that would have matched but were accepted before `retainedSince`. */
  readonly skippedByRetention: number;
  /** Deliveries created. */
  readonly created: number;
  readonly finishedAt: number | null;
}

/** A replay with what became of its deliveries, counted among those retention still keeps. */
export interface ReplayView extends ReplayRecord {
  readonly delivered: number;
  readonly dead: number;
  /** Created and not finished yet: pending, inflight, retrying or parked. */
  readonly waiting: number;
}

export interface ReplayScan {
  /** The window of acceptance times (ReplaySpec). */
  readonly since: number;
  readonly until: number;
  /** Continue after this position; null starts at the window's beginning. */
  readonly after: number | null;
  /** Most positions examined by this call. */
  readonly limit: number;
  /** Backfill: only events without a delivery of this connector. */
  readonly withoutDeliveryOf?: string;
}

/** A stored event as a replay reads it. */
export interface ScannedEvent {
  readonly position: number;
  readonly id: EventId;
  readonly type: string;
  /** The event as emitted, serialized as JSON. */
  readonly body: string;
  readonly receivedAt: number;
  /** Its producer's traceparent (see NewEvent), or null: a replayed delivery continues that trace. */
  readonly traceparent: string | null;
}

export interface ReplayScanPage {
  /** The window's events in this stretch, in acceptance order. */
  readonly events: readonly ScannedEvent[];
  /** Every event at or before this position has been examined: the next call's `after`. */
  readonly through: number;
  /** True when nothing of the window lies after `through`. */
  readonly done: boolean;
}

/** A delivery a replay creates, for a stored event. */
export interface NewReplayDelivery extends NewDelivery {
  readonly eventId: EventId;
}

/** One step of a replay: the deliveries it creates and how far it got. */
export interface ReplayStep {
  readonly deliveries: readonly NewReplayDelivery[];
  /** The new position: every event at or before it is done. */
  readonly position: number;
  /**
   * The position the step was taken from (null: the replay's start). When given, the step is
   * refused (creating nothing) unless the replay is still at it: two runners of one replay (two
   * replicas) never both create a step's deliveries.
   */
  readonly from?: number | null;
  readonly matched: number;
  readonly skippedByRetention: number;
  /** True when the window is done: the replay becomes `done`. */
  readonly done: boolean;
  /** Stamps the deliveries' creation and, when done, the replay's end. */
  readonly now: number;
}

export interface EventView {
  readonly id: EventId;
  readonly type: string;
  readonly receivedAt: number;
  readonly body: string;
  readonly traceparent: string | null;
  readonly deliveries: readonly DeliveryView[];
}

/** Whether the store could write lately, for operators (GET /status). */
export interface StoreHealth {
  /** False from a read or write that failed on the disk (STORE_UNAVAILABLE) until events are stored again. */
  readonly writable: boolean;
  /** The latest such failure; kept after the store recovers, so a past outage stays visible. */
  readonly lastFailure: { readonly at: number; readonly message: string } | null;
}

/** Cutoffs of finished deliveries, as instants (epoch ms): those that finished before them go. */
export interface FinishedCutoffs {
  /** Delivered deliveries delivered before this instant are deleted, and discarded ones
   * discarded before it. */
  readonly deliveredBefore: number;
  /** Dead deliveries that died before this instant are deleted; null keeps every dead one. */
  readonly deadBefore: number | null;
}

/** What `deleteExpired` may delete (built by sweep/retention-policy.ts). */
export interface RetentionPolicy extends FinishedCutoffs {
  /** Connectors whose own cutoffs replace the ones above (a connector's `retention`). */
  readonly connectors: ReadonlyMap<string, FinishedCutoffs>;
  /** An event received before this instant is deleted once none of its deliveries remains. */
  readonly eventsBefore: number;
}

export interface RetentionResult {
  readonly deleted: {
    /** Deliveries deleted, dead ones included. */
    readonly deliveries: number;
    /** The dead deliveries among them. */
    readonly dead: number;
    readonly events: number;
  };
  /** Its longest write transaction, ms: the longest other writes waited on it (on SQLite, the
   * checkpoint after each chunk is one such wait too). */
  readonly longestWriteMs: number;
  /** The most CPU time one of its write transactions took, ms: the same figure as the work done,
   * which other load on the machine does not stretch. */
  readonly longestWriteCpuMs: number;
}

export interface StoreSize {
  /** What the store takes on disk: its data and its write-ahead log (SQLite's WAL file; PostgreSQL:
   * the schema's tables with their indexes, the server's WAL being shared with other databases). */
  readonly sizeBytes: number;
  /** Its data alone, what retention can shrink and the disk guard bounds (SQLite: the database's
   * pages, which is its file's size once checkpointed). The log beside it is bounded on its own. */
  readonly dataBytes: number;
  /** Free space on its file system, for this user; null when the store cannot know it (PostgreSQL:
   * the server's disk is not the engine's to see). */
  readonly freeBytes: number | null;
}

export interface Store {
  /** Present when several replicas may share the store (PostgreSQL); see replicas.ts. */
  readonly replicas?: ReplicaCoordination;
  acceptEvents(events: readonly NewEvent[]): Promise<AcceptResult[]>;
  recordAttempt(record: AttemptRecord): Promise<void>;
  /** Deliveries a dispatcher held but did not send (their connector cannot send now) wait again,
   * due at `dueAt`: `pending` if never attempted, else `retrying`; attempts and history unchanged.
   * Finished and parked deliveries are left alone. */
  requeue(deliveryIds: readonly string[], dueAt: number): Promise<void>;
  claimDue(options: ClaimOptions): Promise<ClaimedDelivery[]>;
  /** Claims, for each key given, a run of its deliveries (see KeyRunOptions), leased as claimDue
   * leases; the result lists each key's run in order, keys in the order given. */
  claimKeyRuns(options: KeyRunOptions): Promise<ClaimedDelivery[]>;
  /** Moves unfinished deliveries of connectors not in `connectors` to `parked`, and parked ones of
   * connectors in it back to `retrying`, due now. Returns how many moved each way. */
  reconcileConnectors(connectors: ReadonlySet<string>, now: number): Promise<ReconcileResult>;
  /** Gives the `dead` deliveries of `connector` whose error code is in REDRIVE_ERROR_CODES another
   * go: they become `retrying`, due at `now`, with a fresh retry schedule (scheduleOffset = attempts).
   * Deliveries that died of RETRIES_EXHAUSTED or TARGET_UNAVAILABLE stay dead. Returns how many moved. */
  redrive(connector: string, now: number): Promise<number>;
  /** Records that `connector` is disabled at `revision` (replacing an earlier record), or with
   * null that it is enabled again. */
  setDisabled(connector: string, disabled: Omit<DisabledConnector, 'connector'> | null): Promise<void>;
  /** Every disabled connector, by name. */
  disabledConnectors(): Promise<DisabledConnector[]>;
  /** Records an operator's pause of `connector` (replacing an earlier one), or with null its end. */
  setPaused(connector: string, pause: Omit<PausedConnector, 'connector'> | null): Promise<void>;
  /** Every connector an operator paused, by name. */
  pausedConnectors(): Promise<PausedConnector[]>;
  /** Records a replay as running. A declared one is recorded with its connector's name, once:
   * resolves false, recording nothing, when that connector's declared backfill was started before. */
  startReplay(replay: NewReplay): Promise<boolean>;
  /** The window's stored events after a position, a stretch of at most `limit` positions at a time. */
  scanReplayEvents(scan: ReplayScan): Promise<ReplayScanPage>;
  /** Creates the step's deliveries and records its progress in one transaction, if the replay is
   * still running (and still at `step.from`, when given); resolves false, creating nothing, otherwise. */
  recordReplayStep(id: string, step: ReplayStep): Promise<boolean>;
  /** A running replay becomes `cancelled` (it creates nothing more); one that is not running is
   * left as it is. Resolves with the replay, undefined when there is none. */
  cancelReplay(id: string, now: number): Promise<ReplayView | undefined>;
  getReplay(id: string): Promise<ReplayView | undefined>;
  /** Replays newest first, at most `limit`, only those in `state` when given. */
  listReplays(options: { readonly state?: ReplayState; readonly limit: number }): Promise<ReplayView[]>;
  getEvent(id: EventId): Promise<EventView | undefined>;
  /** Deliveries matching a filter, a page at a time, with a bounded scan (see the contract above
   * and FindOptions). An `after` that this store did not hand out rejects with QUERY_INVALID. */
  findDeliveries(options: FindOptions): Promise<DeliveryPage>;
  /** One delivery with its event and every attempt; undefined when there is no such delivery. */
  getDelivery(id: string): Promise<DeliveryDetail | undefined>;
  /** The state and connector of one delivery; undefined when there is no such delivery. */
  deliveryState(id: string): Promise<{ state: DeliveryState; connector: string } | undefined>;
  /** Applies `action` (see DeliveryAction) to the deliveries of these ids that it applies to and
   * whose connector is in `connectors` (null: any connector); the others are left alone. Returns
   * how many changed. */
  act(action: DeliveryAction, ids: readonly string[], connectors: ReadonlySet<string> | null, now: number): Promise<number>;
  /** The same for every delivery matching `filter`, a chunk per write (at most a few thousand
   * deliveries each), so other writes commit in between. Returns how many changed. */
  actOnMatching(action: DeliveryAction, filter: DeliveryFilter, connectors: ReadonlySet<string> | null, now: number): Promise<number>;
  /** Counts of deliveries per state, for status and benchmarks; `delivered` counts the delivered
   * deliveries retention has not deleted yet. Reads no row that is not counted. */
  countByState(): Promise<Record<DeliveryState, number>>;
  /** When the oldest pending, inflight or retrying delivery was accepted; null when there is none. */
  oldestUnfinishedAt(): Promise<number | null>;
  /** Deletes what `policy` allows: delivered, dead and discarded deliveries that finished before
   * their cutoffs (their connector's, else the policy's), then events past `eventsBefore` with no
   * delivery left. Never a pending, inflight, retrying or parked delivery. */
  deleteExpired(policy: RetentionPolicy, signal?: AbortSignal): Promise<RetentionResult>;
  /** The disk guard: while the store's data (StoreSize.dataBytes) is larger than `maxBytes`,
   * deletes events without deliveries, then delivered and discarded deliveries, oldest first
   * whatever their age,
   * with their events once none of their deliveries remains. Resolves with what it deleted and the
   * size it reached, which is still over `maxBytes` when nothing more may go. */
  shrinkTo(maxBytes: number, signal?: AbortSignal): Promise<RetentionResult & { readonly dataBytes: number }>;
  size(): Promise<StoreSize>;
  /**
   * What waits, per connector that has any unfinished, parked, dead or discarded delivery, for the
   * metrics scrape. It reads only those deliveries (through indexes of their states), never the delivered
   * ones, so its cost follows the backlog, not the size of the store.
   */
  backlog(): Promise<ConnectorBacklog[]>;
  health(): StoreHealth;
  /** Flushes pending writes and closes. Idempotent. */
  close(): Promise<void>;
}
