/**
 * Turns ajv errors into Problems that point at the offending key or value and say how to fix it.
 * One ajv error usually becomes one problem; a `oneOf` becomes one problem per offending value
 * instead of one per failed branch (route `on`, `retry.on` items), and `auth` is checked against
 * the branch its `type` names.
 */
import type { ErrorObject } from 'ajv';
import { suggestDuration } from '../values/duration.js';
import { at, pointerToDataPath, valueAt } from './data-path.js';
import { suggest } from './suggest.js';
import type { DataPath, Position, YamlLocator } from './yaml-locator.js';

export interface SchemaProblem {
  readonly path: DataPath;
  readonly position: Position;
  readonly message: string;
}

/** How a value may be shown in a message: `hidden` for header values, credentials and anything holding a secret. */
type Show = (value: unknown, path: DataPath) => string;

export type FieldKind = 'connectorName' | 'sourceName' | 'url' | 'duration' | 'durationOrNever' | 'routeName' | 'path' | 'typePattern' | 'method' | 'header' | 'credential' | 'headerName' | 'rate' | 'size' | 'other';

/** What a value at a path of the file is, for messages and for hiding secrets. */
export type FieldKindOf = (path: DataPath) => FieldKind;

/** Fields of `auth` whose values may be shown; every other one is a credential. */
const SHOWN_AUTH_FIELDS: ReadonlySet<string> = new Set(['type', 'name', 'tokenUrl']);

export function schemaProblems(
  errors: readonly ErrorObject[],
  data: unknown,
  locator: YamlLocator,
  secrets: readonly string[],
  kindOf: FieldKindOf = connectorFieldKind,
): SchemaProblem[] {
  const show: Show = (value, path) => {
    const kind = kindOf(path);
    return describe(value, kind === 'header' || kind === 'credential' || holdsSecret(value, secrets));
  };
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath);
  const underOneOf = (pointer: string) => oneOfPaths.some((p) => pointer === p || pointer.startsWith(`${p}/`));
  const problems: SchemaProblem[] = [];
  for (const pointer of new Set(oneOfPaths)) {
    const branchErrors = errors.filter((e) => e.keyword !== 'oneOf' && underOneOf(e.instancePath) && e.instancePath.startsWith(pointer));
    const oneOf = errors.find((e) => e.keyword === 'oneOf' && e.instancePath === pointer);
    if (pointer === '/auth') problems.push(...authProblems(oneOf, branchErrors, data, locator, show));
    else if (/^\/retry\/on\/\d+$/.test(pointer)) problems.push(retryOnProblem(pointer, data, locator, show));
    else problems.push(...oneOfProblems(pointer, branchErrors, data, locator, show));
  }
  for (const error of errors) {
    // An `if` that held and its `then` that failed: the `then` error says what is wrong.
    if (underOneOf(error.instancePath) || error.keyword === 'if') continue;
    problems.push(errorProblem(error, data, locator, show, kindOf));
  }
  return problems;
}

function errorProblem(error: ErrorObject, data: unknown, locator: YamlLocator, show: Show, kindOf: FieldKindOf = connectorFieldKind): SchemaProblem {
  const path = pointerToDataPath(error.instancePath, data);
  const value: unknown = error.data;
  const params = error.params as Record<string, unknown>;
  const kind = kindOf(path);
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const guess = suggest(field, allowed);
      const hint = guess !== undefined ? `did you mean "${guess}"?` : `allowed fields are ${allowed.join(', ')}`;
      const fieldPath = [...path, field];
      return { path: fieldPath, position: locator.key(fieldPath), message: at(fieldPath, `unknown field "${field}"; ${hint}`) };
    }
    case 'required': {
      const field = String(params.missingProperty);
      return { path, position: locator.collection(path), message: at(path, `missing required field "${field}"`) };
    }
    case 'type':
    case 'pattern':
      if (kind === 'duration' || kind === 'durationOrNever') return valueProblem(path, locator, durationMessage(value, show(value, path), kind === 'durationOrNever'));
      if (error.keyword === 'pattern') return valueProblem(path, locator, patternMessage(kind, value, show(value, path)));
      return valueProblem(path, locator, `must be ${expected(String(params.type))}, got ${show(value, path)}`);
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = typeof value === 'string' ? suggest(value, allowed) : undefined;
      const hint = guess === undefined ? '' : `; did you mean "${guess}"?`;
      return valueProblem(path, locator, `${show(value, path)} is not allowed; use one of ${allowed.join(', ')}${hint}`);
    }
    case 'minimum':
    case 'maximum': {
      const schema = (error.parentSchema ?? {}) as { minimum?: number; maximum?: number };
      const range = schema.minimum !== undefined && schema.maximum !== undefined
        ? `from ${schema.minimum} to ${schema.maximum}`
        : `${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}`;
      return valueProblem(path, locator, `${show(value, path)} is out of range; use a whole number ${range}`);
    }
    case 'minItems':
      if (path.length === 1 && path[0] === 'routes') return valueProblem(path, locator, 'the list is empty; add at least one route');
      return valueProblem(path, locator, `needs at least ${String(params.limit)} item(s)`);
    case 'maxItems':
      return valueProblem(path, locator, `has ${Array.isArray(value) ? value.length : 'too many'} items; at most ${String(params.limit)} are allowed`);
    case 'minLength':
      return valueProblem(path, locator, 'must not be empty');
    case 'maxLength':
      return valueProblem(path, locator, `is longer than ${String(params.limit)} characters; shorten it`);
    case 'dependentRequired': {
      const present = [...path, String(params.property)];
      const message = `missing field "${String(params.missingProperty)}": ${String(params.property)} and ${String(params.missingProperty)} go together; add it, or remove ${String(params.property)}`;
      return { path: present, position: locator.key(present), message: at(path, message) };
    }
    default:
      return valueProblem(path, locator, error.message ?? `failed the schema's ${error.keyword} rule`);
  }
}

