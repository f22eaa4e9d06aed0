/**
 * Sends deliveries. A delivery reaches the dispatcher either fresh from ingest (never waiting for
 * the sweep) or claimed by the sweep (retries, crash recovery, overflow, ordered deliveries, and
 * the deliveries of a connector that was holding). Each connector has a lane (connector-lane.ts)
 * with its work, its connector-wide state and its timers. This file builds the dispatcher from
 * its parts and answers for it; the parts:
 *   schedule.ts                   moving work through a lane: admit, pump, start, release, give back
 *   send-unit.ts                  one attempt of one unit: render, send, judge
 *   connector-state.ts            what an answer does to the connector (410, 429, breaker)
 *   report-connector-changes.ts   those changes recorded and logged
 *   record-outcome.ts             each delivery's attempt recorded, logged, its outcome announced
 *   batch-items.ts                batched routes' items, rendered once, gathered into batches
 *   held-deliveries.ts            how much it holds in memory (backpressure)
 * Reads (`accepting`, `status`) change nothing.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry.js';
import { Signals } from '../signals.js';
import { HmsError } from '../errors.js';
import type { DisabledConnector, PausedConnector, Store } from '../store/store.js';
import { createAuthenticator, type Authenticator } from './auth/authenticator.js';
import { BatchItems } from './batch-items.js';
import { ConnectorLane, type LaneStatus } from './connector-lane.js';
import type { DispatchJob } from './dispatch-job.js';
import type { DispatcherSignals } from './dispatcher-signals.js';
import { HeldDeliveries } from './held-deliveries.js';
import type { HttpClient } from './http-client.js';
import { InFlight } from './in-flight.js';
import { LeaseGuard } from './lease-guard.js';
import { createOutcomeRecorder, storeErrorLogger } from './record-outcome.js';
import { connectorChangeReporter } from './report-connector-changes.js';
import { admit, pump, type Lane, type ScheduleContext } from './schedule.js';
import { realTimers, type Timers } from './timers.js';

export type { DispatchJob } from './dispatch-job.js';

export interface DispatcherOptions {
  readonly store: Store;
  readonly registry: Registry;
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly userAgent: string;
  readonly maxHeld: number;
  /** The config revision label recorded with each attempt; defaults to 'unversioned'. */
  readonly revision?: () => string;
  /** Adds auth and signing to each request; default: one over `http`. */
  readonly authenticator?: Authenticator;
  readonly timers?: Timers;
  /** This replica's leases (store with replicas); default: every lease holds. */
  readonly leases?: LeaseGuard;
  /** Connectors disabled by a 410 before this start (from `store.disabledConnectors()`). */
  readonly disabled?: readonly DisabledConnector[];
  /** Connectors an operator paused before this start (from `store.pausedConnectors()`). */
  readonly paused?: readonly PausedConnector[];
}

