/**
 * Compiles every JSONata expression of a connector (each route's `when`, `map` and `{...}` path
 * placeholders) exactly once. Runs on the raw data even when the schema check failed, so syntax
 * errors are reported together with schema problems; fields that are not strings are skipped
 * (the schema reports them).
 */
import type { CompiledExpression, PathPart } from './compiled.js';
import { at, formatDataPath } from './data-path.js';
import { compileExpression, ExpressionSyntaxError } from './expression.js';
import type { LocatedProblem } from './located-problem.js';
import { splitPathTemplate } from './path-template.js';
import type { DataPath, YamlLocator } from './yaml-locator.js';

export interface RouteExpressions {
  readonly when?: CompiledExpression;
  readonly map?: CompiledExpression;
  readonly path?: readonly PathPart[];
}

export interface CompiledExpressions {
  /** Index-aligned with `routes`; an entry is empty when its route has no (valid) expressions. */
  readonly routes: readonly RouteExpressions[];
  readonly problems: readonly LocatedProblem[];
}

export function compileExpressions(data: unknown, locator: YamlLocator): CompiledExpressions {
  const routes: RouteExpressions[] = [];
  const problems: LocatedProblem[] = [];
  const rawRoutes = (data as { routes?: unknown } | null)?.routes;
  if (!Array.isArray(rawRoutes)) return { routes, problems };

  const compile = (path: DataPath, source: string, offsetInValue = 0): CompiledExpression | undefined => {
    try {
      return compileExpression(source, formatDataPath(path));
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      problems.push({
        path,
        position: locator.inString(path, offsetInValue + error.offset),
        code: 'CONFIG_JSONATA_SYNTAX',
        message: at(path, `invalid JSONata: ${error.detail}`),
      });
      return undefined;
    }
  };

  rawRoutes.forEach((route: unknown, index) => {
    const fields = (typeof route === 'object' && route !== null ? route : {}) as Record<string, unknown>;
    const base: DataPath = ['routes', index];
    const when = typeof fields.when === 'string' && fields.when !== '' ? compile([...base, 'when'], fields.when) : undefined;
    const map = typeof fields.map === 'string' && fields.map !== '' ? compile([...base, 'map'], fields.map) : undefined;
    const path = typeof fields.path === 'string' ? compilePath([...base, 'path'], fields.path) : undefined;
    routes.push({ ...(when && { when }), ...(map && { map }), ...(path && { path }) });
  });

  function compilePath(path: DataPath, text: string): readonly PathPart[] | undefined {
    const split = splitPathTemplate(text);
    if (!split.ok) {
      problems.push({ path, position: locator.inString(path, split.offset), code: 'CONFIG_JSONATA_SYNTAX', message: at(path, split.message) });
      return undefined;
    }
    const parts: PathPart[] = [];
    let failed = false;
    for (const segment of split.segments) {
      if (segment.kind === 'literal') {
        parts.push({ literal: segment.text });
        continue;
      }
      const expression = compile(path, segment.source, segment.offset);
      if (expression === undefined) failed = true;
      else parts.push({ expression });
    }
    return failed ? undefined : parts;
  }

  return { routes, problems };
}
