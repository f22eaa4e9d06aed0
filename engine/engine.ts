/**
 * Wires the stages together. An event flows:
 *   emit / POST /events / a source (NATS, RabbitMQ, outbox; acked once stored)
 *     ->  bus/ingest (id, routes, `when`)  ->  store (group commit; then ack)
 *   ->  dispatch (a lane per connector: ordering key, batch, breaker, 429 pause, rate limit,
 *       concurrency; then render with JSONata, send with undici, record the attempt)
 *   ->  on a retryable failure: store `retrying` with a due time  ->  sweep (cron) claims it  ->  dispatch
 * Replays and backfills create new deliveries of stored events in the background, at a pace,
 * handing them to dispatch after live traffic.
 * Retention (cron, every minute) deletes what is no longer kept, and guards the store's size.
 * Operators find, read, retry and discard deliveries by hand (operate/).
 * The metrics count what the stages signal (events accepted and refused, attempts, parked work)
 * and read the store, dispatcher and config when scraped.
 * Everything with side effects (clock, store, HTTP, logger, randomness) can be passed in.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import type { CompiledConnector } from './config/compiled.js';
import { configAtStart, type StartConfig } from './config/live/config-at-start.js';
import type { ConfigStatus, ReloadReport } from './config/live/live-config.js';
import { engineFileStatus, type EngineFileStatus } from './config/engine-file/engine-file-status.js';
import { DEFAULT_CONNECTORS_DIR } from './config/load/connector-file-name.js';
import type { Registry } from './config/registry.js';
import type { LaneStatus } from './dispatch/connector-lane.js';
import { createDispatcher, type Dispatcher } from './dispatch/dispatcher.js';
import { createHttpClient, type HttpClient } from './dispatch/http-client.js';
import { LeaseGuard } from './dispatch/lease-guard.js';
import { realTimers } from './dispatch/timers.js';
import { connectorRoutesFor } from './bus/connector-routes.js';
import { createIngest, type Ingest } from './bus/ingest.js';
import { createIdGenerator } from './bus/new-id.js';
import { createOutcomePublisher, type OutcomeListener, type OutcomePublisher } from './bus/outcome-publisher.js';
import { createAdapter } from './bus/sources/create-adapter.js';
import { createSourceSet, type SourceSet } from './bus/sources/source-set.js';
import type { SourceStatus } from './bus/sources/source-tally.js';
import { HmsError } from './errors.js';
import { createLogger } from './logger.js';
import { createEngineMetrics, type EngineMetrics } from './metrics/engine-metrics.js';
import { configSkewOf, replicasPerRevision, type ConfigSkew } from './metrics/config-skew.js';
import { readinessOf, type Readiness } from './metrics/readiness.js';
import { createTrafficSummary, type TrafficSummary } from './metrics/traffic-summary.js';
import type { DeliveryState, SyncEvent } from './model.js';
import { openStore } from './store/open-store.js';
import type { ReplicaIdentity, ReplicaView } from './store/replicas.js';
import { describeStoreLocation, type StoreLocation } from './store/store-location.js';
import { createDeliveryActions, type BulkResult, type BulkSelection } from './operate/delivery-actions.js';
import { createDeliveryPages, type DeliveryPage } from './operate/delivery-page.js';
import { listDead, retryDead, type DeadListOptions, type DeadPage, type DeadSelection } from './operate/dead-letters.js';
import { findDeliveries, type DeliveryQuery, type FoundDeliveries } from './operate/find-deliveries.js';
import type { AcceptResult, DeliveryAction, EventView, ReplayView, Store, StoreHealth, StoreSize } from './store/store.js';
import { configChangeApplier } from './sweep/apply-config-change.js';
import { createReplicaHeartbeat, type ReplicaHeartbeat } from './sweep/replica-heartbeat.js';
import { createWakeUps, type WakeUps } from './sweep/wake-ups.js';
import { createReplays, type Replays } from './sweep/replay/replays.js';
import { createRetention, RETENTION_SCHEDULE, type Retention, type RetentionRun } from './sweep/retention.js';
import { DEFAULT_RETENTION, type RetentionSettings } from './sweep/retention-policy.js';
import { createKeyRuns, type KeyRuns } from './sweep/key-runs.js';
import { createSweep, DEFAULT_SWEEP_SCHEDULE, type Sweep } from './sweep/sweep.js';
import { packageVersion } from './version.js';

/** How long a claimed delivery stays ours before another claimer may take it (--lease). On a
 * shared store (PostgreSQL) the heartbeat renews it every DEFAULT_LEASE_RENEW_MS while the
 * delivery is held; on SQLite, one engine per file, nothing else claims, and a restart ends them. */
