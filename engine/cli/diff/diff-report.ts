/**
 * The Markdown report of `hms-sync diff`, meant to be posted as a pull request comment as it is.
 * Pure and deterministic: the same two configurations give the same text, byte for byte, so a
 * bot can update its comment only when the report changes. Request lines arrive masked; header
 * values never reach this module.
 */
import { formatDuration } from '../../config/values/duration.js';
import { redactSecrets } from '../../dispatch/redact.js';
import type { ConnectorChange, RequestChange } from './diff-compare.js';
import type { DiffEvent, EventSource } from './diff-events.js';
import { DIFF_CONTEXT_LINES, unifiedDiff } from '../line-diff.js';

/** GitHub refuses comments over 65,536 characters; past this, further requests are only counted. */
export const MAX_REPORT_CHARS = 60_000;
/** A changed request of at most this many lines is diffed whole; a longer one with DIFF_CONTEXT_LINES. */
export const WHOLE_REQUEST_MAX_LINES = 40;
/** First line of every report, so a CI job can find and update its earlier comment. */
export const REPORT_MARKER = '<!-- hms-sync diff -->';

export interface DiffReportInput {
  readonly ref: string;
  readonly commit: string;
  /** Short content hashes of the two configurations. */
  readonly baseHash: string;
  readonly headHash: string;
  readonly events: readonly DiffEvent[];
  readonly connectors: readonly ConnectorChange[];
  /** Formatted `file:line:col message`, files relative to the work tree. */
  readonly baseProblems: readonly string[];
  readonly headProblems: readonly string[];
}

export function renderDiffReport(input: DiffReportInput): string {
  const out = new Output();
  const tests = input.events.filter((event) => event.source.kind === 'test').length;
  out.push(
    REPORT_MARKER,
    `## hms-sync diff against ${code(input.ref)}`,
    '',
    `Base ${code(input.ref)} at ${code(input.commit.slice(0, 12))} (config ${code(input.baseHash)}) → working tree (config ${code(input.headHash)}); ` +
      `${plural(input.events.length, 'event')} rendered (${tests} from tests, ${input.events.length - tests} from samples).`,
    '',
  );
  const requests = input.connectors.flatMap((connector) => connector.requests);
  if (input.connectors.every((connector) => connector.change === 'unchanged')) {
    out.push(`**No change**: every connector renders the same requests (${plural(input.connectors.length, 'connector')}, ${plural(requests.length, 'request')}).`, '');
  } else {
    out.push('| | connectors | requests |', '| --- | ---: | ---: |');
    for (const change of ['added', 'removed', 'changed', 'unchanged'] as const) {
      const connectors = input.connectors.filter((connector) => connector.change === change).length;
      out.push(`| ${change} | ${connectors} | ${requests.filter((request) => request.change === change).length} |`);
    }
    out.push('');
  }
  problemsSection(out, input);
  for (const connector of input.connectors) {
    if (connector.change === 'added') addedSection(out, connector);
    else if (connector.change === 'removed') removedSection(out, connector);
    else if (connector.change === 'changed') changedSection(out, connector);
  }
  const unchanged = input.connectors.filter((connector) => connector.change === 'unchanged');
  if (unchanged.length > 0 && unchanged.length < input.connectors.length) {
    out.push('### Unchanged', '', unchanged.map((connector) => code(connector.name)).join(', '), '');
  }
  if (out.omitted > 0) {
    const what = plural(out.omitted, 'more request');
    out.push(`_${what} left out to keep this comment under GitHub's size limit; run ${code(`hms-sync diff --base ${input.ref}`)} to see them all._`, '');
  }
  return out.text();
}

function problemsSection(out: Output, input: DiffReportInput): void {
  if (input.baseProblems.length + input.headProblems.length === 0) return;
  out.push('### Problems', '', 'Connectors in files with problems are left out, so they may show as added or removed below. `hms-sync validate` explains each one.', '');
  for (const [label, problems] of [['Working tree', input.headProblems], [`Base ${code(input.ref)}`, input.baseProblems]] as const) {
    if (problems.length === 0) continue;
    out.push(`**${label}** (${plural(problems.length, 'problem')}):`, '');
    out.push(...fenced('text', problems), '');
  }
}

function addedSection(out: Output, connector: ConnectorChange): void {
  out.push(`### Added: ${code(connector.name)}`, '');
  onMerge(out, connector);
  routeList(out, connector);
  if (connector.requests.length === 0) out.push('No test event or sample reaches it; add a test to see its requests here.', '');
  for (const request of connector.requests) requestDiff(out, request);
}

