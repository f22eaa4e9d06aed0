/**
 * What one connector has in memory: its work, its connector-wide state (connector-state.ts) and
 * its two timers. A lane outlives config reloads (it is keyed by connector name) and reads the
 * connector's current settings at each decision.
 *
 * Deliveries pass, in order: the ordering gate (one per `orderingKey` at a time), the batcher
 * (batched routes only, see batch-items.ts), the ready queues, then these checks before a request
 * starts (schedule.ts, `pump`). Live work goes first: a replay's units start only when no live
 * unit is ready, so a replay never delays live traffic by more than the requests in flight.
 *   1. hold: the connector is paused (by an operator or a 429), disabled or its breaker is open.
 *      Everything the lane holds goes back to the store, due when the hold ends; no attempt is
 *      recorded. For a hold that ends by itself, the hold timer says when, so the sweep claims
 *      the work again then; the others end with a signal (`unblocked`).
 *   2. the breaker lets one probe at a time through when half-open,
 *   3. `concurrency` requests in flight at most,
 *   4. the token bucket of `rateLimit`: a wait keeps the work in memory, and the rate timer pumps
 *      the lane again when the next token is due.
 */
import type { Clock } from '../clock.js';
import { MAX_TIMER_DELAY_MS } from '../clock.js';
import { ConnectorState, type ConnectorStateStatus, type KeptState } from './connector-state.js';
import { Fifo } from './fifo.js';
import { OrderingQueue } from './ordering-queue.js';
import type { Timers } from './timers.js';

/** One request's worth of work: one delivery, or the deliveries of one batch (same route). */
export interface WorkUnit<T> {
  readonly route: string;
  readonly jobs: readonly [T, ...T[]];
  /** True for a batched route (even with one item): the body is an array or NDJSON. */
  readonly batch: boolean;
}

/** What GET /status shows for a connector's flow control. */
export interface LaneStatus extends ConnectorStateStatus {
  readonly inFlight: number;
  /** Deliveries held in memory, waiting to start (ready, behind their key, or in an open batch). */
  readonly waiting: number;
}

export class ConnectorLane<T extends { readonly orderingKey: string | null; readonly replayId: string | null }> {
  /** Requests in flight. */
  active = 0;
  private readonly live = new Fifo<WorkUnit<T>>();
  private readonly replayed = new Fifo<WorkUnit<T>>();
  readonly ordering = new OrderingQueue<T>();
  readonly state: ConnectorState;
  private rateTimer: unknown;
  private holdTimer: unknown;

  constructor(
    readonly name: string,
    private readonly timers: Timers,
    kept?: KeptState,
  ) {
    this.state = new ConnectorState(kept);
  }

  /** Units ready to start, live and replayed. */
  get ready(): number {
    return this.live.length + this.replayed.length;
  }

  /** Queues a unit ready to start: a replay's (its jobs carry a replayId) behind every live one. */
  enqueue(unit: WorkUnit<T>): void {
    (unit.jobs[0].replayId === null ? this.live : this.replayed).push(unit);
  }

  /** The next unit to start: the oldest live one, else the oldest replayed one. */
  next(): WorkUnit<T> | undefined {
    return this.live.shift() ?? this.replayed.shift();
  }

  /** Calls `pump` in `delayMs` (the next rate-limit token), unless that timer is already set. */
  wakeForToken(delayMs: number, pump: () => void): void {
    this.rateTimer ??= this.timers.setTimeout(() => {
      this.rateTimer = undefined;
      pump();
    }, delayMs);
  }

  /**
   * Calls `ended` once the clock has reached `dueAt` (a pause or an open breaker ends), unless that
   * timer is already set. Timers may fire a little early by the clock, so an early one waits out
   * the rest: a sweep run before `dueAt` would find the work not yet due, and nothing would ask again.
   */
  wakeWhenHoldEnds(dueAt: number, clock: Clock, ended: () => void): void {
    if (this.holdTimer !== undefined) return;
    this.holdTimer = this.timers.setTimeout(() => {
      this.holdTimer = undefined;
      if (clock.now() < dueAt) this.wakeWhenHoldEnds(dueAt, clock, ended);
      else ended();
    }, Math.min(Math.max(0, dueAt - clock.now()) + 1, MAX_TIMER_DELAY_MS));
  }

  /** Cancels both timers (the dispatcher is closing). */
  stopTimers(): void {
    if (this.rateTimer !== undefined) this.timers.clearTimeout(this.rateTimer);
    if (this.holdTimer !== undefined) this.timers.clearTimeout(this.holdTimer);
    this.rateTimer = undefined;
    this.holdTimer = undefined;
  }
}