/** Route `on` accepts a pattern or a non-empty list of patterns: report each bad value once. */
function oneOfProblems(pointer: string, branchErrors: readonly ErrorObject[], data: unknown, locator: YamlLocator, show: Show): SchemaProblem[] {
  const path = pointerToDataPath(pointer, data);
  const value = valueAt(data, path);
  if (Array.isArray(value)) {
    if (value.length === 0) return [valueProblem(path, locator, 'the list is empty; give at least one event type or glob')];
    const problems: SchemaProblem[] = [];
    value.forEach((item, index) => {
      const itemPath = [...path, index];
      if (branchErrors.some((e) => e.instancePath === `${pointer}/${index}`)) {
        const shown = show(item, itemPath);
        const message = typeof item === 'string' ? patternMessage('typePattern', item, shown) : `must be an event type or glob, got ${shown}`;
        problems.push(valueProblem(itemPath, locator, message));
      }
    });
    if (problems.length > 0) return problems;
  }
  if (typeof value === 'string') return [valueProblem(path, locator, value === '' ? 'must not be empty' : patternMessage('typePattern', value, show(value, path)))];
  return [valueProblem(path, locator, `must be an event type, a glob (e.g. "permit.*") or a list of them, got ${show(value, path)}`)];
}

/**
 * `auth` is one of several shapes told apart by `type`: report a missing or unknown type alone,
 * otherwise only the errors of the branch that type names.
 */
function authProblems(oneOf: ErrorObject | undefined, branchErrors: readonly ErrorObject[], data: unknown, locator: YamlLocator, show: Show): SchemaProblem[] {
  const path: DataPath = ['auth'];
  const value = valueAt(data, path);
  const branches = (Array.isArray(oneOf?.schema) ? oneOf.schema : []) as { properties?: { type?: { const?: unknown } } & Record<string, unknown> }[];
  const types = branches.map((branch) => String(branch.properties?.type?.const));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [valueProblem(path, locator, `must be a mapping with a type (${types.join(', ')}) and its fields, got ${show(value, path)}`)];
  }
  const type = (value as { type?: unknown }).type;
  if (type === undefined) return [{ path, position: locator.collection(path), message: at(path, `missing required field "type"; use one of ${types.join(', ')}`) }];
  const index = types.indexOf(String(type));
  if (typeof type !== 'string' || index === -1) {
    const guess = typeof type === 'string' ? suggest(type, types) : undefined;
    const hint = guess === undefined ? '' : `; did you mean "${guess}"?`;
    return [valueProblem([...path, 'type'], locator, `${show(type, [...path, 'type'])} is not an auth type; use one of ${types.join(', ')}${hint}`)];
  }
  // Errors inside a $ref'd definition (SecretText) carry that definition's schemaPath, not the
  // branch's: they belong to the branch when they concern one of its fields.
  const branch = `/oneOf/${index}/`;
  const fields = Object.keys(branches[index]?.properties ?? {});
  const ours = branchErrors.filter((error) => error.schemaPath.includes(branch)
    || (!error.schemaPath.includes('/oneOf/') && fields.includes(error.instancePath.split('/')[2] ?? '')));
  if (ours.length === 0) return [valueProblem(path, locator, `does not have the form of ${type} auth (fields ${fields.join(', ')})`)];
  return ours.map((error) => errorProblem(error, data, locator, show));
}

