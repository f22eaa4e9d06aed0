/**
 * When a failed delivery is tried again. Pure: time and randomness come in as arguments.
 */

/** Jitter applied to every scheduled delay: the delay is scaled by a factor in [1 - J, 1 + J). */
export const RETRY_JITTER_RATIO = 0.2;

/**
 * The delay before the next attempt, after `attemptsMade` attempts of the current schedule have
 * failed, or null when the schedule is exhausted and the delivery is dead. `random` returns a
 * number in [0, 1).
 *
 * `retryAfterMs` (the target's Retry-After, already bounded by `retryAfterDelayMs`) replaces the
 * schedule's delay for this attempt, without jitter: the target said when. The schedule still
 * decides when the delivery is dead, so a Retry-After never buys an attempt the schedule has not.
 */
export function nextRetryDelayMs(attemptsMade: number, scheduleMs: readonly number[], random: () => number, retryAfterMs?: number): number | null {
  const base = scheduleMs[attemptsMade - 1];
  if (base === undefined) return null;
  if (retryAfterMs !== undefined) return Math.max(0, Math.round(retryAfterMs));
  const factor = 1 - RETRY_JITTER_RATIO + 2 * RETRY_JITTER_RATIO * random();
  return Math.round(base * factor);
}

/**
 * A Retry-After header (RFC 9110 §10.2.3: delay-seconds, or an HTTP date) as a delay in ms from
 * `nowMs`, between 0 and `maxMs`; undefined when absent or unreadable (the schedule applies).
 * A date in the past means "now" (0).
 */
export function retryAfterDelayMs(header: string | undefined, nowMs: number, maxMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  let delayMs: number;
  if (/^\d+$/.test(text)) delayMs = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
    delayMs = at - nowMs;
  }
  return Math.min(Math.max(0, delayMs), Math.max(0, maxMs));
}
