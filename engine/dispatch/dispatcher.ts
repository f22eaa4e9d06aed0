/**
 * Sends deliveries. A delivery reaches the dispatcher either fresh from ingest (never waiting for
 * the sweep) or claimed by the sweep (retries, crash recovery, overflow, ordered deliveries, and
 * the deliveries of a connector that was holding). Each connector has a lane (connector-lane.ts)
 * that orders, batches and paces its work; one attempt of one unit is the chain of steps in
 * send-unit.ts (prepare, send, judge), after which the dispatcher applies what the answer means
 * for the connector (410 disables it, 429 pauses it, failures trip its breaker) and records each
 * delivery's attempt.
 *
 * Recording is group committed by the store and not awaited, so a slot frees as soon as the
 * response is read; a crash before the commit only means the delivery is sent again
 * (at-least-once). Work a lane cannot send (disabled, paused, breaker open) is given back to the
 * store with `requeue`, attempts untouched, and the sweep does not claim it until the hold ends.
 *
 * The dispatcher holds at most `maxHeld` deliveries in memory; past that, ingest leaves fresh
 * deliveries due in the store and the sweep feeds them in as room frees (`onRoom`).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CompiledConnector, CompiledRoute } from '../config/compiled.js';
import type { Registry } from '../config/registry.js';
import type { DeliveryOutcome } from '../bus/outcome-events.js';
import type { DisabledConnector, Store } from '../store/store.js';
import { createAuthenticator, type Authenticator } from './auth/authenticator.js';
import { Batcher, type BatchEntry } from './batcher.js';
import { ConnectorLane, type LaneStatus, type WorkUnit } from './connector-lane.js';
import type { HttpClient } from './http-client.js';
import type { Judgement, Outcome } from './judge-outcome.js';
import { renderItem } from './render-request.js';
import { notSent, sendUnit, type SendSteps } from './send-unit.js';
import { realTimers, type Timers } from './timers.js';

/** Node fires longer timers at once; a hold that long is woken by the sweep's schedule instead. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

export interface DispatchJob {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly connector: string;
  readonly route: string;
  /** The connector's orderingKey for this event, or null: sent in parallel. */
  readonly orderingKey: string | null;
  readonly attemptsMade: number;
  /** Attempts made before the delivery's current retry schedule started (0 unless re-driven). */
  readonly scheduleOffset: number;
  /** The event as emitted. */
  readonly event: unknown;
}

export interface DispatcherOptions {
  readonly store: Store;
  readonly registry: Registry;
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly userAgent: string;
  readonly maxHeld: number;
  /** Called when the dispatcher had no room and now has some again. */
  readonly onRoom?: () => void;
  /** Called when deliveries waiting in the store may be claimable now (an ordered delivery
   * finished, a breaker closed); the engine kicks the sweep. */
  readonly onUnblocked?: () => void;
  /** Called once for each delivery that ends delivered or dead here. Must not throw. */
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
  /** The config revision label recorded with each attempt; defaults to 'unversioned'. */
  readonly revision?: () => string;
  /** Adds auth and signing to each request; default: one over `http`. */
  readonly authenticator?: Authenticator;
  readonly timers?: Timers;
  /** Connectors disabled by a 410 before this start (from `store.disabledConnectors()`). */
  readonly disabled?: readonly DisabledConnector[];
}

export interface Dispatcher {
  submit(job: DispatchJob): void;
  /** How many more deliveries it will hold in memory. */
  room(): number;
  /** Ids of every delivery it holds (queued, batching or in flight). */
  readonly held: ReadonlySet<string>;
  /** False while the connector is disabled, paused or its breaker is open: its deliveries should
   * stay in the store. */
  accepting(connector: string): boolean;
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
  const authenticator = options.authenticator ?? createAuthenticator({ http: options.http, clock });
  const lanes = new Map<string, Lane>();
  const held = new Set<string>();
  /** Batch items rendered at admission to size them, kept for the send (see admit). */
  const renderedItems = new WeakMap<DispatchJob, { readonly route: CompiledRoute; readonly item: unknown }>();
  const steps: SendSteps = {
    authenticator,
    userAgent: options.userAgent,
    now: () => clock.now(),
    random: options.random,
    renderedItem: (job, route) => {
      const rendered = renderedItems.get(job as DispatchJob);
      return rendered?.route === route ? rendered : undefined;
    },
  };
  const batcher = new Batcher<DispatchJob>(timers, (_groupKey, entries) => onBatchFull(entries));
  let activeTotal = 0;
  let wasFull = false;
  let closing = false;
  let idle: (() => void) | undefined;
  for (const { connector, ...disabled } of options.disabled ?? []) laneFor(connector).disabled = disabled;

