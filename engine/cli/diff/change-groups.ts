/**
 * The requests of many events, grouped by what changed in them (route and kind of change, see
 * change-kinds.ts), with no I/O: how many events each group holds and its first examples. One
 * event may be in several groups (a field renamed is one removed and one added). Groups and
 * examples come in a fixed order (route position, kind, field; event key), never the order the
 * events arrived in.
 */
import { CHANGE_KINDS, type ChangeKind } from './change-kinds.js';
import type { RequestChange } from './diff-compare.js';
import { compareCodeUnits } from './diff-sources.js';

export interface ChangeGroup {
  readonly route: string;
  readonly kind: ChangeKind;
  /** Events whose request on this route changed this way. */
  readonly events: number;
  /** The first of them, by event key. */
  readonly examples: readonly RequestChange[];
}

export function groupChanges(requests: readonly RequestChange[], examplesPerGroup: number): ChangeGroup[] {
  const groups = new Map<string, { route: string; routeIndex: number; kind: ChangeKind; requests: RequestChange[] }>();
  for (const request of requests) {
    for (const kind of request.kinds) {
      const key = `${request.route}\0${kind.kind}\0${kind.field ?? ''}`;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { route: request.route, routeIndex: request.routeIndex, kind, requests: [] }));
      group.requests.push(request);
    }
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        a.routeIndex - b.routeIndex ||
        compareCodeUnits(a.route, b.route) ||
        CHANGE_KINDS.indexOf(a.kind.kind) - CHANGE_KINDS.indexOf(b.kind.kind) ||
        compareCodeUnits(a.kind.field ?? '', b.kind.field ?? ''),
    )
    .map(({ route, kind, requests: members }) => ({
      route,
      kind,
      events: members.length,
      examples: [...members].sort((a, b) => compareCodeUnits(a.event.key, b.event.key)).slice(0, examplesPerGroup),
    }));
}

/** How many distinct events have a request among `requests` that changed. */
export function changedEvents(requests: readonly RequestChange[]): number {
  return new Set(requests.filter((request) => request.change !== 'unchanged').map((request) => request.event.key)).size;
}