export const DEFAULT_LEASE_MS = 30_000;
/** How often a replica on a shared store renews its leases and records its heartbeat (--lease-renew). */
export const DEFAULT_LEASE_RENEW_MS = 10_000;
/** Most deliveries the dispatcher holds in memory; the rest wait, due, in the store. */
export const DEFAULT_MAX_HELD = 5_000;
/** How long close() waits for requests in flight. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

export interface EngineOptions {
  /** Load connectors from this directory (default ./connectors.d) unless `connectors` is given. */
  readonly connectorsDir?: string;
  readonly connectors?: readonly CompiledConnector[];
  /** Take events from the sources in this directory (see docs/sources.md); none when absent or missing. */
  readonly sourcesDir?: string;
  /** SQLite data directory (default ./data) unless `storeLocation` or `store` is given. */
  readonly dataDir?: string;
  /** Where the store lives (`--store`): SQLite or PostgreSQL; wins over `dataDir`. */
  readonly storeLocation?: StoreLocation;
  readonly store?: Store;
  /** Variables for ${env:...}; default process.env. */
  readonly env?: Record<string, string | undefined>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly http?: HttpClient;
  readonly random?: () => number;
  /** Cron expression with seconds; null runs no automatic sweep (call `sweep()`). */
  readonly sweepSchedule?: string | null;
  readonly leaseMs?: number;
  readonly leaseRenewMs?: number;
  readonly maxHeld?: number;
  readonly drainTimeoutMs?: number;
  /** Hot-reload `connectorsDir` and `sourcesDir` when their files change (default false; `hms-sync run` turns it on). */
  readonly watch?: boolean;
  /** Refuse to start (CONFIG_INVALID) when a connector file has problems, instead of setting the
   * file aside and running the valid ones as a reload does (default false). */
  readonly strict?: boolean;
  /** The engine settings file read at start (run-settings.ts): GET /status says when it changed since. */
  readonly engineFile?: { readonly path: string; readonly hash: string };
  /** How long finished work is kept, and the disk guard (sweep/retention-policy.ts); a field left
   * out keeps its default (7d delivered, 30d events, dead never, no maximum size). */
  readonly retention?: Partial<RetentionSettings>;
  /** Cron expression with seconds for retention (default every minute, plus a run at start); null
   * runs it only when `retain()` is called. */
  readonly retentionSchedule?: string | null;
  /** Also export prom-client's process and Node.js metrics at /metrics (default true). */
  readonly processMetrics?: boolean;
}

/** The store as GET /status shows it: health, size, backlog age, retention and the disk guard. */
export interface StoreStatus extends StoreHealth, StoreSize {
  /** `sqlite:PATH` or the PostgreSQL URL with its password masked; null for a Store passed in. */
  readonly location: string | null;
  /** When the oldest pending, inflight or retrying delivery was accepted; null when none is. */
  readonly oldestPendingAt: number | null;
  /** True while the disk guard refuses events (507 STORE_FULL). */
  readonly full: boolean;
  readonly retention: RetentionSettings;
  readonly lastRetention: RetentionRun | null;
}