export interface Dispatcher {
  /** What it tells the rest of the engine (see dispatcher-signals.ts). */
  readonly signals: Signals<DispatcherSignals>;
  submit(job: DispatchJob): void;
  /** How many more deliveries it will hold in memory. */
  room(): number;
  /** Deliveries of the connector held in memory that have not started: ready, behind their
   * ordering key, or in an open batch. */
  waiting(connector: string): number;
  /** Ids of every delivery it holds (queued, batching or in flight). */
  readonly held: ReadonlySet<string>;
  /** False while the connector is paused (by an operator or a 429), disabled or its breaker is
   * open: its deliveries should stay in the store. */
  accepting(connector: string): boolean;
  /** An operator pauses a configured connector: nothing more starts, and what waits in memory goes
   * back to the store. Resolves once the pause is in the store; NOT_FOUND for a connector that is
   * not configured. Pausing a paused connector keeps the first pause. */
  pause(connector: string, by: string): Promise<void>;
  /** An operator resumes a configured connector: the operator's pause ends (its file's, if any,
   * holds on). Resolves once that is in the store. */
  resume(connector: string, by: string): Promise<void>;
  /** After the connectors changed (a reload, or the start): a connector disabled by a 410 whose
   * configuration changed sends again, and the store forgets its disablement. */
  reconcile(): void;
  /** Connector-wide state another replica changed in the shared store: operators' pauses and 410
   * disables replace this replica's, a 429's pause (`throttled`: until when, by connector) holds
   * it too (nothing is written back). A connector newly held gives its
   * work back to the store; one free again wakes the sweep. */
  adopt(paused: readonly PausedConnector[], disabled: readonly DisabledConnector[], throttled?: ReadonlyMap<string, number>): void;
  /** Splits every connector's rateLimit among `replicas` live replicas (docs/scale-out.md). */
  shareLimits(replicas: number): void;
  /** Flow-control state of each configured connector, for GET /status. */
  status(): Record<string, LaneStatus>;
  /** Stops starting requests and waits (at most `timeoutMs`) for those in flight. */
  close(timeoutMs: number): Promise<void>;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, registry, clock, logger } = options;
  const timers = options.timers ?? realTimers;
  const signals = new Signals<DispatcherSignals>((error, signal) => logger.error({ err: error, signal }, 'a dispatcher listener failed'));
  const disabledAtStart = new Map((options.disabled ?? []).map(({ connector, ...disabled }) => [connector, disabled]));
  const pausedAtStart = new Map((options.paused ?? []).map(({ connector, ...pause }) => [connector, pause]));
  const lanes = new Map<string, Lane>();
  let replicas = 1;
  const laneFor = (name: string): Lane => {
    let lane = lanes.get(name);
    if (!lane) {
      const [disabled, operatorPause] = [disabledAtStart.get(name), pausedAtStart.get(name)];
      lanes.set(name, (lane = new ConnectorLane(name, timers, { ...(disabled && { disabled }), ...(operatorPause && { operatorPause }) })));
      lane.state.shareLimit(replicas);
    }
    return lane;
  };
  const configured = (name: string) => {
    const connector = registry.get(name);
    if (connector === undefined) throw new HmsError('NOT_FOUND', `no connector named "${name}" is configured; GET /status lists them`);
    return connector;
  };
  const batchItems = new BatchItems(timers, (jobs) => {
    const lane = laneFor(jobs[0].connector);
    lane.enqueue({ route: jobs[0].route, jobs, batch: true });
    pump(ctx, lane);
  });
  let closing = false;
  const ctx: ScheduleContext = {
    store,
    registry,
    clock,
    logger,
    signals,
    send: {
      authenticator: options.authenticator ?? createAuthenticator({ http: options.http, clock }),
      userAgent: options.userAgent,
      now: () => clock.now(),
      random: options.random,
      renderedItem: (job, route) => batchItems.renderedItem(job, route),
    },
    revision: options.revision ?? (() => 'unversioned'),
    held: new HeldDeliveries(options.maxHeld),
    inFlight: new InFlight(),
    leases: options.leases ?? new LeaseGuard(),
    batchItems,
    recordOutcome: createOutcomeRecorder({ store, logger, signals }),
    reportChanges: connectorChangeReporter({ store, logger, signals }),
    storeFailed: storeErrorLogger(logger),
    closing: () => closing,
  };

  const waiting = (name: string) => {
    const lane = lanes.get(name);
    return lane === undefined ? 0 : lane.ready + lane.ordering.size + batchItems.count(name);
  };

  return {
    signals,
    held: ctx.held.all,
    waiting,
    submit(job) {
      if (!ctx.held.add(job.deliveryId)) return;
      const lane = laneFor(job.connector);
      if (lane.ordering.admit(job)) admit(ctx, lane, job);
      pump(ctx, lane);
    },
    room: () => ctx.held.room(),
    accepting(name) {
      const connector = registry.get(name);
      return connector !== undefined && laneFor(name).state.canStart(connector, clock.now());
    },
    async pause(name, by) {
      const connector = configured(name);
      const lane = laneFor(name);
      const written = ctx.reportChanges(connector, lane.state.pause(by, clock.now()));
      pump(ctx, lane);
      await written;
    },
    async resume(name, by) {
      const connector = configured(name);
      await ctx.reportChanges(connector, laneFor(name).state.resume(by));
    },
    reconcile() {
      for (const connector of registry.all()) void ctx.reportChanges(connector, laneFor(connector.name).state.reconcile(connector));
    },
    adopt(paused, disabled, throttled) {
      const pauses = new Map(paused.map(({ connector, ...pause }) => [connector, pause]));
      const disables = new Map(disabled.map(({ connector, ...record }) => [connector, record]));
      for (const connector of registry.all()) {
        const lane = laneFor(connector.name);
        const before = lane.state.canStart(connector, clock.now());
        lane.state.adopt({ operatorPause: pauses.get(connector.name), disabled: disables.get(connector.name), pausedUntil: throttled?.get(connector.name) });
        pump(ctx, lane);
        if (!before && lane.state.canStart(connector, clock.now())) signals.emit('unblocked');
      }
    },
    shareLimits(live) {
      replicas = live;
      for (const lane of lanes.values()) lane.state.shareLimit(live);
    },
    status() {
      const now = clock.now();
      const result: Record<string, LaneStatus> = {};
      for (const connector of registry.all()) {
        const lane = laneFor(connector.name);
        result[connector.name] = { ...lane.state.status(connector, now), inFlight: lane.active, waiting: waiting(connector.name) };
      }
      return result;
    },
    async close(timeoutMs) {
      closing = true;
      batchItems.close();
      for (const lane of lanes.values()) lane.stopTimers();
      await ctx.inFlight.settled(timeoutMs);
    },
  };
}
