/** Source of wall-clock time in epoch milliseconds; tests pass their own to control time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to. */
export function manualClock(startMs = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = startMs;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
    set(ms) {
      current = ms;
    },
  };
}

/**
 * Node fires a timer at once when its delay is over 2^31-1 ms (about 24.8 days), so no duration
 * the engine waits on with a timer (a target timeout, a batch's maxWait, a breaker's cooldown, a
 * hold) may be longer.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;
