/**
 * A token bucket for a connector's `rateLimit`: one token per request started, refilled at
 * `perSecond`, holding at most `burst` tokens, starting full. Time is passed in (the injected
 * clock), so it is pure apart from its own fill level.
 *
 * Burst: max(1, RATE_LIMIT_BURST_MS worth of tokens), i.e. a tenth of a second's share. A
 * bucket as deep as a whole second (burst = perSecond) would let 2 x perSecond requests start in
 * the first second after an idle spell, which is exactly what a target's "N per second" quota
 * forbids; a depth of 1 would cap fast limits at the timer resolution. With this depth, any
 * one-second window sees at most perSecond + burst starts.
 */

/** How much of a second's share the bucket may hold: the largest burst after an idle spell. */
export const RATE_LIMIT_BURST_MS = 100;

export class TokenBucket {
  readonly perSecond: number;
  readonly burst: number;
  private tokens: number;
  private updatedAt: number;

  constructor(perSecond: number, nowMs: number) {
    this.perSecond = perSecond;
    this.burst = Math.max(1, (perSecond * RATE_LIMIT_BURST_MS) / 1000);
    this.tokens = this.burst;
    this.updatedAt = nowMs;
  }

  /** Takes a token and returns 0, or returns how many ms until one is available (taking nothing). */
  take(nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond));
  }

  /** Whole tokens available now, for status. */
  available(nowMs: number): number {
    this.refill(nowMs);
    return Math.floor(this.tokens);
  }

  private refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.perSecond) / 1000);
    this.updatedAt = Math.max(this.updatedAt, nowMs);
  }
}
