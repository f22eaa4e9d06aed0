/**
 * CompiledConnector objects built in code, for dispatch tests that need fields (auth, tls,
 * signing, route headers, query, format) without going through YAML. Route strings are compiled
 * with the engine's own JSONata compiler and path template splitter.
 */
import type { CompiledConnector, CompiledRoute, PathPart } from '../../engine/config/compiled.js';
import type { ConnectorFile } from '../../engine/config/schema/connector-file.generated.js';
import { compileExpression } from '../../engine/config/expression/expression.js';
import { splitPathTemplate } from '../../engine/config/expression/path-template.js';

export interface RouteSpec {
  readonly method?: CompiledRoute['method'];
  readonly path?: string;
  readonly map?: string;
  readonly format?: CompiledRoute['format'];
  readonly contentType?: string;
  readonly query?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type ConnectorSpec = Partial<Omit<CompiledConnector, 'routes' | 'target'>> & {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly route?: RouteSpec;
};

export function compiledConnector(spec: ConnectorSpec): CompiledConnector {
  const { url, headers = {}, timeoutMs = 5_000, route = {}, ...rest } = spec;
  const name = rest.name ?? 'test';
  return {
    name,
    file: `${name}.yaml`,
    revision: 'r1',
    target: { url, headers, timeoutMs },
    routes: [compiledRoute(route)],
    retry: { scheduleMs: [1_000], maxRetryAfterMs: 3_600_000 },
    concurrency: 16,
    paused: false,
    secrets: [],
    source: { name, target: { url }, routes: [{ on: 'thing' }] } as ConnectorFile,
    ...rest,
  };
}

function compiledRoute(spec: RouteSpec): CompiledRoute {
  return {
    key: '0',
    index: 0,
    on: ['thing'],
    matchesType: (type) => type === 'thing',
    method: spec.method ?? 'POST',
    path: template(spec.path ?? '', 'routes[0].path'),
    ...(spec.map !== undefined && { map: compileExpression(spec.map, 'routes[0].map') }),
    format: spec.format ?? 'json',
    ...(spec.contentType !== undefined && { contentType: spec.contentType }),
    ...(spec.query !== undefined && { query: compileExpression(spec.query, 'routes[0].query') }),
    headers: Object.entries(spec.headers ?? {}).map(([name, value]) => ({ name, value: template(value, `routes[0].headers.${name}`) })),
  };
}

function template(text: string, where: string): PathPart[] {
  const split = splitPathTemplate(text);
  if (!split.ok) throw new Error(`${where}: ${split.message}`);
  return split.segments.map((segment) =>
    segment.kind === 'literal' ? { literal: segment.text } : { expression: compileExpression(segment.source, where) },
  );
}
