/**
 * The runtime form of a connector: frozen, fully compiled (JSONata compiled once per load, env
 * interpolated, durations in ms). The registry swaps whole objects, so work in flight keeps the
 * object it started with.
 */
import type { ConnectorFile, ConnectorRoute } from './connector-file.generated.js';

export type HttpMethod = NonNullable<ConnectorRoute['method']>;

/** A compiled JSONata expression. `evaluate` runs with the engine's time and depth guardrails. */
export interface CompiledExpression {
  readonly source: string;
  evaluate(input: unknown): Promise<unknown>;
}

/** A route path split into literal text and `{expression}` placeholders. */
export type PathPart = { readonly literal: string } | { readonly expression: CompiledExpression };

export interface CompiledRoute {
  /** `name` when given, otherwise the route's index as a string ("0", "1", ...). */
  readonly key: string;
  readonly index: number;
  readonly on: readonly string[];
  /** True when `type` matches one of the `on` patterns. */
  matchesType(type: string): boolean;
  readonly when?: CompiledExpression;
  readonly method: HttpMethod;
  readonly path: readonly PathPart[];
  readonly map?: CompiledExpression;
}

export interface CompiledConnector {
  readonly name: string;
  /** Path of the file it was loaded from. */
  readonly file: string;
  /** Content hash of the file (hex), changes whenever the file does. */
  readonly revision: string;
  readonly description?: string;
  readonly target: {
    /** Base URL with no trailing slash; route paths are appended to it. */
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly timeoutMs: number;
  };
  readonly routes: readonly CompiledRoute[];
  readonly retry: { readonly scheduleMs: readonly number[] };
  readonly concurrency: number;
  /**
   * Values that must never be logged, stored or shown: every header value and every value
   * interpolated from the environment.
   */
  readonly secrets: readonly string[];
  /** The validated file as written (after interpolation); for previews and diffs. */
  readonly source: ConnectorFile;
}

/** A problem with a connector file: data, collected all at once, never thrown one at a time. */
export interface Problem {
  readonly file: string;
  /** 1-based; 0 when the problem concerns the file as a whole. */
  readonly line: number;
  /** 1-based; 0 when unknown. */
  readonly column: number;
  readonly code: string;
  /** Says what is wrong and how to fix it. */
  readonly message: string;
}

export interface LoadResult {
  readonly connectors: readonly CompiledConnector[];
  readonly problems: readonly Problem[];
}
