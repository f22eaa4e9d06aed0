/**
 * `retry.on`: which HTTP statuses are retried, as status codes (`409`) and classes (`5xx`).
 * Connection errors and timeouts are retried whatever it says; that is the dispatcher's rule.
 */

export type RetryOnItem = number | string;

const CLASS_PATTERN = /^([1-5])xx$/;

/**
 * A predicate for the statuses the list names. Items are assumed schema-valid (integers 100-599,
 * `1xx`..`5xx`); anything else matches nothing. The predicate is frozen and holds its own copy.
 */
export function compileRetryOn(items: readonly RetryOnItem[]): (status: number) => boolean {
  const codes = new Set<number>();
  const classes = new Set<number>();
  for (const item of items) {
    if (typeof item === 'number') codes.add(item);
    else {
      const digit = CLASS_PATTERN.exec(item)?.[1];
      if (digit !== undefined) classes.add(Number(digit));
    }
  }
  return Object.freeze((status: number): boolean => codes.has(status) || (Number.isInteger(status) && classes.has(Math.floor(status / 100))));
}

/** True when the item names a 2xx status or the 2xx class, which are delivered, never retried. */
export function namesSuccess(item: RetryOnItem): boolean {
  return typeof item === 'number' ? item >= 200 && item <= 299 : item === '2xx';
}
