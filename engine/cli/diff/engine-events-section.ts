/**
 * The part of a connector's section in the `diff` report about the events read from a running
 * engine: too many to show one by one, they are counted and grouped by the kind of change, with
 * the first EXAMPLES_PER_GROUP of each group as unified diffs.
 */
import type { ChangeKind } from './change-kinds.js';
import { changedEvents, groupChanges } from './change-groups.js';
import type { RequestChange } from './diff-compare.js';
import { code, eventLabel, plural, requestBlock, type Output } from './report-markdown.js';

/** Examples shown per group of changes. */
export const EXAMPLES_PER_GROUP = 3;
/** Groups shown per connector at most (rows, each with its examples); the rest are counted in one line. */
export const MAX_GROUP_ROWS = 40;

/**
 * `requests` are the connector's requests for the engine's events, `engineEvents` how many events
 * were read. Examples go through `out.pushOrOmit`, so a long report is cut like any other.
 */
export function engineEventsSection(out: Output, connector: string, requests: readonly RequestChange[], engineEvents: number): void {
  const changed = changedEvents(requests);
  out.push('#### Engine events', '');
  if (requests.length === 0) {
    out.push(`No engine event reaches ${code(connector)}.`, '');
    return;
  }
  if (changed === 0) {
    out.push(`None of the ${plural(engineEvents, 'engine event')} changes what ${code(connector)} is sent (${plural(requests.length, 'request')} compared).`, '');
    return;
  }
  out.push(`**${changed} of ${plural(engineEvents, 'engine event')}** change what ${code(connector)} is sent:`, '');
  const all = groupChanges(requests, EXAMPLES_PER_GROUP);
  const groups = all.slice(0, MAX_GROUP_ROWS);
  out.push('| change | route | events |', '| --- | --- | ---: |');
  for (const group of groups) out.push(`| ${kindLabel(group.kind)} | ${code(group.route)} | ${group.events} |`);
  out.push('');
  if (all.length > groups.length) out.push(`_${plural(all.length - groups.length, 'more kind')} of change not listed._`, '');
  for (const group of groups) {
    const shown = group.examples.length < group.events ? `the first ${group.examples.length} of ${group.events} events` : plural(group.events, 'event');
    const heading = [`##### ${kindLabel(group.kind)} on route ${code(group.route)} (${shown})`, ''];
    // The heading goes with the first example, so a report cut short never ends on a bare heading.
    group.examples.forEach((example, index) => out.pushOrOmit([...(index === 0 ? heading : []), ...requestBlock(`**${eventLabel(example.event.source)}**`, example)]));
  }
}

/** How the report names a kind of change. */
export function kindLabel({ kind, field }: ChangeKind): string {
  const name = field === undefined || field === '' ? undefined : code(field);
  switch (kind) {
    case 'now-fails':
      return 'mapping now fails';
    case 'now-taken':
      return 'route now taken';
    case 'no-longer-taken':
      return 'route no longer taken';
    case 'no-longer-fails':
      return 'mapping no longer fails';
    case 'fails-differently':
      return 'mapping fails differently';
    case 'method-changed':
      return 'method changed';
    case 'url-changed':
      return 'URL changed';
    case 'header-added':
      return `header ${name} added`;
    case 'header-removed':
      return `header ${name} removed`;
    case 'field-added':
      return name === undefined ? 'body added' : `field ${name} added`;
    case 'field-removed':
      return name === undefined ? 'body removed' : `field ${name} removed`;
    case 'field-changed':
      return name === undefined ? 'body changed' : `field ${name} changed`;
    case 'body-changed':
      return 'body changed';
  }
}
