/**
 * Sends deliveries. A delivery reaches the dispatcher either fresh from ingest (never waiting for
 * the sweep) or claimed by the sweep (retries, crash recovery, overflow, ordered deliveries, and
 * the deliveries of a connector that was holding). Each connector has a lane (connector-lane.ts)
 * with its work, its connector-wide state and its timers. This file schedules: it moves work
 * through a lane's gates, starts requests, and lets work go. The parts it schedules with:
 *   send-unit.ts                  one attempt of one unit: render, send, judge
 *   connector-state.ts            what an answer does to the connector (410, 429, breaker)
 *   report-connector-changes.ts   those changes recorded and logged
 *   record-outcome.ts             each delivery's attempt recorded, logged, its outcome announced
 *   batch-items.ts                batched routes' items, rendered once, gathered into batches
 *   held-deliveries.ts            how much it holds in memory (backpressure)
 *
 * Work a lane cannot send (disabled, paused, breaker open) is given back to the store with
 * `requeue`, attempts untouched, and the sweep does not claim it until the hold ends. Reads
 * (`accepting`, `status`) change nothing.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CompiledConnector } from '../config/compiled.js';
import type { Registry } from '../config/registry.js';
import { Signals } from '../signals.js';
import type { DisabledConnector, Store } from '../store/store.js';
import { createAuthenticator, type Authenticator } from './auth/authenticator.js';
import { BatchItems, isBatched } from './batch-items.js';
import { ConnectorLane, type LaneStatus, type WorkUnit } from './connector-lane.js';
import type { DispatchJob } from './dispatch-job.js';
import type { DispatcherSignals } from './dispatcher-signals.js';
import { HeldDeliveries } from './held-deliveries.js';
import type { HttpClient } from './http-client.js';
import type { AttemptResult } from './judge-attempt.js';
import { InFlight } from './in-flight.js';
import { createOutcomeRecorder, storeErrorLogger } from './record-outcome.js';
import { connectorChangeReporter } from './report-connector-changes.js';
import { notSent, sendUnit, type SendDependencies } from './send-unit.js';
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
  /** Connectors disabled by a 410 before this start (from `store.disabledConnectors()`). */
  readonly disabled?: readonly DisabledConnector[];
}

export interface Dispatcher {
  /** What it tells the rest of the engine (see dispatcher-signals.ts). */
  readonly signals: Signals<DispatcherSignals>;
  submit(job: DispatchJob): void;
  /** How many more deliveries it will hold in memory. */
  room(): number;
  /** Ids of every delivery it holds (queued, batching or in flight). */
  readonly held: ReadonlySet<string>;
  /** False while the connector is disabled, paused or its breaker is open: its deliveries should
   * stay in the store. */
  accepting(connector: string): boolean;
  /** After the connectors changed (a reload, or the start): a connector disabled by a 410 whose
   * configuration changed sends again, and the store forgets its disablement. */
  reconcile(): void;
  /** Flow-control state of each configured connector, for GET /status. */
  status(): Record<string, LaneStatus>;
  /** Stops starting requests and waits (at most `timeoutMs`) for those in flight. */
  close(timeoutMs: number): Promise<void>;
}

