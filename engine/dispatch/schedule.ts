/**
 * How the dispatcher moves work through a lane (connector-lane.ts): admit past the ordering gate
 * into a batch or the ready queue, pump (start what may start now, or give everything back while
 * the connector holds), start a request, and release each delivery when its attempt is recorded.
 * Work a lane cannot send goes back to the store with `requeue`, attempts untouched, and the sweep
 * does not claim it until the hold ends. Functions over one explicit context, so each step reads
 * on its own.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CompiledConnector } from '../config/compiled.js';
import type { Registry } from '../config/registry.js';
import type { Signals } from '../signals.js';
import type { Store } from '../store/store.js';
import { isBatched, type BatchItems } from './batch-items.js';
import type { ConnectorLane, WorkUnit } from './connector-lane.js';
import type { DispatchJob } from './dispatch-job.js';
import type { DispatcherSignals } from './dispatcher-signals.js';
import type { HeldDeliveries } from './held-deliveries.js';
import type { InFlight } from './in-flight.js';
import type { LeaseGuard } from './lease-guard.js';
import { NOTHING_SENT, type RecordOutcome } from './record-outcome.js';
import type { ReportConnectorChanges } from './report-connector-changes.js';
import { notSent, sendUnit, type SendDependencies } from './send-unit.js';

export type Lane = ConnectorLane<DispatchJob>;

/** What the steps share: the dispatcher's parts, built once by createDispatcher. */
export interface ScheduleContext {
  readonly store: Store;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signals: Signals<DispatcherSignals>;
  readonly send: SendDependencies;
  /** The config revision label recorded with each attempt. */
  readonly revision: () => string;
  readonly held: HeldDeliveries;
  readonly inFlight: InFlight;
  /** Whether this replica still holds a delivery's lease; checked before each request. */
  readonly leases: LeaseGuard;
  readonly batchItems: BatchItems;
  readonly recordOutcome: RecordOutcome;
  readonly reportChanges: ReportConnectorChanges;
  readonly storeFailed: (error: unknown) => void;
  /** True once the dispatcher is closing: nothing starts any more. */
  readonly closing: () => boolean;
}

/** Past the ordering gate: into its batch (batched routes) or the ready queue. */
export function admit(ctx: ScheduleContext, lane: Lane, job: DispatchJob): void {
  const connector = ctx.registry.get(job.connector);
  const route = connector?.routes.find((candidate) => candidate.key === job.route);
  if (connector === undefined || route === undefined || !isBatched(route)) {
    lane.enqueue({ route: job.route, jobs: [job], batch: false });
    return;
  }
  ctx.batchItems.add(job, route).catch((error: unknown) => {
    release(ctx, lane, job, ctx.recordOutcome(job, ctx.clock.now(), ctx.revision(), notSent(error, connector, 0), NOTHING_SENT));
    pump(ctx, lane);
  });
}

/** Starts what the lane may start now, or gives its work back to the store while it holds. */
export function pump(ctx: ScheduleContext, lane: Lane): void {
  if (ctx.closing()) return;
  const connector = ctx.registry.get(lane.name);
  if (connector === undefined) return park(ctx, lane);
  const now = ctx.clock.now();
  const hold = lane.state.hold(connector, now);
  if (hold !== undefined) {
    giveBack(ctx, lane, takeWaiting(ctx, lane), hold.dueAt);
    if (hold.timed) lane.wakeWhenHoldEnds(hold.dueAt, ctx.clock, () => ctx.signals.emit('unblocked'));
    return;
  }
  while (lane.ready > 0 && lane.active < connector.concurrency && lane.state.canStart(connector, now)) {
    const waitMs = lane.state.takeToken(connector, now);
    if (waitMs > 0) return lane.wakeForToken(waitMs, () => pump(ctx, lane));
    start(ctx, lane, connector, lane.next()!, lane.state.startRequest(connector, now));
  }
}

/** One request: sent, its answer applied to the connector, each delivery's attempt recorded.
 * A delivery whose lease this replica no longer holds is let go unsent (another replica may hold
 * it now); the sweep of whichever replica claims it next sends it. */