function removedSection(out: Output, connector: ConnectorChange): void {
  out.push(`### Removed: ${code(connector.name)}`, '');
  routeList(out, connector);
  if (connector.requests.length > 0) {
    out.push(`No longer sent (${connector.requests.length}):`, '');
    for (const request of connector.requests) out.pushOrOmit([`- ${requestTitle(request)}`]);
    out.push('');
  }
}

function changedSection(out: Output, connector: ConnectorChange): void {
  out.push(`### Changed: ${code(connector.name)}`, '');
  onMerge(out, connector);
  if (connector.fields.length > 0) out.push(`Configuration changed: ${connector.fields.map(code).join(', ')}.`, '');
  const count = (change: RequestChange['change']): number => connector.requests.filter((request) => request.change === change).length;
  const differing = connector.requests.filter((request) => request.change !== 'unchanged');
  out.push(
    differing.length === 0
      ? `No rendered request differs (${plural(count('unchanged'), 'request')} compared).`
      : `Requests: ${count('changed')} changed, ${count('added')} new, ${count('removed')} gone, ${count('unchanged')} unchanged.`,
    '',
  );
  for (const request of differing) requestDiff(out, request);
  if (connector.unreached.length > 0) {
    out.push(`No test event or sample reaches ${connector.unreached.map((route) => `route ${code(route)}`).join(', ')}; add a test to see its requests here.`, '');
  }
}

/** What merging starts or stops beyond requests: a declared backfill (once per connector name,
 * docs/connectors.md › Backfill), a pause by the file, or its end. */
function onMerge(out: Output, connector: ConnectorChange): void {
  const { base, head } = connector;
  if (head?.backfill !== undefined && base?.backfill === undefined) {
    const span = backfillSpan(head.backfill.sinceMs);
    const first = base === undefined ? '' : ', unless one was ever started for this name';
    out.push(`**On merge: backfill of ${span}**${first}: stored events of the last ${span} that its routes take and that have no delivery of it yet are sent once, in the background, at ${head.rateLimit === undefined ? '100/s' : code(head.rateLimit.text)}.`, '');
  }
  if (head?.paused === true && base?.paused !== true) out.push('**On merge: paused** (`paused: true`): it sends nothing; its deliveries wait until a later change removes it.', '');
  if (base?.paused === true && head?.paused === false) out.push('**On merge: resumes**: the file no longer says `paused: true` (a pause by an operator, if any, holds on).', '');
}

/** `30 days`, `1 day`, or the duration as written when it is not whole days (`12h`). */
function backfillSpan(ms: number): string {
  const DAY_MS = 86_400_000;
  return ms % DAY_MS === 0 ? plural(ms / DAY_MS, 'day') : formatDuration(ms);
}

function routeList(out: Output, connector: ConnectorChange): void {
  const compiled = connector.head ?? connector.base;
  if (compiled === undefined) return;
  out.push('Routes:', '');
  compiled.routes.forEach((route, index) => {
    const path = compiled.source.routes[index]?.path;
    const when = route.when === undefined ? '' : ` when ${code(redactSecrets(route.when.source, compiled.secrets))}`;
    const url = redactSecrets(`${compiled.target.url}${path ?? ''}`, compiled.secrets);
    out.push(`- ${code(route.key)}: ${route.method} ${code(url)} on ${route.on.map(code).join(', ')}${when}`);
  });
  out.push('');
}

function requestDiff(out: Output, request: RequestChange): void {
  const label = request.change === 'added' ? ' (new)' : request.change === 'removed' ? ' (gone)' : '';
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
  out.pushOrOmit([`**${requestTitle(request)}**${label}`, '', ...fenced('diff', lines), '']);
}

function requestTitle(request: RequestChange): string {
  return `${eventLabel(request.event.source)} → route ${code(request.route)}`;
}

function eventLabel(source: EventSource): string {
  if (source.kind === 'test') return `test ${code(source.name)} of ${code(source.connector)}`;
  return `sample ${code(source.index === undefined ? source.file : `${source.file}[${source.index}]`)}`;
}

/** A Markdown code span that holds any text: backticks inside get a longer delimiter. */
export function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A fenced block, fenced longer than any backtick run inside it. */
function fenced(language: string, content: readonly string[]): string[] {
  const longest = Math.max(2, ...content.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${language}`, ...content, fence];
}

/**
 * Lines of the report. Once a request's lines would take it past MAX_REPORT_CHARS, that request
 * and every later one are only counted (`omitted`), so the closing note still fits.
 */
class Output {
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
