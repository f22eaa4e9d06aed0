/** Jitter applied to every scheduled delay: the delay is scaled by a factor in [1 - J, 1 + J). */
export const RETRY_JITTER_RATIO = 0.2;

/**
 * The delay before the next attempt, after `attemptsMade` attempts have failed, or null when the
 * schedule is exhausted and the delivery is dead. Pure: `random` returns a number in [0, 1).
 */
export function nextRetryDelayMs(attemptsMade: number, scheduleMs: readonly number[], random: () => number): number | null {
  const base = scheduleMs[attemptsMade - 1];
  if (base === undefined) return null;
  const factor = 1 - RETRY_JITTER_RATIO + 2 * RETRY_JITTER_RATIO * random();
  return Math.round(base * factor);
}
