import type { Problem } from '../compiled.js';

/**
 * `file:line:col message`, the form editors and terminals turn into links. The file is printed as
 * given (relative stays relative); a problem with the whole file (line 0) prints as `file message`.
 */
export function formatProblem(p: Problem): string {
  if (p.line <= 0) return `${p.file} ${p.message}`;
  return `${p.file}:${p.line}:${p.column > 0 ? p.column : 1} ${p.message}`;
}