export interface EngineStatus extends Omit<ConfigStatus, 'connectors' | 'sources'> {
  readonly connectors: readonly CompiledConnector[];
  /** Per state; `delivered` counts the delivered deliveries retention has not deleted yet. */
  /** Each source: connected, last error, lag, counts, latest rejections. */
  readonly sources: readonly SourceStatus[];
  /** The engine settings file, and whether it changed since start (it is read at start only). */
  readonly engineFile: EngineFileStatus | null;
  readonly deliveries: Record<DeliveryState, number>;
  readonly store: StoreStatus;
  /** Flow control per connector name: disabled, paused, breaker, rate limit, work in memory. */
  readonly flow: Readonly<Record<string, LaneStatus>>;
  /** The replays running now, declared backfills included. */
  readonly replays: readonly ReplayView[];
  /** The live replicas on a shared store (PostgreSQL), this one marked `self`; null on SQLite. */
  readonly replicas: readonly (ReplicaView & { readonly self: boolean })[] | null;
  /** Live replicas on different connector revisions, and which are behind; null when none. */
  readonly configSkew: ConfigSkew | null;
}

export interface Engine {
  /** Resolves with the event's id once it and its deliveries are durable. */
  emit(event: SyncEvent): Promise<string>;
  /** Accepts a batch atomically; resolves once it is durable. `via` names where it came from in
   * the metrics: `http`, a source's name, or (the default) `emit`. `traceparent`: the W3C trace
   * context of the request that carried them, for those without their own (bus/trace-context.ts). */
  ingest(events: readonly SyncEvent[], via?: string, traceparent?: string): Promise<AcceptResult[]>;
  /** Counts events refused before they reached the engine (a request whose body could not be
   * read), as `ingest` counts those it refuses. */
  rejected(error: unknown, events: number): void;
  /** The Prometheus exposition of the engine's metrics, computed now. */
  metrics(): Promise<{ readonly contentType: string; readonly text: string }>;
  /** Ready when the store can write and the engine is not shutting down. Reads nothing from disk. */
  readiness(): Readiness;
  getEvent(id: string): Promise<EventView | undefined>;
  /** Deliveries matching a filter and `q`, a page at a time (operate/find-deliveries.ts). */
  findDeliveries(query: DeliveryQuery): Promise<FoundDeliveries>;
  /** One delivery with its event, every attempt and the request of each (operate/delivery-page.ts). */
  getDelivery(id: string): Promise<DeliveryPage | undefined>;
  /** Retries or discards one delivery (operate/delivery-actions.ts); resolves with 1. */
  actOnDelivery(action: DeliveryAction, id: string): Promise<number>;
  /** Retries or discards every delivery a filter (and `q`) selects, or with `dryRun` counts them. */
  actOnDeliveries(action: DeliveryAction, selection: BulkSelection, dryRun: boolean): Promise<BulkResult>;
  /** Dead deliveries, oldest first, a page at a time. */
  listDead(options: DeadListOptions): Promise<DeadPage>;
  /** Retries dead deliveries now (see operate/dead-letters.ts); resolves with how many. */
  retryDead(which: DeadSelection): Promise<number>;
  /** An operator pauses a configured connector (it sends nothing until resumed; kept across
   * restarts and reloads), or resumes it; `by` names who, for the log. Resolves with its flow
   * control once the change is in the store; NOT_FOUND for a connector that is not configured. */
  pauseConnector(name: string, by: string): Promise<LaneStatus>;
  resumeConnector(name: string, by: string): Promise<LaneStatus>;
  /** Runs the retry sweep now; resolves with how many deliveries it claimed. */
  sweep(): Promise<number>;
  /** Runs retention now (and the disk guard); resolves with what it deleted. */
  retain(): Promise<RetentionRun>;
  /** Re-reads the connectors directory now (the watcher calls this on file changes). */
  reload(): Promise<ReloadReport>;
  status(): Promise<EngineStatus>;
  /**
   * Calls `listener` with every outcome event (`sync.delivered`, `sync.dead`) as it happens.
   * Returns the function that unsubscribes.
   */
  subscribe(listener: OutcomeListener): () => void;
  readonly registry: Registry;
  readonly store: Store;
  /** The running sources; their signals count accepted and rejected messages. */
  readonly sources: SourceSet;
  /** Replays and backfills: dry runs, starting, progress, cancelling (sweep/replay/replays.ts). */
  readonly replays: Replays;
  /** Drains the sources, stops accepting, lets requests in flight finish (bounded), closes the store. Idempotent. */
  close(): Promise<void>;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger();
  const config = await configAtStart({
    ...(options.connectors && { connectors: options.connectors }),
    connectorsDir: options.connectorsDir ?? DEFAULT_CONNECTORS_DIR,
    ...(options.sourcesDir !== undefined && { sourcesDir: options.sourcesDir }),
    env: options.env ?? process.env,
    strict: options.strict === true,
    clock,
    logger,
  });
  const stages = await buildStages(options, config, clock, logger);
  connectStages(stages);
  try {
    await startStages(stages, options);
  } catch (error) {
    // What started is stopped, and a store the engine opened is closed (a PostgreSQL pool would
    // keep the process alive).
    await closeStages(stages, options).catch(() => undefined);
    throw error;
  }
  return engineFacade(stages, options);
}

