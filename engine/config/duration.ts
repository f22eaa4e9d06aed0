/** Durations as the connector format writes them: a whole number followed by ms, s, m, h or d. */

const DURATION_PATTERN = /^([0-9]+)(ms|s|m|h|d)$/;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `250ms`, `5s`, `2m`, `1h`, `1d` → milliseconds. Throws a RangeError (saying how to write it) for
 * any other text or for a value past Number.MAX_SAFE_INTEGER ms; callers with user input turn
 * that into a Problem.
 */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  const unit = match?.[2];
  if (match === null || unit === undefined) {
    throw new RangeError(`"${text}" is not a duration; write a whole number followed by ms, s, m, h or d (e.g. 15s)`);
  }
  const ms = Number(match[1]) * (UNIT_MS[unit] ?? 1);
  if (!Number.isSafeInteger(ms)) throw new RangeError(`"${text}" is too long a duration`);
  return ms;
}

const UNIT_WORDS: Readonly<Record<string, string>> = {
  ms: 'ms', msec: 'ms', msecs: 'ms', millis: 'ms', millisecond: 'ms', milliseconds: 'ms',
  s: 's', sec: 's', secs: 's', second: 's', seconds: 's',
  m: 'm', min: 'm', mins: 'm', minute: 'm', minutes: 'm',
  h: 'h', hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
  d: 'd', day: 'd', days: 'd',
};

/**
 * The duration the user probably meant, for "did you mean" hints: `15 sec` → `15s`, `2 Minutes`
 * → `2m`, `15` → `15s`. Undefined when there is no reasonable guess.
 */
export function suggestDuration(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return `${value}s`;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*([0-9]+)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (match === null) return undefined;
  const unit = UNIT_WORDS[(match[2] ?? '').toLowerCase() || 's'];
  return unit === undefined ? undefined : `${match[1]}${unit}`;
}
