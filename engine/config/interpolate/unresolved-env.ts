/**
 * Env-optional loads (validate --env-optional, test, preview, diff) keep an unset `${env:NAME}` or
 * an unreadable `${file:PATH}` as its own text. Such a value cannot meet a pattern (a URL must
 * start with http), so pattern checks are waived for exactly those values; every other check
 * (type, required, unknown fields) still holds.
 */
import type { Validation } from '../schema/connector-validator.js';
import type { ConnectorFile } from '../schema/connector-file.generated.js';
import { formatDataPath, pointerToDataPath } from '../problems/data-path.js';

/** `unresolved` holds formatted data paths (`target.url`) of values with a kept reference. */
export function waiveUnresolvedPatterns(validation: Validation, data: unknown, unresolved: ReadonlySet<string>): Validation {
  if (validation.ok || unresolved.size === 0) return validation;
  const errors = validation.errors.filter(
    (error) => !(error.keyword === 'pattern' && unresolved.has(formatDataPath(pointerToDataPath(error.instancePath, data)))),
  );
  return errors.length === 0 ? { ok: true, value: data as ConnectorFile } : { ok: false, errors };
}