  function laneFor(name: string): Lane {
    let lane = lanes.get(name);
    if (!lane) {
      lane = new ConnectorLane(name);
      lanes.set(name, lane);
    }
    return lane;
  }

  /** Past the ordering gate: into the batcher (batched routes) or the ready queue. */
  function admit(lane: Lane, job: DispatchJob): void {
    const connector = registry.get(job.connector);
    const route = connector?.routes.find((candidate) => candidate.key === job.route);
    if (connector === undefined || route?.batch === undefined) {
      lane.ready.push({ route: job.route, jobs: [job], batch: false });
      return;
    }
    const { batch } = route;
    // Rendered now to know its size, and sent as rendered unless a reload replaced the route
    // before the batch went (then it is rendered again, with the route in force).
    renderItem(route, job.event).then(
      (item) => {
        if (closing) return;
        renderedItems.set(job, { route, item });
        batcher.add(groupKeyOf(job), batch, { value: job, bytes: Buffer.byteLength(JSON.stringify(item) ?? '') });
      },
      (error: unknown) => {
        finish(lane, connector, job, clock.now(), revision(), notSent(error, connector, 0));
        pump(lane);
      },
    );
  }

  function onBatchFull(entries: readonly [BatchEntry<DispatchJob>, ...BatchEntry<DispatchJob>[]]): void {
    const first = entries[0].value;
    const lane = laneFor(first.connector);
    lane.ready.push({ route: first.route, jobs: [first, ...entries.slice(1).map((entry) => entry.value)], batch: true });
    pump(lane);
  }

  function pump(lane: Lane): void {
    if (closing) return;
    const connector = registry.get(lane.name);
    if (connector === undefined) {
      park(lane);
      return;
    }
    const now = clock.now();
    reenableIfChanged(lane, connector);
    const hold = lane.hold(connector, now);
    if (hold !== undefined) {
      giveBack(lane, takeWaiting(lane), hold.dueAt);
      if (hold.reason !== 'disabled') wakeWhenHoldEnds(lane, hold.dueAt);
      return;
    }
    while (lane.ready.length > 0 && lane.active < connector.concurrency && lane.breaker.canStart(now)) {
      const waitMs = lane.takeToken(connector, now);
      if (waitMs > 0) {
        lane.wake ??= timers.setTimeout(() => {
          lane.wake = undefined;
          pump(lane);
        }, waitMs);
        return;
      }
      start(lane, connector, lane.ready.shift()!, lane.breaker.start(now));
    }
  }

  /**
   * The work given back waits in the store until the hold ends at `dueAt`; then the sweep is asked
   * for it. Timers may fire a little early by the clock, so an early wake waits out the rest:
   * a sweep run before `dueAt` would find the work not yet due and nothing would ask again.
   */
  function wakeWhenHoldEnds(lane: Lane, dueAt: number): void {
    if (lane.holdWake !== undefined) return;
    lane.holdWake = timers.setTimeout(() => {
      lane.holdWake = undefined;
      if (clock.now() < dueAt) wakeWhenHoldEnds(lane, dueAt);
      else options.onUnblocked?.();
    }, Math.min(Math.max(0, dueAt - clock.now()) + 1, MAX_TIMER_DELAY_MS));
  }