/** Every stage of a running engine, built and not yet connected or started. */
interface Stages {
  readonly config: StartConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Store;
  readonly http: HttpClient;
  readonly dispatcher: Dispatcher;
  readonly sweep: Sweep;
  /** The next deliveries of an ordering key, claimed as its last one here ends. */
  readonly keyRuns: KeyRuns;
  /** Present on a shared store: renews this replica's leases and records its heartbeat. */
  readonly heartbeat: ReplicaHeartbeat | undefined;
  /** Present on a shared store: wake-ups from other replicas (due work, connector states). */
  readonly wakeUps: WakeUps | undefined;
  readonly retention: Retention;
  readonly retentionSettings: RetentionSettings;
  readonly replays: Replays;
  readonly ingest: Ingest;
  readonly outcomes: OutcomePublisher;
  readonly sources: SourceSet;
  readonly applyConfigChange: ReturnType<typeof configChangeApplier>;
  readonly metrics: EngineMetrics;
  readonly summary: TrafficSummary;
  readonly actions: ReturnType<typeof createDeliveryActions>;
  readonly deliveryPage: ReturnType<typeof createDeliveryPages>;
}

async function buildStages(options: EngineOptions, config: StartConfig, clock: Clock, logger: Logger): Promise<Stages> {
  const { registry, revision } = config;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const random = options.random ?? Math.random;
  const userAgent = `hms-sync/${packageVersion()}`;

  // Store, and the HTTP client deliveries go out with. On a shared store this process is one
  // replica: a random id, its leases renewed by its heartbeat and checked before each send.
  const replica: ReplicaIdentity = { id: randomBytes(6).toString('hex'), hostname: hostname(), version: packageVersion(), leaseMs };
  const store = options.store ?? (await openStore(storeLocationOf(options), { clock, logger, replica }));
  const leases = new LeaseGuard();
  if (store.replicas) leases.renewed(clock.now(), store.replicas.self.leaseMs, []);
  const http = options.http ?? createHttpClient({ clock });

  // Dispatch sends; the sweep feeds it what is due in the store; dead letters are the sweep's too.
  const dispatcher = createDispatcher({
    store,
    disabled: await store.disabledConnectors(),
    paused: await store.pausedConnectors(),
    registry,
    http,
    clock,
    logger,
    random,
    userAgent,
    revision,
    maxHeld: options.maxHeld ?? DEFAULT_MAX_HELD,
    leases,
  });
  const sweep = createSweep({ store, dispatcher, registry, clock, logger, leaseMs });
  const keyRuns = createKeyRuns({ store, dispatcher, clock, logger, leaseMs });
  const wakeUps = store.replicas && createWakeUps({ replicas: store.replicas, store, sweep, dispatcher, logger, clock });
  const heartbeat = store.replicas && createReplicaHeartbeat({ replicas: store.replicas, dispatcher, leases, clock, timers: realTimers, logger, revision, renewMs: options.leaseRenewMs ?? DEFAULT_LEASE_RENEW_MS });
  // Retention deletes what is no longer kept, in the background; its disk guard can refuse ingest.
  const retentionSettings: RetentionSettings = { ...DEFAULT_RETENTION, ...definedFields(options.retention ?? {}) };
  const retention = createRetention({ store, registry, clock, logger, settings: retentionSettings });
  // Replays and backfills create deliveries of stored events, routed with today's connectors.
  const replays = createReplays({
    store,
    dispatcher,
    registry,
    clock,
    logger,
    timers: realTimers,
    newId: createIdGenerator(),
    leaseMs,
    retainEventsMs: retentionSettings.eventsMs,
    planRoutes: (event, connector) => connectorRoutesFor(registry, event, connector),
    kick: () => sweep.kick(),
  });

  // The bus: ingest stores and routes events (overflow waits in the store, fed in by the sweep
  // once the dispatcher has room); outcome events go back onto it.
  const ingest = createIngest({ store, registry, dispatcher, clock, logger, leaseMs, onOverflow: () => refill(dispatcher, sweep), refusal: () => retention.refusal() });
  const outcomes = createOutcomePublisher({ ingest: (events) => ingest.accept(events, 'outcome'), routed: (type) => registry.routesFor(type).length > 0, logger });
  // Sources take events from brokers through the same ingest; they start once the engine is up,
  // and are drained first when it closes.
  const sources = createSourceSet({
    ingest: (events, via) => ingest.accept(events, via),
    createAdapter,
    subscribeOutcomes: (listener) => outcomes.subscribe(listener),
    clock,
    logger,
    random,
    drainTimeoutMs: options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
  });

  // What a reload means for deliveries (parked, resumed, re-driven, enabled again).
  const applyConfigChange = configChangeApplier({ store, registry, dispatcher, sweep, clock, logger });

  // Metrics, and the summary line they give every minute.
  const metrics = createEngineMetrics({
    clock,
    version: packageVersion(),
    processMetrics: options.processMetrics,
    sources: {
      store,
      sending: () => Object.fromEntries(Object.entries(dispatcher.status()).map(([name, lane]) => [name, lane.state === 'active'])),
      configProblems: () => config.problemFiles().reduce((sum, file) => sum + file.problems.length, 0),
      revision,
      ...(store.replicas && { revisions: async () => replicasPerRevision(await store.replicas!.live(clock.now())) }),
    },
  });
  const summary = createTrafficSummary({ connectors: metrics.connectors, logger, clock });

  // What operators do by hand: find deliveries, read one, retry or discard them.
  const actions = createDeliveryActions({ store, registry, clock, logger, kick: () => sweep.kick() });
  const deliveryPage = createDeliveryPages({ store, registry, revision, userAgent });

  return { config, clock, logger, store, http, dispatcher, sweep, keyRuns, heartbeat, wakeUps, retention, retentionSettings, replays, ingest, outcomes, sources, applyConfigChange, metrics, summary, actions, deliveryPage };
}

