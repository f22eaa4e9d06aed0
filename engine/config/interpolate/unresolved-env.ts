/**
 * Env-optional loads (validate --env-optional, test, preview, diff) keep an unset `${env:NAME}` or
 * an unreadable `${file:PATH}` as its own text. Such a value cannot meet a pattern (a URL must
 * start with http), so pattern checks are waived for exactly those values; every other check
 * (type, required, unknown fields) still holds.
 */
import type { Validation } from '../schema/schema-validator.js';
import { formatDataPath, pointerToDataPath } from '../problems/data-path.js';

/** `unresolved` holds formatted data paths (`target.url`) of values with a kept reference. */
export function waiveUnresolvedPatterns<T>(validation: Validation<T>, data: unknown, unresolved: ReadonlySet<string>): Validation<T> {
  if (validation.ok || unresolved.size === 0) return validation;
  const errors = validation.errors.filter(
    (error) => !(error.keyword === 'pattern' && unresolved.has(formatDataPath(pointerToDataPath(error.instancePath, data)))),
  );
  return errors.length === 0 ? { ok: true, value: data as T } : { ok: false, errors };
}
