/**
 * A connector's circuit breaker (`breaker: { failures, cooldown }`). Time is passed in.
 *
 * States:
 *   closed     requests flow; each failed attempt adds to `consecutiveFailures`, any sign of a
 *              healthy target resets it. At `failures` in a row the breaker opens.
 *   open       nothing is sent until `openUntil` (opened at + cooldown). Deliveries wait in the
 *              store with their attempts untouched.
 *   half-open  the cooldown has passed: the next request started is the one probe, and nothing
 *              else starts while it is in flight. A successful probe closes the breaker, a failed
 *              one opens it for another cooldown; a probe that says nothing about the target's
 *              health (a 429, a mapping error) leaves it half-open for the next probe.
 *
 * What counts (see judge-attempt.ts): `failure` is a retryable failure other than 429 (connection
 * error, timeout, 5xx, a status of `retry.on`); `success` is any other answer (the target is up,
 * even if it rejected the payload); `neutral` is a 429 or an attempt that sent nothing. Results of
 * requests that started before the breaker opened are ignored while it is open or half-open.
 */

export type BreakerSignal = 'success' | 'failure' | 'neutral';
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  readonly failures: number;
  readonly cooldownMs: number;
}

export interface BreakerStatus {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** While open: when it lets a probe through. */
  readonly openUntil: number | null;
}

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openUntil: number | null = null;
  private probing = false;

  state(nowMs: number): BreakerState {
    if (this.openUntil === null) return 'closed';
    return this.probing || nowMs >= this.openUntil ? 'half-open' : 'open';
  }

  /** True when a request may start now (closed, or half-open with no probe in flight). */
  canStart(nowMs: number): boolean {
    return this.openUntil === null || (!this.probing && nowMs >= this.openUntil);
  }

  /** Call as a request starts; returns true when it is the probe. `canStart` must be true. */
  start(nowMs: number): boolean {
    if (this.openUntil === null || nowMs < this.openUntil || this.probing) return false;
    this.probing = true;
    return true;
  }

  /**
   * Feeds one finished attempt. `probe` is what `start` returned for it. Returns the transition,
   * if any: 'opened', 'closed' or undefined.
   */
  record(signal: BreakerSignal, probe: boolean, settings: BreakerSettings | undefined, nowMs: number): 'opened' | 'closed' | undefined {
    if (settings === undefined) {
      const wasOpen = this.openUntil !== null;
      this.reset();
      return wasOpen ? 'closed' : undefined;
    }
    if (this.openUntil !== null) {
      if (!probe) return undefined;
      this.probing = false;
      if (signal === 'success') {
        this.reset();
        return 'closed';
      }
      if (signal === 'failure') {
        this.openUntil = nowMs + settings.cooldownMs;
        return 'opened';
      }
      return undefined;
    }
    if (signal === 'success') this.consecutiveFailures = 0;
    if (signal !== 'failure') return undefined;
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures < settings.failures) return undefined;
    this.openUntil = nowMs + settings.cooldownMs;
    return 'opened';
  }

  /** While open (cooldown not over): when it lets a probe through. */
  blockedUntil(nowMs: number): number | undefined {
    return this.openUntil !== null && nowMs < this.openUntil ? this.openUntil : undefined;
  }

  status(nowMs: number): BreakerStatus {
    return { state: this.state(nowMs), consecutiveFailures: this.consecutiveFailures, openUntil: this.openUntil };
  }

  /** Back to closed with no failures counted (the connector no longer has a breaker). */
  reset(): void {
    this.consecutiveFailures = 0;
    this.openUntil = null;
    this.probing = false;
  }
}