/** Overflow waits in the store; the sweep feeds it in whenever the dispatcher has room again. */
function refill(dispatcher: Dispatcher, sweep: Sweep): void {
  if (dispatcher.room() > 0) sweep.kick();
}

/** Signals between the stages, subscribed once every stage exists. */
function connectStages({ config, dispatcher, sweep, keyRuns, heartbeat, outcomes, metrics, ingest, sources, applyConfigChange, replays }: Stages): void {
  heartbeat?.signals.on('replicas', (live) => dispatcher.shareLimits(live));
  // A replay whose replica stopped is taken over by a live one at its next heartbeat.
  heartbeat?.signals.on('beat', () => replays.resume());
  dispatcher.signals.on('outcome', (outcome) => outcomes.publish(outcome));
  dispatcher.signals.on('unblocked', () => sweep.kick());
  dispatcher.signals.on('keyFreed', (connector, orderingKey) => keyRuns.freed(connector, orderingKey));
  dispatcher.signals.on('room', () => refill(dispatcher, sweep));
  dispatcher.signals.on('attempt', (attempt) => metrics.attempt(attempt));
  dispatcher.signals.on('parked', (parked) => metrics.parked(parked));
  ingest.signals.on('accepted', (via, events) => metrics.eventsAccepted(via, events));
  ingest.signals.on('rejected', (reason, events) => metrics.eventsRejected(reason, events));
  ingest.signals.on('deadAtIngest', (connector) => metrics.deadAtIngest(connector));
  sources.signals.on('rejected', (_source, reason) => metrics.eventsRejected(reason, 1));
  const live = config.live?.signals;
  live?.on('applied', async (plan) => metrics.parked((await applyConfigChange([...plan.added, ...plan.changed])).parked));
  live?.on('applied', (_plan, sourcesPlan) => sourcesPlan && sources.apply(sourcesPlan.items));
  live?.on('applied', (plan) => replays.startDeclared([...plan.added, ...plan.changed]));
}