function retryOnProblem(pointer: string, data: unknown, locator: YamlLocator, show: Show): SchemaProblem {
  const path = pointerToDataPath(pointer, data);
  const value = valueAt(data, path);
  return valueProblem(path, locator, `${show(value, path)} is not a status code or class; write a status from 100 to 599 (e.g. 409) or a class such as 5xx`);
}

function valueProblem(path: DataPath, locator: YamlLocator, message: string): SchemaProblem {
  return { path, position: locator.value(path), message: at(path, message) };
}

function durationMessage(value: unknown, shown: string, orNever = false): string {
  const example = suggestDuration(value) ?? '15s';
  const how = `write a whole number followed by ms, s, m, h or d (e.g. ${example})`;
  return orNever ? `${shown} is neither a duration nor never; ${how}, or never` : `${shown} is not a duration; ${how}`;
}

function patternMessage(kind: FieldKind, value: unknown, shown: string): string {
  switch (kind) {
    case 'connectorName':
    case 'sourceName': {
      const slug = typeof value === 'string' ? value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '') : '';
      const example = slug === '' ? '' : ` (e.g. "${slug}")`;
      const noun = kind === 'sourceName' ? 'source' : 'connector';
      return `${shown} is not a valid ${noun} name; use lowercase letters, digits and dashes, starting with a letter${example}`;
    }
    case 'routeName':
      return `${shown} is not a valid route name; start with a letter, then use letters, digits, _ or -`;
    case 'url':
      return `${shown} is not an http(s) URL; write it like http://host:port or https://host/base`;
    case 'path':
      return `${shown} must start with "/" (e.g. "/api/slots")`;
    case 'typePattern':
      return `${shown} is not an event type or glob; use letters, digits, _ . : - and * (any run of characters)`;
    case 'headerName':
      return `${shown} is not a valid header name; use letters, digits and - (e.g. X-Api-Key), no spaces or colons`;
    case 'rate':
      return `${shown} is not a rate; write a whole number of requests per s, m or h (e.g. 50/s, 600/m)`;
    case 'size':
      return `${shown} is not a size; write a whole number followed by B, KB, MB, KiB or MiB (e.g. 1MiB)`;
    default:
      return `${shown} does not have the expected form`;
  }
}

/** The kinds of a connector file's fields. */
export function connectorFieldKind(path: DataPath): FieldKind {
  const [first, second, third] = path;
  if (first === 'name' && path.length === 1) return 'connectorName';
  if (first === 'target') return second === 'url' ? 'url' : second === 'timeout' ? 'duration' : second === 'headers' && path.length === 3 ? 'header' : 'other';
  if (first === 'retry' && (second === 'schedule' && path.length === 3 || second === 'maxRetryAfter')) return 'duration';
  if (first === 'breaker' && second === 'cooldown') return 'duration';
  if (first === 'backfill' && second === 'since') return 'duration';
  if (first === 'retention' && path.length === 2) return second === 'delivered' ? 'duration' : second === 'dead' ? 'durationOrNever' : 'other';
  if (first === 'rateLimit' && path.length === 1) return 'rate';
  if (first === 'auth') {
    if (path.length !== 2 || typeof second !== 'string' || !SHOWN_AUTH_FIELDS.has(second)) return 'credential';
    return second === 'tokenUrl' ? 'url' : second === 'name' ? 'headerName' : 'other';
  }
  if (first === 'signing' && second === 'secrets') return 'credential';
  if (first === 'routes' && typeof second === 'number') {
    if (third === 'headers' && path.length === 4) return 'header';
    if (third === 'batch' && path[3] === 'maxWait') return 'duration';
    if (third === 'batch' && path[3] === 'maxBytes') return 'size';
    if (third === 'name') return 'routeName';
    if (third === 'path') return 'path';
    if (third === 'method') return 'method';
    if (third === 'on') return 'typePattern';
  }
  return 'other';
}

function expected(type: string): string {
  const names: Record<string, string> = {
    string: 'text',
    integer: 'a whole number',
    number: 'a number',
    object: 'a mapping (key: value entries)',
    array: 'a list',
    boolean: 'true or false',
  };
  return names[type] ?? type;
}

function describe(value: unknown, hidden: boolean): string {
  if (value === undefined || value === null) return 'nothing (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (hidden) return `a ${typeof value === 'string' ? 'text' : typeof value} value (hidden)`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

function holdsSecret(value: unknown, secrets: readonly string[]): boolean {
  return typeof value === 'string' && secrets.some((secret) => value.includes(secret));
}
