/**
 * The flow control of one connector: what may start now. A lane outlives config reloads (it is
 * keyed by connector name) and reads the connector's current settings at each decision.
 *
 * Deliveries pass, in order: the ordering gate (one per `orderingKey` at a time), the batcher
 * (batched routes only), the ready queue, then these checks before a request starts:
 *   1. hold: the connector is disabled (a 410, until its revision changes), paused (a 429), or
 *      its breaker is open. Everything the lane holds goes back to the store, due when the hold
 *      ends; no attempt is recorded.
 *   2. the breaker lets one probe at a time through when half-open,
 *   3. `concurrency` requests in flight at most,
 *   4. the token bucket of `rateLimit` (a wait here keeps the work in memory and sets a timer).
 */
import type { CompiledConnector } from '../config/compiled.js';
import { CircuitBreaker, type BreakerStatus } from './circuit-breaker.js';
import { Fifo } from './fifo.js';
import { OrderingQueue } from './ordering-queue.js';
import { TokenBucket } from './rate-limiter.js';

/** One request's worth of work: one delivery, or the deliveries of one batch (same route). */
export interface WorkUnit<T> {
  readonly route: string;
  readonly jobs: readonly [T, ...T[]];
  /** True for a batched route (even with one item): the body is an array or NDJSON. */
  readonly batch: boolean;
}

export type HoldReason = 'disabled' | 'paused' | 'breaker-open';

export interface Hold {
  readonly reason: HoldReason;
  /** When the held deliveries are due again in the store. */
  readonly dueAt: number;
}

export interface Disabled {
  /** The connector revision that answered 410; a different revision is enabled again. */
  readonly revision: string;
  readonly since: number;
  readonly reason: string;
}

/** What GET /status shows for a connector's flow control. */
export interface LaneStatus {
  readonly state: 'active' | HoldReason;
  readonly inFlight: number;
  /** Deliveries held in memory, waiting to start (ready, behind their key, or in an open batch). */
  readonly waiting: number;
  readonly disabled: Disabled | null;
  readonly pausedUntil: number | null;
  readonly breaker: BreakerStatus | null;
  readonly rateLimit: { readonly perSecond: number; readonly burst: number; readonly available: number } | null;
}

export class ConnectorLane<T extends { readonly orderingKey: string | null }> {
  active = 0;
  readonly ready = new Fifo<WorkUnit<T>>();
  readonly ordering = new OrderingQueue<T>();
  readonly breaker = new CircuitBreaker();
  pausedUntil = 0;
  disabled: Disabled | undefined;
  /** The pending rate-limit timer, if any. */
  wake: unknown;
  /** Timer that kicks the sweep when a pause or an open breaker ends, so held work resumes then. */
  holdWake: unknown;
  private bucket: TokenBucket | undefined;

  constructor(readonly name: string) {}

  /**
   * Clears a 410 disablement when the connector's revision changed. Returns true when it did, so
   * the caller can log that the connector sends again.
   */
  reenableIfChanged(connector: CompiledConnector): boolean {
    if (this.disabled === undefined || this.disabled.revision === connector.revision) return false;
    this.disabled = undefined;
    return true;
  }

  /** Why nothing may start now and held work must go back to the store, or undefined. */
  hold(connector: CompiledConnector, nowMs: number): Hold | undefined {
    if (this.disabled !== undefined) return { reason: 'disabled', dueAt: nowMs };
    if (nowMs < this.pausedUntil) return { reason: 'paused', dueAt: this.pausedUntil };
    if (connector.breaker === undefined) this.breaker.reset();
    const openUntil = this.breaker.blockedUntil(nowMs);
    return openUntil === undefined ? undefined : { reason: 'breaker-open', dueAt: openUntil };
  }

  /** Whether due deliveries of this connector should be claimed or handed over now. */
  accepting(connector: CompiledConnector, nowMs: number): boolean {
    return this.hold(connector, nowMs) === undefined && this.breaker.canStart(nowMs);
  }

  /** Takes a rate-limit token: 0 when a request may start, else ms until the next token. */
  takeToken(connector: CompiledConnector, nowMs: number): number {
    const perSecond = connector.rateLimit?.perSecond;
    if (perSecond === undefined) {
      this.bucket = undefined;
      return 0;
    }
    if (this.bucket?.perSecond !== perSecond) this.bucket = new TokenBucket(perSecond, nowMs);
    return this.bucket.take(nowMs);
  }

  status(connector: CompiledConnector | undefined, nowMs: number, waiting: number): LaneStatus {
    const hold = connector === undefined ? undefined : this.hold(connector, nowMs);
    const perSecond = connector?.rateLimit?.perSecond;
    // A lane that never sent has no bucket yet: show a full one.
    const bucket = perSecond === undefined ? undefined : this.bucket?.perSecond === perSecond ? this.bucket : new TokenBucket(perSecond, nowMs);
    return {
      state: hold?.reason ?? 'active',
      inFlight: this.active,
      waiting,
      disabled: this.disabled ?? null,
      pausedUntil: nowMs < this.pausedUntil ? this.pausedUntil : null,
      breaker: connector?.breaker === undefined ? null : this.breaker.status(nowMs),
      rateLimit: bucket === undefined ? null : { perSecond: bucket.perSecond, burst: bucket.burst, available: bucket.available(nowMs) },
    };
  }
}