/** Starts the stages in order: watch, park what has no connector, sweep what is due, resume
 * replays, then take events from the sources and run retention on its schedule. */
async function startStages(stages: Stages, options: EngineOptions): Promise<void> {
  const { config, store, dispatcher, metrics, logger, clock, summary, sweep, heartbeat, wakeUps, replays, sources, retention } = stages;
  const { registry } = config;
  if (options.watch && config.live) await config.live.watch();
  dispatcher.reconcile();
  const moved = await store.reconcileConnectors(registry.names(), clock.now());
  metrics.parked(moved.parked);
  logger.info({ connectors: [...registry.names()], revision: config.revision(), ...moved }, 'engine started');
  summary.start();
  if (heartbeat) {
    await heartbeat.beat();
    heartbeat.start();
  }
  await wakeUps?.start();
  await sweep.runOnce();
  if (options.sweepSchedule !== null) sweep.start(options.sweepSchedule ?? DEFAULT_SWEEP_SCHEDULE);
  await replays.resume();
  await replays.startDeclared([...registry.names()]);
  await sources.apply(config.initialSources);
  if (options.retentionSchedule !== null) retention.start(options.retentionSchedule ?? RETENTION_SCHEDULE);
}

/** The Engine the API, the CLI and embedders use, over the started stages. */
function engineFacade(stages: Stages, options: EngineOptions): Engine {
  const { config, store, ingest, metrics, clock, actions, deliveryPage, dispatcher, outcomes, sweep, heartbeat, retention, replays, sources } = stages;
  let closing: Promise<void> | undefined;
  /** Throws ENGINE_CLOSED once the engine is closing, counting `refusedEvents` as refused. */
  const ensureOpen = (refusedEvents = 0) => {
    if (!closing) return;
    const error = new HmsError('ENGINE_CLOSED', 'the engine is shutting down and accepts no more events');
    if (refusedEvents > 0) ingest.refused(error, refusedEvents);
    throw error;
  };
  /** An operator's change, refused (thrown, not rejected) once the engine is closing. */
  const whileOpen = <A extends unknown[], R>(act: (...args: A) => R) => (...args: A): R => {
    ensureOpen();
    return act(...args);
  };

  return {
    registry: config.registry,
    store,
    sources,
    replays,
    async emit(event) {
      ensureOpen(1);
      // A JSON round trip: the first attempt sees exactly what a retry reads back from the store.
      const [result] = await ingest.accept([event], 'emit', (valid) => JSON.parse(JSON.stringify(valid)) as SyncEvent);
      return result!.id;
    },
    async ingest(events, via = 'emit', traceparent) {
      ensureOpen(events.length);
      return ingest.accept(events, via, undefined, traceparent);
    },
    rejected: (error, events) => ingest.refused(error, events),
    metrics: () => metrics.scrape(),
    readiness: () => readinessOf({ closing: closing !== undefined, store: store.health(), problemFiles: config.problemFiles().length, configSkew: configSkewOf(heartbeat?.live() ?? []) }),
    getEvent: (id) => store.getEvent(id),
    findDeliveries: (query) => findDeliveries(store, query, clock),
    getDelivery: (id) => deliveryPage(id),
    actOnDelivery: whileOpen((action: DeliveryAction, id: string) => actions.one(action, id)),
    actOnDeliveries: whileOpen((action: DeliveryAction, selection: BulkSelection, dryRun: boolean) => actions.bulk(action, selection, dryRun)),
    listDead: (listOptions) => listDead(store, listOptions),
    retryDead: whileOpen((which: DeadSelection) => retryDead(actions, which)),
    subscribe: (listener) => outcomes.subscribe(listener),
    async pauseConnector(name, by) {
      ensureOpen();
      await dispatcher.pause(name, by);
      return dispatcher.status()[name]!;
    },
    async resumeConnector(name, by) {
      ensureOpen();
      await dispatcher.resume(name, by);
      return dispatcher.status()[name]!;
    },
    sweep: () => sweep.runOnce(),
    retain: () => retention.runOnce(),
    reload() {
      if (!config.live) throw new HmsError('USAGE', 'this engine was given its connectors directly; there is no directory to reload');
      return config.live.reload();
    },
    status: () => statusOf(stages, options),
    close() {
      closing ??= closeStages(stages, options);
      return closing;
    },
  };
}

