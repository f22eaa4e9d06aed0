/**
 * How long a source waits before it tries again: to connect after its broker or database went
 * away, or to store a batch after the store refused it. Pure: randomness comes in as an argument.
 */

/** The first wait. */
export const BACKOFF_BASE_MS = 250;
/** The longest wait: a broker back after an outage is found within this. */
export const BACKOFF_MAX_MS = 15_000;

/**
 * Exponential from BACKOFF_BASE_MS, doubling per failed try (`failures` counts them, from 1), up to
 * BACKOFF_MAX_MS, each scaled by a random factor in [0.5, 1.5) so that engines that lost the same
 * broker do not all come back at the same instant. `random` returns a number in [0, 1).
 */
export function backoffDelayMs(failures: number, random: () => number): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** exponent);
  return Math.round(base * (0.5 + random()));
}