type Lane = ConnectorLane<DispatchJob>;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, registry, clock, logger } = options;
  const revision = options.revision ?? (() => 'unversioned');
  const timers = options.timers ?? realTimers;
  const signals = new Signals<DispatcherSignals>((error, signal) => logger.error({ err: error, signal }, 'a dispatcher listener failed'));
  const recordOutcome = createOutcomeRecorder({ store, logger, signals });
  const reportChanges = connectorChangeReporter({ store, logger, signals });
  const storeFailed = storeErrorLogger(logger);
  const lanes = new Map<string, Lane>();
  const held = new HeldDeliveries(options.maxHeld);
  const inFlight = new InFlight();
  const batchItems = new BatchItems(timers, (jobs) => {
    const lane = laneFor(jobs[0].connector);
    lane.ready.push({ route: jobs[0].route, jobs, batch: true });
    pump(lane);
  });
  const deps: SendDependencies = {
    authenticator: options.authenticator ?? createAuthenticator({ http: options.http, clock }),
    userAgent: options.userAgent,
    now: () => clock.now(),
    random: options.random,
    renderedItem: (job, route) => batchItems.renderedItem(job, route),
  };
  let closing = false;
  const disabledAtStart = new Map((options.disabled ?? []).map(({ connector, ...disabled }) => [connector, disabled]));

  function laneFor(name: string): Lane {
    let lane = lanes.get(name);
    if (!lane) lanes.set(name, (lane = new ConnectorLane(name, timers, disabledAtStart.get(name))));
    return lane;
  }

  /** Past the ordering gate: into its batch (batched routes) or the ready queue. */
  function admit(lane: Lane, job: DispatchJob): void {
    const connector = registry.get(job.connector);
    const route = connector?.routes.find((candidate) => candidate.key === job.route);
    if (connector === undefined || route === undefined || !isBatched(route)) {
      lane.ready.push({ route: job.route, jobs: [job], batch: false });
      return;
    }
    batchItems.add(job, route).catch((error: unknown) => {
      finish(lane, job, clock.now(), revision(), notSent(error, connector, 0));
      pump(lane);
    });
  }

  /** Starts what the lane may start now, or gives its work back to the store while it holds. */
  function pump(lane: Lane): void {
    if (closing) return;
    const connector = registry.get(lane.name);
    if (connector === undefined) return park(lane);
    const now = clock.now();
    const hold = lane.state.hold(connector, now);
    if (hold !== undefined) {
      giveBack(lane, takeWaiting(lane), hold.dueAt);
      if (hold.reason !== 'disabled') lane.wakeWhenHoldEnds(hold.dueAt, clock, () => signals.emit('unblocked'));
      return;
    }
    while (lane.ready.length > 0 && lane.active < connector.concurrency && lane.state.canStart(connector, now)) {
      const waitMs = lane.state.takeToken(connector, now);
      if (waitMs > 0) return lane.wakeForToken(waitMs, () => pump(lane));
      start(lane, connector, lane.ready.shift()!, lane.state.startRequest(connector, now));
    }
  }

  function start(lane: Lane, connector: CompiledConnector, unit: WorkUnit<DispatchJob>, probe: boolean): void {
    lane.active += 1;
    inFlight.begin();
    const startedAt = clock.now();
    const attemptRevision = revision();
    const route = connector.routes.find((candidate) => candidate.key === unit.route);
    void sendUnit(deps, connector, route, unit.route, unit.jobs, unit.batch)
      .then(({ judgement, results }) => {
        reportChanges(connector, lane.state.observe(judgement, probe, connector, clock.now()));
        unit.jobs.forEach((job, i) => finish(lane, job, startedAt, attemptRevision, results[i]!));
      })
      .catch((error: unknown) => {
        logger.error({ err: error, connector: lane.name }, 'dispatch failed unexpectedly; the deliveries are retried after their lease expires');
        for (const job of unit.jobs) release(lane, job, false);
      })
      .finally(() => {
        lane.active -= 1;
        inFlight.end();
        pump(lane);
      });
  }

  function finish(lane: Lane, job: DispatchJob, startedAt: number, attemptRevision: string, result: AttemptResult): void {
    release(lane, job, recordOutcome(job, startedAt, attemptRevision, result));
  }

  /** The job leaves memory. After a final outcome the next delivery of its key goes on; otherwise
   * the ones behind it go back to the store with it. */
  function release(lane: Lane, job: DispatchJob, final: boolean): void {
    const reopened = held.release(job.deliveryId);
    const { next, giveBack: behind } = lane.ordering.finish(job, final);
    if (next !== undefined) admit(lane, next);
    if (behind.length > 0) giveBack(lane, behind, clock.now());
    if (final && job.orderingKey !== null && next === undefined) signals.emit('unblocked');
    if (reopened && !closing) signals.emit('room');
  }

  /** Everything the lane holds that has not started: ready units, open batches, and the
   * deliveries waiting behind their key. */
  function takeWaiting(lane: Lane): DispatchJob[] {
    const jobs: DispatchJob[] = [];
    while (lane.ready.length > 0) jobs.push(...lane.ready.shift()!.jobs);
    jobs.push(...batchItems.take(lane.name), ...lane.ordering.drain());
    return jobs;
  }

  /** Unsent work goes back to the store, due at `dueAt`, attempts untouched. */
  function giveBack(lane: Lane, jobs: readonly DispatchJob[], dueAt: number): void {
    if (jobs.length === 0) return;
    void store.requeue(jobs.map((job) => job.deliveryId), dueAt).catch(storeFailed);
    for (const job of jobs) release(lane, job, false);
  }

  /** The connector is gone: the store parks its unfinished deliveries, these included. */
  function park(lane: Lane): void {
    const jobs = takeWaiting(lane);
    if (jobs.length === 0) return;
    void store
      .reconcileConnectors(registry.names(), clock.now())
      .then(() => logger.warn({ connector: lane.name, deliveries: jobs.length }, 'parked: connector not configured'))
      .catch(storeFailed);
    for (const job of jobs) release(lane, job, false);
  }

  return {
    signals,
    held: held.all,
    submit(job) {
      if (!held.add(job.deliveryId)) return;
      const lane = laneFor(job.connector);
      if (lane.ordering.admit(job)) admit(lane, job);
      pump(lane);
    },
    room: () => held.room(),
    accepting(name) {
      const connector = registry.get(name);
      return connector !== undefined && laneFor(name).state.canStart(connector, clock.now());
    },
    reconcile() {
      for (const connector of registry.all()) reportChanges(connector, laneFor(connector.name).state.reconcile(connector));
    },
    status() {
      const now = clock.now();
      const result: Record<string, LaneStatus> = {};
      for (const connector of registry.all()) {
        const lane = laneFor(connector.name);
        const waiting = lane.ready.length + lane.ordering.size + batchItems.count(connector.name);
        result[connector.name] = { ...lane.state.status(connector, now), inFlight: lane.active, waiting };
      }
      return result;
    },
    async close(timeoutMs) {
      closing = true;
      batchItems.close();
      for (const lane of lanes.values()) lane.stopTimers();
      await inFlight.settled(timeoutMs);
    },
  };
}
