/**
 * What kind of change one request underwent between the base and the working tree, with no I/O:
 * the route is now taken or no longer taken, its mapping now fails (or no longer does, or fails
 * differently), its method, URL or headers changed, or fields of its JSON body were added,
 * removed or changed. Field paths name array items `[]`, so `items[0].price` and `items[3].price`
 * are one kind of change: `items[].price changed`.
 */
import type { RequestContent } from './diff-render.js';
import { compareCodeUnits } from './diff-sources.js';

/** In the order the report lists them: failures and routing first, then what a request holds. */
export const CHANGE_KINDS = [
  'now-fails',
  'now-taken',
  'no-longer-taken',
  'no-longer-fails',
  'fails-differently',
  'method-changed',
  'url-changed',
  'header-added',
  'header-removed',
  'field-added',
  'field-removed',
  'field-changed',
  'body-changed',
] as const;

export interface ChangeKind {
  readonly kind: (typeof CHANGE_KINDS)[number];
  /** The field path (`fee.cents`, `items[].price`; '' for the whole body) or header name; absent for the other kinds. */
  readonly field?: string;
}

/** The kinds of change from `before` to `after` (undefined: no request on that side), sorted; [] when they are the same. */
export function changeKinds(before: RequestContent | undefined, after: RequestContent | undefined): ChangeKind[] {
  const kinds: ChangeKind[] = [];
  if (after === undefined) {
    if (before !== undefined) kinds.push({ kind: 'no-longer-taken' });
  } else if ('error' in after) {
    if (before === undefined || !('error' in before)) kinds.push({ kind: 'now-fails' });
    else if (before.error !== after.error) kinds.push({ kind: 'fails-differently' });
  } else if (before === undefined) {
    kinds.push({ kind: 'now-taken' });
  } else if ('error' in before) {
    kinds.push({ kind: 'no-longer-fails' });
  } else {
    if (before.method !== after.method) kinds.push({ kind: 'method-changed' });
    if (before.url !== after.url) kinds.push({ kind: 'url-changed' });
    for (const name of after.headers) if (!before.headers.includes(name)) kinds.push({ kind: 'header-added', field: name });
    for (const name of before.headers) if (!after.headers.includes(name)) kinds.push({ kind: 'header-removed', field: name });
    kinds.push(...bodyChanges(before.body, after.body));
  }
  return sortKinds(kinds);
}

function sortKinds(kinds: readonly ChangeKind[]): ChangeKind[] {
  return [...kinds].sort((a, b) => CHANGE_KINDS.indexOf(a.kind) - CHANGE_KINDS.indexOf(b.kind) || compareCodeUnits(a.field ?? '', b.field ?? ''));
}

function bodyChanges(before: string | undefined, after: string | undefined): ChangeKind[] {
  if (before === after) return [];
  if (before === undefined) return [{ kind: 'field-added', field: '' }];
  if (after === undefined) return [{ kind: 'field-removed', field: '' }];
  const a = parseJson(before);
  const b = parseJson(after);
  if (a === NOT_JSON || b === NOT_JSON) return [{ kind: 'body-changed' }];
  const found = new Map<string, ChangeKind>();
  compareValues(a, b, '', found);
  // Equal as data, but not as text: the fields moved, or the body is written another way.
  return found.size === 0 ? [{ kind: 'body-changed' }] : [...found.values()];
}

function compareValues(a: unknown, b: unknown, path: string, found: Map<string, ChangeKind>): void {
  const note = (kind: ChangeKind['kind'], field: string): void => {
    found.set(`${kind}\0${field}`, { kind, field });
  };
  if (Array.isArray(a) && Array.isArray(b)) {
    const items = `${path}[]`;
    for (let index = 0; index < Math.max(a.length, b.length); index++) {
      if (index >= a.length) note('field-added', items);
      else if (index >= b.length) note('field-removed', items);
      else compareValues(a[index], b[index], items, found);
    }
  } else if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const field = fieldPath(path, key);
      if (!Object.hasOwn(b, key)) note('field-removed', field);
      else if (!Object.hasOwn(a, key)) note('field-added', field);
      else compareValues(a[key], b[key], field, found);
    }
  } else if (a !== b) {
    if (path === '') found.set('body', { kind: 'body-changed' });
    else note('field-changed', path);
  }
}

/** `a.b` for plain names, JSONata's backticks for any other: `` a.`first name` ``. */
function fieldPath(parent: string, key: string): string {
  const step = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `\`${key}\``;
  return parent === '' ? step : `${parent}.${step}`;
}

const NOT_JSON: unique symbol = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