  function start(lane: Lane, connector: CompiledConnector, unit: WorkUnit<DispatchJob>, probe: boolean): void {
    lane.active += 1;
    activeTotal += 1;
    const startedAt = clock.now();
    const attemptRevision = revision();
    const route = connector.routes.find((candidate) => candidate.key === unit.route);
    void sendUnit(steps, connector, route, unit.route, unit.jobs, unit.batch)
      .then(({ judgement, outcomes }) => {
        applyToConnector(lane, connector, judgement, probe);
        unit.jobs.forEach((job, i) => finish(lane, connector, job, startedAt, attemptRevision, outcomes[i]!));
      })
      .catch((error: unknown) => {
        logger.error({ err: error, connector: lane.name }, 'dispatch failed unexpectedly; the deliveries are retried after their lease expires');
        for (const job of unit.jobs) release(lane, job, false);
      })
      .finally(() => {
        lane.active -= 1;
        activeTotal -= 1;
        if (activeTotal === 0 && idle) idle();
        pump(lane);
      });
  }

  /** A connector disabled by a 410 sends again once its configuration (revision) changed. */
  function reenableIfChanged(lane: Lane, connector: CompiledConnector): void {
    if (!lane.reenableIfChanged(connector)) return;
    void store.setDisabled(connector.name, null).catch(logStoreError);
    logger.info({ connector: connector.name, revision: connector.revision }, 'connector enabled again: its configuration changed');
  }

  /** What the answer means for the whole connector: 410 disables, 429 pauses, the breaker counts. */
  function applyToConnector(lane: Lane, connector: CompiledConnector, judgement: Judgement | undefined, probe: boolean): void {
    const now = clock.now();
    const fields = { connector: connector.name, revision: connector.revision };
    if (judgement?.disablesConnector && lane.disabled === undefined) {
      lane.disabled = { revision: connector.revision, since: now, reason: 'the target answered 410 Gone' };
      void store.setDisabled(connector.name, lane.disabled).catch(logStoreError);
      logger.error(fields, 'connector disabled: the target answered 410 Gone; it sends nothing until its configuration changes');
    }
    if (judgement?.pauseUntil !== undefined && judgement.pauseUntil > lane.pausedUntil) {
      if (lane.pausedUntil <= now) logger.warn({ ...fields, pausedUntil: new Date(judgement.pauseUntil).toISOString() }, 'connector paused: the target answered 429');
      lane.pausedUntil = judgement.pauseUntil;
    }
    const change = lane.breaker.record(judgement?.breaker ?? 'neutral', probe, connector.breaker, now);
    if (change === 'opened') logger.warn({ ...fields, ...lane.breaker.status(now) }, 'circuit breaker open: the connector sends nothing until a probe succeeds');
    if (change === 'closed') {
      logger.info(fields, 'circuit breaker closed');
      options.onUnblocked?.();
    }
  }

  function finish(lane: Lane, connector: CompiledConnector, job: DispatchJob, startedAt: number, attemptRevision: string, outcome: Outcome): void {
    const attempt = job.attemptsMade + 1;
    void store
      .recordAttempt({
        deliveryId: job.deliveryId,
        attempt,
        startedAt,
        durationMs: outcome.durationMs,
        status: outcome.status,
        error: outcome.error,
        errorCode: outcome.errorCode,
        revision: attemptRevision,
        nextState: outcome.state,
        nextAttemptAt: outcome.nextAttemptAt,
        responseBody: outcome.responseBody,
      })
      .catch(logStoreError);
    // One line per outcome. A retry is routine (an outage makes thousands), so it is info like a
    // delivery; a dead delivery needs someone, so it is a warning. The fields are built only when
    // the line is written: every finished attempt passes here.
    const level = outcome.state === 'dead' ? 'warn' : 'info';
    if (logger.isLevelEnabled(level)) {
      const fields = { eventId: job.eventId, deliveryId: job.deliveryId, connector: connector.name, route: job.route, attempt, status: outcome.status, durationMs: outcome.durationMs, state: outcome.state };
      if (outcome.state === 'delivered') logger.info(fields, 'delivered');
      else if (outcome.state === 'dead') logger.warn({ ...fields, error: outcome.error }, 'dead');
      else logger.info({ ...fields, error: outcome.error, nextAttemptAt: outcome.nextAttemptAt }, 'retry scheduled');
    }
    const final = outcome.state !== 'retrying';
    if (final) report(job, attempt, outcome);
    release(lane, job, final);
  }

