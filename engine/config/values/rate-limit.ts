/** `rateLimit` as the connector format writes it: requests per second, minute or hour. */

const RATE_PATTERN = /^([1-9][0-9]*)\/(s|m|h)$/;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600 };

export interface RateLimit {
  /** Requests started per second on average: the token bucket's refill rate. */
  readonly perSecond: number;
  /** As written, for status and messages. */
  readonly text: string;
}

/**
 * `50/s` → 50 per second, `600/m` → 10, `3600/h` → 1, `1/h` → 1/3600. Throws a RangeError (saying
 * how to write it) for any other text; callers with user input turn that into a Problem.
 */
export function parseRateLimit(text: string): RateLimit {
  const match = RATE_PATTERN.exec(text);
  const unit = match?.[2];
  const count = Number(match?.[1]);
  if (match === null || unit === undefined || !Number.isSafeInteger(count)) {
    throw new RangeError(`"${text}" is not a rate; write a whole number of requests per s, m or h (e.g. 50/s, 600/m)`);
  }
  return { perSecond: count / (UNIT_SECONDS[unit] ?? 1), text };
}
