/**
 * The Markdown report of `hms-sync diff`, meant to be posted as a pull request comment as it is.
 * Pure and deterministic: the same two configurations and the same events give the same text,
 * byte for byte, so a bot can update its comment only when the report changes. Request lines
 * arrive masked; header values never reach this module. The requests of test events and samples
 * are shown one by one; those of the engine's events (--events-from) are grouped by the kind of
 * change (engine-events-section.ts).
 */
import { formatDuration } from '../../config/values/duration.js';
import { redactSecrets } from '../../dispatch/redact.js';
import type { ConnectorChange, RequestChange } from './diff-compare.js';
import type { DiffEvent } from './diff-events.js';
import { changedEvents } from './change-groups.js';
import { engineEventsSection } from './engine-events-section.js';
import { code, eventLabel, fenced, Output, plural, requestBlock } from './report-markdown.js';

/** First line of every report, so a CI job can find and update its earlier comment. */
export const REPORT_MARKER = '<!-- hms-sync diff -->';

/** How the engine's events were chosen and changed before rendering, as the report states it. */
export interface EngineEventsNote {
  /** The --since duration as given, e.g. `24h`. */
  readonly since: string;
  readonly limit: number;
  /** The --types glob, when given. */
  readonly types?: string;
  /** Events listed but deleted before their bodies were read. */
  readonly vanished: number;
  /** Each --redact path with the number of values it replaced. */
  readonly redactions: readonly { readonly path: string; readonly count: number }[];
}

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
  /** Present when events were read from an engine (--events-from). */
  readonly engine?: EngineEventsNote;
}

export function renderDiffReport(input: DiffReportInput): string {
  const out = new Output();
  out.push(
    REPORT_MARKER,
    `## hms-sync diff against ${code(input.ref)}`,
    '',
    `Base ${code(input.ref)} at ${code(input.commit.slice(0, 12))} (config ${code(input.baseHash)}) → working tree (config ${code(input.headHash)}); ${eventsRendered(input)}`,
    '',
  );
  if (input.engine !== undefined && input.engine.redactions.length > 0) {
    const counts = input.engine.redactions.map(({ path, count }) => `${code(path)} (${count === 0 ? 'no value: check the path' : plural(count, 'value')})`);
    out.push(`Replaced by \`[REDACTED]\` in the engine's events before rendering: ${counts.join(', ')}.`, '');
  }
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
    if (input.engine !== undefined) {
      const changed = changedEvents(requests.filter(fromEngine));
      out.push(`**Engine events**: ${changed} of ${engineEventCount(input)} change what at least one connector is sent.`, '');
    }
  }
  problemsSection(out, input);
  for (const connector of input.connectors) {
    if (connector.change === 'unchanged') continue;
    if (connector.change === 'added') addedSection(out, connector, input);
    else if (connector.change === 'removed') removedSection(out, connector);
    else changedSection(out, connector, input);
    if (input.engine !== undefined) engineEventsSection(out, connector.name, connector.requests.filter(fromEngine), engineEventCount(input));
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

/** `N events rendered (...)`: where they came from, and how the engine's were chosen. */
function eventsRendered(input: DiffReportInput): string {
  const tests = input.events.filter((event) => event.source.kind === 'test').length;
  const samples = input.events.filter((event) => event.source.kind === 'sample').length;
  const sources = [`${tests} from tests`, `${samples} from samples`];
  const { engine } = input;
  if (engine !== undefined) {
    const types = engine.types === undefined ? '' : ` of type ${code(engine.types)}`;
    sources.push(`${engineEventCount(input)} from the engine: the newest ${engine.limit} at most${types} accepted in the last ${engine.since}`);
  }
  const vanished = engine === undefined || engine.vanished === 0 ? '' : ` ${plural(engine.vanished, 'more event')} were deleted by the engine before they could be read.`;
  return `${plural(input.events.length, 'event')} rendered (${sources.join(', ')}).${vanished}`;
}

function engineEventCount(input: DiffReportInput): number {
  return input.events.filter((event) => event.source.kind === 'engine').length;
}

function fromEngine(request: RequestChange): boolean {
  return request.event.source.kind === 'engine';
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

function addedSection(out: Output, connector: ConnectorChange, input: DiffReportInput): void {
  out.push(`### Added: ${code(connector.name)}`, '');
  onMerge(out, connector);
  routeList(out, connector);
  const shown = connector.requests.filter((request) => !fromEngine(request));
  if (connector.requests.length === 0) out.push(`${noEventReaches(input)} it; add a test to see its requests here.`, '');
  for (const request of shown) requestDiff(out, request);
}

function removedSection(out: Output, connector: ConnectorChange): void {
  out.push(`### Removed: ${code(connector.name)}`, '');
  routeList(out, connector);
  const shown = connector.requests.filter((request) => !fromEngine(request));
  if (shown.length > 0) {
    out.push(`No longer sent (${shown.length}):`, '');
    for (const request of shown) out.pushOrOmit([`- ${requestTitle(request)}`]);
    out.push('');
  }
}

function changedSection(out: Output, connector: ConnectorChange, input: DiffReportInput): void {
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
  for (const request of differing) if (!fromEngine(request)) requestDiff(out, request);
  if (connector.unreached.length > 0) {
    out.push(`${noEventReaches(input)} ${connector.unreached.map((route) => `route ${code(route)}`).join(', ')}; add a test to see its requests here.`, '');
  }
}

function noEventReaches(input: DiffReportInput): string {
  return input.engine === undefined ? 'No test event or sample reaches' : 'No test event, sample or engine event reaches';
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
  out.pushOrOmit(requestBlock(`**${requestTitle(request)}**${label}`, request));
}

function requestTitle(request: RequestChange): string {
  return `${eventLabel(request.event.source)} → route ${code(request.route)}`;
}
