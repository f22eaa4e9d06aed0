/**
 * Compiles every JSONata expression of a connector exactly once: `orderingKey`, and each route's
 * `when`, `map`, `query` and the `{...}` placeholders of its `path` and `headers` values. Runs on
 * the raw data even when the schema check failed, so syntax errors are reported together with
 * schema problems; fields that are not strings are skipped (the schema reports them).
 */
import type { CompiledExpression, CompiledHeader, PathPart } from '../compiled.js';
import { at, formatDataPath } from '../problems/data-path.js';
import { compileExpression, ExpressionSyntaxError } from '../expression/expression.js';
import type { LocatedProblem } from '../problems/located-problem.js';
import { splitPathTemplate, type PathSegment, type PathSplit } from '../expression/path-template.js';
import { splitReferences } from '../interpolate/reference-syntax.js';
import type { DataPath, YamlLocator } from '../problems/yaml-locator.js';

export interface RouteExpressions {
  readonly when?: CompiledExpression;
  readonly map?: CompiledExpression;
  readonly query?: CompiledExpression;
  readonly path?: readonly PathPart[];
  /** In the order written; a header whose name or value has a problem is left out. */
  readonly headers?: readonly CompiledHeader[];
}

export interface CompiledExpressions {
  readonly orderingKey?: CompiledExpression;
  /** Index-aligned with `routes`; an entry is empty when its route has no (valid) expressions. */
  readonly routes: readonly RouteExpressions[];
  readonly problems: readonly LocatedProblem[];
}

export interface CompileContext {
  readonly locator: YamlLocator;
  /** Interpolated secrets: a header template holding one gets no JSONata detail in its problems. */
  readonly secrets: readonly string[];
  /** Formatted paths of values still holding `${env:...}` / `${file:...}` text: that text stays literal. */
  readonly unresolved: ReadonlySet<string>;
}

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function compileExpressions(data: unknown, context: CompileContext): CompiledExpressions {
  const { locator } = context;
  const routes: RouteExpressions[] = [];
  const problems: LocatedProblem[] = [];
  const fields = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  const top = fields(data);

  const compile = (path: DataPath, source: string, offsetInValue = 0, detail = true): CompiledExpression | undefined => {
    const compiled = compileExpressionAt(path, source, locator, offsetInValue, detail);
    if ('problems' in compiled) problems.push(...compiled.problems);
    return 'expression' in compiled ? compiled.expression : undefined;
  };
  const optional = (path: DataPath, value: unknown): CompiledExpression | undefined => (typeof value === 'string' && value !== '' ? compile(path, value) : undefined);

  /** Literal text and compiled placeholders, or undefined after reporting why not. */
  const compileTemplate = (path: DataPath, text: string): PathPart[] | undefined => {
    const split = splitTemplate(text, context.unresolved.has(formatDataPath(path)));
    if (!split.ok) {
      problems.push({ path, position: locator.inString(path, split.offset), code: 'CONFIG_JSONATA_SYNTAX', message: at(path, split.message) });
      return undefined;
    }
    const detail = !context.secrets.some((secret) => text.includes(secret));
    const parts: PathPart[] = [];
    let failed = false;
    for (const segment of split.segments) {
      if (segment.kind === 'literal') {
        const last = parts[parts.length - 1];
        if (last !== undefined && 'literal' in last) parts[parts.length - 1] = { literal: last.literal + segment.text };
        else parts.push({ literal: segment.text });
        continue;
      }
      const expression = compile(path, segment.source, segment.offset, detail);
      if (expression === undefined) failed = true;
      else parts.push({ expression });
    }
    return failed ? undefined : parts;
  };

  const compileHeaders = (base: DataPath, value: unknown): CompiledHeader[] | undefined => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const headers: CompiledHeader[] = [];
    for (const [name, text] of Object.entries(value as Record<string, unknown>)) {
      const path = [...base, name];
      if (!HEADER_NAME.test(name)) {
        const message = `"${name}" is not a valid header name; use letters, digits and - (e.g. X-Request-Id), no spaces or colons`;
        problems.push({ path, position: locator.key(path), code: 'CONFIG_SCHEMA', message: at(path, message) });
        continue;
      }
      if (typeof text !== 'string') continue;
      const parts = compileTemplate(path, text);
      if (parts !== undefined) headers.push({ name, value: parts.length === 0 ? [{ literal: '' }] : parts });
    }
    return headers;
  };

  const orderingKey = optional(['orderingKey'], top.orderingKey);
  const rawRoutes = Array.isArray(top.routes) ? (top.routes as unknown[]) : [];
  rawRoutes.forEach((route, index) => {
    const raw = fields(route);
    const base: DataPath = ['routes', index];
    const when = optional([...base, 'when'], raw.when);
    const map = optional([...base, 'map'], raw.map);
    const query = optional([...base, 'query'], raw.query);
    const path = typeof raw.path === 'string' ? compileTemplate([...base, 'path'], raw.path) : undefined;
    const headers = compileHeaders([...base, 'headers'], raw.headers);
    routes.push({ ...(when && { when }), ...(map && { map }), ...(query && { query }), ...(path && { path }), ...(headers && { headers }) });
  });

  return { ...(orderingKey && { orderingKey }), routes, problems };
}

/**
 * Compiles the JSONata `source` written at `path` (starting `offsetInValue` characters into the
 * value), or says where it is invalid. `detail: false` leaves JSONata's message out, for a value
 * that holds a secret.
 */
export function compileExpressionAt(path: DataPath, source: string, locator: YamlLocator, offsetInValue = 0, detail = true): { readonly expression: CompiledExpression } | { readonly problems: readonly LocatedProblem[] } {
  try {
    return { expression: compileExpression(source, formatDataPath(path)) };
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    // Every bad function call of the expression at once (error.more), each at its own offset.
    return {
      problems: [error, ...error.more].map(({ offset, detail: what }) => {
        const message = detail ? `invalid JSONata: ${what}` : 'invalid JSONata in a {...} placeholder (details hidden: the value holds a secret)';
        return { path, position: locator.inString(path, offsetInValue + offset), code: error.code, message: at(path, message) };
      }),
    };
  }
}

/**
 * splitPathTemplate, except that in a value still holding `${env:...}` / `${file:...}` text (an
 * env-optional load) each such reference is literal text rather than a `{...}` placeholder.
 */
function splitTemplate(text: string, keepReferences: boolean): PathSplit {
  if (!keepReferences) return splitPathTemplate(text);
  const segments: PathSegment[] = [];
  let offset = 0;
  for (const part of splitReferences(text)) {
    const raw = part.kind === 'text' ? part.text : part.kind === 'malformed' ? '' : part.raw;
    if (part.kind === 'env' || part.kind === 'file') {
      segments.push({ kind: 'literal', text: raw });
    } else if (raw !== '') {
      const split = splitPathTemplate(raw);
      if (!split.ok) return { ...split, offset: offset + split.offset };
      segments.push(...split.segments.map((s) => (s.kind === 'literal' ? s : { ...s, offset: offset + s.offset })));
    }
    offset += raw.length;
  }
  return { ok: true, segments };
}
