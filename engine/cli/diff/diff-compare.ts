/**
 * Pairs the two sides of a diff, with no I/O: connectors by name, requests by (event, connector,
 * route). A connector has changed when its configuration (the file as loaded, tests aside) or any
 * of its requests has; formatting and comments alone do not count.
 */
import type { CompiledConnector } from '../../config/compiled.js';
import { changeKinds, type ChangeKind } from './change-kinds.js';
import type { DiffEvent } from './diff-events.js';
import type { RenderedRequest } from './diff-render.js';
import { compareCodeUnits } from './diff-sources.js';

export type Change = 'added' | 'removed' | 'changed' | 'unchanged';

export interface RequestChange {
  readonly change: Change;
  readonly event: DiffEvent;
  readonly route: string;
  /** The route's position in its connector (working tree, else base). */
  readonly routeIndex: number;
  /** What kind of change it is; [] when unchanged. */
  readonly kinds: readonly ChangeKind[];
  /** Base lines; absent when added. */
  readonly before?: readonly string[];
  /** Working tree lines; absent when removed. */
  readonly after?: readonly string[];
}

export interface ConnectorChange {
  readonly name: string;
  readonly change: Change;
  readonly base?: CompiledConnector;
  readonly head?: CompiledConnector;
  /** Configuration fields that differ (`target.timeout`, `routes.book-slot`), values never included. */
  readonly fields: readonly string[];
  /** Sorted by event, then route position. */
  readonly requests: readonly RequestChange[];
  /** Routes of the connector (working tree, or base when removed) that no event reached. */
  readonly unreached: readonly string[];
}

export function compareSides(
  base: { readonly connectors: ReadonlyMap<string, CompiledConnector>; readonly requests: ReadonlyMap<string, RenderedRequest> },
  head: { readonly connectors: ReadonlyMap<string, CompiledConnector>; readonly requests: ReadonlyMap<string, RenderedRequest> },
): ConnectorChange[] {
  const names = [...new Set([...base.connectors.keys(), ...head.connectors.keys()])].sort(compareCodeUnits);
  // Request keys by connector, so each connector pairs only its own (thousands, with an engine's events).
  const keysOf = new Map<string, Set<string>>();
  for (const requests of [base.requests, head.requests]) {
    for (const [key, request] of requests) {
      const keys = keysOf.get(request.connector) ?? new Set<string>();
      keysOf.set(request.connector, keys.add(key));
    }
  }
  return names.map((name) => {
    const before = base.connectors.get(name);
    const after = head.connectors.get(name);
    const requests = pairRequests(keysOf.get(name) ?? new Set(), base.requests, head.requests);
    const fields = before !== undefined && after !== undefined ? changedFields(before, after) : [];
    const reached = new Set(requests.map((request) => request.route));
    const unreached = (after ?? before)?.routes.map((route) => route.key).filter((key) => !reached.has(key)) ?? [];
    let change: Change;
    if (before === undefined) change = 'added';
    else if (after === undefined) change = 'removed';
    else change = fields.length > 0 || requests.some((request) => request.change !== 'unchanged') ? 'changed' : 'unchanged';
    return { name, change, ...(before && { base: before }), ...(after && { head: after }), fields, requests, unreached };
  });
}

function pairRequests(keys: ReadonlySet<string>, base: ReadonlyMap<string, RenderedRequest>, head: ReadonlyMap<string, RenderedRequest>): RequestChange[] {
  const changes = [...keys].map((key) => {
    const before = base.get(key);
    const after = head.get(key);
    const request = (after ?? before)!;
    let change: Change;
    if (before === undefined) change = 'added';
    else if (after === undefined) change = 'removed';
    else change = sameLines(before.lines, after.lines) ? 'unchanged' : 'changed';
    return {
      change,
      event: request.event,
      route: request.route,
      routeIndex: after?.routeIndex ?? before?.routeIndex ?? -1,
      kinds: change === 'unchanged' ? [] : changeKinds(before?.content, after?.content),
      ...(before && { before: before.lines }),
      ...(after && { after: after.lines }),
    };
  });
  return changes.sort((a, b) => compareCodeUnits(a.event.key, b.event.key) || a.routeIndex - b.routeIndex || compareCodeUnits(a.route, b.route));
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, index) => line === b[index]);
}

/**
 * Dotted paths of what differs between the two loaded files: top-level fields, one level into
 * `target` and `retry`, and routes by key. `tests` are left out: they change events, not requests.
 */
export function changedFields(base: CompiledConnector, head: CompiledConnector): string[] {
  const before = { ...base.source, tests: undefined } as Record<string, unknown>;
  const after = { ...head.source, tests: undefined } as Record<string, unknown>;
  const fields: string[] = [];
  for (const field of unionKeys(before, after)) {
    const a = before[field];
    const b = after[field];
    if (field === 'routes') {
      const routesA = keyedRoutes(base);
      const routesB = keyedRoutes(head);
      for (const key of unionKeys(routesA, routesB)) if (!equalJson(routesA[key], routesB[key])) fields.push(`routes.${key}`);
    } else if (field === 'target' || field === 'retry') {
      const subA = isRecord(a) ? a : {};
      const subB = isRecord(b) ? b : {};
      for (const sub of unionKeys(subA, subB)) if (!equalJson(subA[sub], subB[sub])) fields.push(`${field}.${sub}`);
    } else if (!equalJson(a, b)) {
      fields.push(field);
    }
  }
  return fields;
}

function keyedRoutes(connector: CompiledConnector): Record<string, unknown> {
  return Object.fromEntries(connector.routes.map((route, index) => [route.key, connector.source.routes[index]]));
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => a[key] !== undefined || b[key] !== undefined).sort(compareCodeUnits);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Equal as data: key order in the file does not matter. */
function equalJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.keys(value).sort(compareCodeUnits).map((key) => [key, canonical(value[key])]));
}
