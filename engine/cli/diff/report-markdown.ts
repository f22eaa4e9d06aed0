/**
 * The Markdown pieces of the `diff` report: code spans and fences that hold any text, a request's
 * unified diff, and the size-bounded list of lines the report is written into.
 */
import { DIFF_CONTEXT_LINES, unifiedDiff } from '../line-diff.js';
import type { RequestChange } from './diff-compare.js';
import type { EventSource } from './diff-events.js';

/** GitHub refuses comments over 65,536 characters; past this, further requests are only counted. */
export const MAX_REPORT_CHARS = 60_000;
/** A changed request of at most this many lines is diffed whole; a longer one with DIFF_CONTEXT_LINES. */
export const WHOLE_REQUEST_MAX_LINES = 40;

/** A Markdown code span that holds any text: backticks inside get a longer delimiter. */
export function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A fenced block, fenced longer than any backtick run inside it. */
export function fenced(language: string, content: readonly string[]): string[] {
  const longest = Math.max(2, ...content.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${language}`, ...content, fence];
}

/** How the report names an event: by test, sample file or engine id. */
export function eventLabel(source: EventSource): string {
  if (source.kind === 'test') return `test ${code(source.name)} of ${code(source.connector)}`;
  if (source.kind === 'engine') return `event ${code(source.label)}`;
  return `sample ${code(source.index === undefined ? source.file : `${source.file}[${source.index}]`)}`;
}

/** A request under its `heading` line: a unified diff when changed, else every line as added or removed. */
export function requestBlock(heading: string, request: RequestChange): string[] {
  let lines: string[];
  if (request.change === 'changed') {
    const before = request.before ?? [];
    const after = request.after ?? [];
    // A request short enough is shown whole: its method and URL frame any change to its body.
    const whole = Math.max(before.length, after.length) <= WHOLE_REQUEST_MAX_LINES;
    lines = unifiedDiff(before, after, whole ? before.length + after.length : DIFF_CONTEXT_LINES);
  } else {
    lines = (request.after ?? request.before ?? []).map((line) => `${request.change === 'added' ? '+' : '-'}${line}`);
  }
  return [heading, '', ...fenced('diff', lines), ''];
}

/**
 * Lines of the report. Once a request's lines would take it past MAX_REPORT_CHARS, that request
 * and every later one are only counted (`omitted`), so the closing note still fits.
 */
export class Output {
  private readonly lines: string[] = [];
  private size = 0;
  omitted = 0;

  push(...lines: string[]): void {
    for (const line of lines) {
      this.lines.push(line);
      this.size += line.length + 1;
    }
  }

  pushOrOmit(lines: readonly string[]): void {
    const size = lines.reduce((sum, line) => sum + line.length + 1, 0);
    if (this.omitted > 0 || this.size + size > MAX_REPORT_CHARS) this.omitted++;
    else this.push(...lines);
  }

  text(): string {
    return `${this.lines.join('\n').replace(/\n+$/, '')}\n`;
  }
}