function start(ctx: ScheduleContext, lane: Lane, connector: CompiledConnector, whole: WorkUnit<DispatchJob>, probe: boolean): void {
  const now = ctx.clock.now();
  const [first, ...rest] = whole.jobs.filter((job) => ctx.leases.holds(job.deliveryId, now));
  const expired = whole.jobs.filter((job) => !ctx.leases.holds(job.deliveryId, now));
  if (expired.length > 0) {
    ctx.logger.warn({ connector: lane.name, deliveries: expired.map((job) => job.deliveryId) }, 'not sending deliveries whose lease this replica no longer holds (cut off from the store, or taken over)');
    for (const job of expired) release(ctx, lane, job, false);
  }
  if (first === undefined) return;
  const unit: WorkUnit<DispatchJob> = { ...whole, jobs: [first, ...rest] };
  lane.active += 1;
  ctx.inFlight.begin();
  const startedAt = ctx.clock.now();
  const revision = ctx.revision();
  const route = connector.routes.find((candidate) => candidate.key === unit.route);
  void sendUnit(ctx.send, connector, route, unit.route, unit.jobs, unit.batch)
    .then(({ judgement, results, traceparent, requests }) => {
      ctx.reportChanges(connector, lane.state.observe(judgement, probe, connector, ctx.clock.now()));
      unit.jobs.forEach((job, i) => release(ctx, lane, job, ctx.recordOutcome(job, startedAt, revision, results[i]!, { traceparent, request: requests?.[i] ?? null })));
    })
    .catch((error: unknown) => {
      ctx.logger.error({ err: error, connector: lane.name }, 'dispatch failed unexpectedly; the deliveries are retried after their lease expires');
      for (const job of unit.jobs) release(ctx, lane, job, false);
    })
    .finally(() => {
      lane.active -= 1;
      ctx.inFlight.end();
      pump(ctx, lane);
    });
}

/** The job leaves memory. After a final outcome the next delivery of its key goes on; otherwise
 * the ones behind it go back to the store with it. */
export function release(ctx: ScheduleContext, lane: Lane, job: DispatchJob, final: boolean): void {
  const reopened = ctx.held.release(job.deliveryId);
  const { next, giveBack: behind } = lane.ordering.finish(job, final);
  if (next !== undefined) admit(ctx, lane, next);
  if (behind.length > 0) giveBack(ctx, lane, behind, ctx.clock.now());
  if (final && job.orderingKey !== null && next === undefined) ctx.signals.emit('keyFreed', job.connector, job.orderingKey);
  if (reopened && !ctx.closing()) ctx.signals.emit('room');
}

/** Everything the lane holds that has not started: ready units, open batches, and the
 * deliveries waiting behind their key. */
function takeWaiting(ctx: ScheduleContext, lane: Lane): DispatchJob[] {
  const jobs: DispatchJob[] = [];
  for (let unit = lane.next(); unit !== undefined; unit = lane.next()) jobs.push(...unit.jobs);
  jobs.push(...ctx.batchItems.take(lane.name), ...lane.ordering.drain());
  return jobs;
}

/** Unsent work goes back to the store, due at `dueAt`, attempts untouched. */
function giveBack(ctx: ScheduleContext, lane: Lane, jobs: readonly DispatchJob[], dueAt: number): void {
  if (jobs.length === 0) return;
  void ctx.store.requeue(jobs.map((job) => job.deliveryId), dueAt).catch(ctx.storeFailed);
  for (const job of jobs) release(ctx, lane, job, false);
}

/** The connector is gone: the store parks its unfinished deliveries, these included. */
function park(ctx: ScheduleContext, lane: Lane): void {
  const jobs = takeWaiting(ctx, lane);
  if (jobs.length === 0) return;
  void ctx.store
    .reconcileConnectors(ctx.registry.names(), ctx.clock.now())
    .then(({ parked }) => {
      ctx.logger.warn({ connector: lane.name, deliveries: jobs.length }, 'parked: connector not configured');
      ctx.signals.emit('parked', parked);
    })
    .catch(ctx.storeFailed);
  for (const job of jobs) release(ctx, lane, job, false);
}
