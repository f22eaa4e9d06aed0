/** Durations as the connector format writes them: a whole number followed by ms, s, m, h or d. */
import { parseQuantity, type QuantityKind } from './unit-quantity.js';

const DURATION: QuantityKind = {
  pattern: /^([0-9]+)(ms|s|m|h|d)$/,
  units: { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 },
  noun: 'duration',
  howTo: 'write a whole number followed by ms, s, m, h or d (e.g. 15s)',
  tooBig: 'too long a duration',
};

/**
 * `250ms`, `5s`, `2m`, `1h`, `1d` → milliseconds. Throws a RangeError (saying how to write it) for
 * any other text or for a value past Number.MAX_SAFE_INTEGER ms; callers with user input turn
 * that into a Problem.
 */
export function parseDuration(text: string): number {
  return parseQuantity(text, DURATION);
}

/** What a retention setting (`--retain-dead`, a connector's `retention.dead`) says to keep for ever. */
export const NEVER = 'never';

/** A duration, or `never` (null): how long something is kept before it is deleted. */
export function parseDurationOrNever(text: string): number | null {
  if (text === NEVER) return null;
  try {
    return parseDuration(text);
  } catch {
    throw new RangeError(`"${text}" is neither a duration nor "${NEVER}"; ${DURATION.howTo}, or write ${NEVER}`);
  }
}

/** Milliseconds in the largest unit that writes them whole: 604800000 → `7d`, 90000 → `90s`; null → `never`. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return NEVER;
  const units: [string, number][] = Object.entries(DURATION.units).sort((a, b) => b[1] - a[1]);
  const [unit, size] = units.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
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