async function statusOf({ config, store, replays, dispatcher, sources, retention, retentionSettings, clock }: Stages, options: EngineOptions): Promise<EngineStatus> {
  const [deliveries, size, oldestPendingAt, engineFile, running, live] = await Promise.all([
    store.countByState(),
    store.size(),
    store.oldestUnfinishedAt(),
    options.engineFile === undefined ? null : engineFileStatus(options.engineFile),
    replays.list(true),
    store.replicas?.live(clock.now()) ?? null,
  ]);
  const storeStatus: StoreStatus = {
    location: options.store ? null : describeStoreLocation(storeLocationOf(options)),
    ...store.health(),
    ...size,
    oldestPendingAt,
    full: retention.refusal() !== undefined,
    retention: retentionSettings,
    lastRetention: retention.lastRun(),
  };
  const replicas = live === null ? null : live.map((replica) => ({ ...replica, self: replica.id === store.replicas!.self.id }));
  return { ...config.status(), sources: sources.status(), engineFile, deliveries, store: storeStatus, flow: dispatcher.status(), replays: running, replicas, configSkew: configSkewOf(live ?? []) };
}

/** Drains and closes the stages, sources first, the store last; closes only what the engine made. */
async function closeStages(stages: Stages, options: EngineOptions): Promise<void> {
  await stages.config.live?.close();
  await stages.wakeUps?.close();
  await stages.sources.close();
  await stages.replays.close();
  await stages.sweep.close();
  await stages.keyRuns.close();
  await stages.retention.close();
  await stages.dispatcher.close(options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
  await stages.outcomes.flush();
  await stages.heartbeat?.close();
  stages.summary.close();
  if (!options.http) await stages.http.close();
  if (!options.store) await stages.store.close();
  stages.logger.info('engine stopped');
}

/** Where the engine opens its store: `storeLocation`, else the SQLite data directory. */
function storeLocationOf(options: EngineOptions): StoreLocation {
  return options.storeLocation ?? { kind: 'sqlite', dataDir: options.dataDir ?? 'data' };
}

/** `partial` without its undefined fields, so that spreading it keeps the defaults of those. */
function definedFields<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<T>;
}
