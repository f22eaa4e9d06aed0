/**
 * A test mismatch as readable lines: the field, then `- expected` / `+ actual` lines of pretty
 * JSON, aligned by a line diff so a one-field change in a large body shows as one pair of lines.
 * Secrets (header values, values from the environment) are replaced by [REDACTED] before anything
 * is printed, on both sides.
 */
import { redactSecrets } from '../dispatch/redact.js';
import { ABSENT, type Mismatch } from './compare-requests.js';
import { diffLines } from './line-diff.js';

/** Printed for a value that is not there (a header not sent, a request not made). */
export const ABSENT_TEXT = '(none)';

/** Diff lines sit under the line naming the field. */
const VALUE_INDENT = '  ';

export function formatMismatch(mismatch: Mismatch, secrets: readonly string[]): string[] {
  if (mismatch.note !== undefined) return [redactSecrets(`${mismatch.where}: ${mismatch.note}`, secrets)];
  const expected = show(mismatch.expected, secrets);
  const actual = show(mismatch.actual, secrets);
  return [`${mismatch.where}:`, ...diffLines(expected, actual).map((line) => `${VALUE_INDENT}${line.op} ${line.text}`.trimEnd())];
}

function show(value: unknown, secrets: readonly string[]): string[] {
  const text = value === ABSENT || value === undefined ? ABSENT_TEXT : JSON.stringify(value, null, 2);
  return redactSecrets(text, secrets).split('\n');
}
