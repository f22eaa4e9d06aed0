/**
 * How `validate` prints its findings, in three formats:
 * - text: `file:line:col message` per problem, then `N problems in M files` or
 *   `ok: N connectors in M files` (`ok: N connectors, S sources in M files` when sources were read);
 * - json: `{"problems": [{file, line, column, code, message}], "summary": {connectors, sources?, files, problems}}`;
 * - github: one `::error` workflow command per problem, then the text summary line.
 */
import type { Problem } from '../config/compiled.js';
import { formatProblem } from '../config/problems/format-problem.js';
import { githubAnnotation } from './github-annotation.js';

export const PROBLEM_FORMATS = ['text', 'json', 'github'] as const;
export type ProblemFormat = (typeof PROBLEM_FORMATS)[number];

export interface ReportCounts {
  /** Connectors that loaded without problems. */
  readonly connectors: number;
  /** Connector, test and source files read. */
  readonly files: number;
  /** Sources that loaded without problems; given when any source file was read. */
  readonly sources?: number;
}

/** The whole report, ending with a newline. */
export function problemReport(format: ProblemFormat, problems: readonly Problem[], counts: ReportCounts): string {
  if (format === 'json') {
    const summary = { connectors: counts.connectors, ...(counts.sources !== undefined && { sources: counts.sources }), files: counts.files, problems: problems.length };
    const list = problems.map(({ file, line, column, code, message }) => ({ file, line, column, code, message }));
    return `${JSON.stringify({ problems: list, summary }, null, 2)}\n`;
  }
  const lines = problems.map(format === 'github' ? githubAnnotation : formatProblem);
  lines.push(summaryLine(problems, counts));
  return `${lines.join('\n')}\n`;
}

export function summaryLine(problems: readonly Problem[], counts: ReportCounts): string {
  if (problems.length === 0) {
    const sources = counts.sources === undefined ? '' : `, ${plural(counts.sources, 'source')}`;
    return `ok: ${plural(counts.connectors, 'connector')}${sources} in ${plural(counts.files, 'file')}`;
  }
  const files = new Set(problems.map((p) => p.file)).size;
  return `${plural(problems.length, 'problem')} in ${plural(files, 'file')}`;
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