  function report(job: DispatchJob, attempts: number, outcome: Outcome): void {
    if (!options.onOutcome || outcome.state === 'retrying') return;
    const { deliveryId, eventId, eventType, connector, route } = job;
    try {
      options.onOutcome({ deliveryId, eventId, eventType, connector, route, attempts, lastStatus: outcome.status, state: outcome.state });
    } catch (error) {
      logger.error({ err: error, deliveryId }, 'onOutcome threw');
    }
  }

  /** The job leaves memory. After a final outcome the next delivery of its key goes on; otherwise
   * the ones behind it go back to the store with it. */
  function release(lane: Lane, job: DispatchJob, final: boolean): void {
    held.delete(job.deliveryId);
    const { next, giveBack: behind } = lane.ordering.finish(job, final);
    if (next !== undefined) admit(lane, next);
    if (behind.length > 0) giveBack(lane, behind, clock.now());
    if (final && job.orderingKey !== null && next === undefined) options.onUnblocked?.();
    if (wasFull && held.size <= options.maxHeld / 2 && !closing) {
      wasFull = false;
      options.onRoom?.();
    }
  }

  /** Everything the lane holds that has not started: ready units, open batches, and the
   * deliveries waiting behind their key. */
  function takeWaiting(lane: Lane): DispatchJob[] {
    const jobs: DispatchJob[] = [];
    while (lane.ready.length > 0) jobs.push(...lane.ready.shift()!.jobs);
    jobs.push(...batcher.take((groupKey) => groupKey.startsWith(`${lane.name}\0`)));
    jobs.push(...lane.ordering.drain());
    return jobs;
  }

  /** Unsent work goes back to the store, due at `dueAt`, attempts untouched. */
  function giveBack(lane: Lane, jobs: readonly DispatchJob[], dueAt: number): void {
    if (jobs.length === 0) return;
    void store.requeue(jobs.map((job) => job.deliveryId), dueAt).catch(logStoreError);
    for (const job of jobs) release(lane, job, false);
  }

  /** The connector is gone: the store parks its unfinished deliveries, these included. */
  function park(lane: Lane): void {
    const jobs = takeWaiting(lane);
    if (jobs.length === 0) return;
    void store
      .reconcileConnectors(registry.names(), clock.now())
      .then(() => logger.warn({ connector: lane.name, deliveries: jobs.length }, 'parked: connector not configured'))
      .catch(logStoreError);
    for (const job of jobs) release(lane, job, false);
  }

  function logStoreError(error: unknown): void {
    logger.error({ err: error }, 'store write failed; the delivery will be retried after its lease expires');
  }

  return {
    held,
    submit(job) {
      if (held.has(job.deliveryId)) return;
      held.add(job.deliveryId);
      if (held.size >= options.maxHeld) wasFull = true;
      const lane = laneFor(job.connector);
      if (lane.ordering.admit(job)) admit(lane, job);
      pump(lane);
    },
    room() {
      const room = options.maxHeld - held.size;
      if (room <= 0) wasFull = true;
      return Math.max(0, room);
    },
    accepting(name) {
      const connector = registry.get(name);
      if (connector === undefined) return false;
      const lane = laneFor(name);
      reenableIfChanged(lane, connector);
      return lane.accepting(connector, clock.now());
    },
    status() {
      const now = clock.now();
      const result: Record<string, LaneStatus> = {};
      for (const connector of registry.all()) {
        const lane = laneFor(connector.name);
        reenableIfChanged(lane, connector);
        const waiting = lane.ready.length + lane.ordering.size + batcher.count((groupKey) => groupKey.startsWith(`${connector.name}\0`));
        result[connector.name] = lane.status(connector, now, waiting);
      }
      return result;
    },
    async close(timeoutMs) {
      closing = true;
      batcher.close();
      for (const lane of lanes.values()) {
        if (lane.wake !== undefined) timers.clearTimeout(lane.wake);
        if (lane.holdWake !== undefined) timers.clearTimeout(lane.holdWake);
      }
      if (activeTotal === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}

function groupKeyOf(job: DispatchJob): string {
  return `${job.connector}\0${job.route}`;
}
