/**
 * The runtime form of a connector: frozen, fully compiled (JSONata compiled once per load, env
 * interpolated, durations in ms). The registry swaps whole objects, so work in flight keeps the
 * object it started with.
 */
import type { ConnectorFile, ConnectorRoute } from './schema/connector-file.generated.js';

export type HttpMethod = NonNullable<ConnectorRoute['method']>;

/** A compiled JSONata expression. `evaluate` runs with the engine's time and depth guardrails. */
export interface CompiledExpression {
  readonly source: string;
  /** Whether it reads its input (a field, `$`, `$$`, `*`, `**` or `%`); false for a fixed value such as `{ "precision": "ms" }`. */
  readonly readsInput: boolean;
  evaluate(input: unknown): Promise<unknown>;
}

/** A route path split into literal text and `{expression}` placeholders. */
export type PathPart = { readonly literal: string } | { readonly expression: CompiledExpression };

/** A header value of a route: literal text and `{expression}` placeholders (not URL-encoded). */
export interface CompiledHeader {
  readonly name: string;
  readonly value: readonly PathPart[];
}

export interface CompiledBatch {
  readonly maxEvents: number;
  readonly maxBytes: number;
  readonly maxWaitMs: number;
  /** format lines: the fixed first line of every body. */
  readonly header?: string;
  /** format lines: the body ends with a newline after its last item. */
  readonly trailingNewline: boolean;
}

/** How requests authenticate; every credential value is also listed in `secrets`. */
export type CompiledAuth =
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'header'; readonly name: string; readonly value: string }
  | {
      readonly type: 'oauth2';
      readonly tokenUrl: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly scope?: string;
      readonly audience?: string;
    };

/** Mutual TLS material, read from the files at load time (PEM text). The key is a secret. */
export interface CompiledTls {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
}

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
  /** Body format; `ndjson` and `lines` only with `batch`. Default json. */
  readonly format: 'json' | 'form' | 'ndjson' | 'lines';
  /** When set, a string `map` result is sent as it is with this Content-Type; with `lines`, the batch's. */
  readonly contentType?: string;
  /** Gives an object whose fields become query parameters. */
  readonly query?: CompiledExpression;
  readonly headers: readonly CompiledHeader[];
  readonly batch?: CompiledBatch;
}

export interface CompiledConnector {
  readonly name: string;
  /** Path of the file it was loaded from. */
  readonly file: string;
  /** Content hash of the file (hex) without its `tests:` (see connector-revision.ts). */
  readonly revision: string;
  readonly description?: string;
  readonly target: {
    /** Base URL with no trailing slash; route paths are appended to it. */
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly timeoutMs: number;
  };
  readonly routes: readonly CompiledRoute[];
  readonly retry: {
    readonly scheduleMs: readonly number[];
    /** Statuses that are retried (`retry.on`); undefined means the default 408, 425, 429, 5xx. */
    readonly retryOn?: (status: number) => boolean;
    /** Longest Retry-After honoured (default 1h). */
    readonly maxRetryAfterMs: number;
  };
  readonly concurrency: number;
  readonly auth?: CompiledAuth;
  readonly tls?: CompiledTls;
  /** Standard Webhooks signing secrets, as written (`whsec_` + base64, or raw text). */
  readonly signing?: { readonly secrets: readonly string[] };
  /** Requests started per second (token bucket refill rate), from `rateLimit`. */
  readonly rateLimit?: { readonly perSecond: number; readonly text: string };
  readonly breaker?: { readonly failures: number; readonly cooldownMs: number };
  /** How long its finished deliveries are kept, where it overrides the engine's settings (see
   * sweep/retention-policy.ts); `deadMs` null keeps dead ones for ever. */
  readonly retention?: { readonly deliveredMs?: number; readonly deadMs?: number | null };
  readonly orderingKey?: CompiledExpression;
  /** The file's `backfill:`: started once per connector name (sweep/replay/replays.ts). */
  readonly backfill?: { readonly sinceMs: number };
  /** The file says `paused: true`: the connector sends nothing (dispatch/connector-state.ts). */
  readonly paused: boolean;
  /**
   * Values that must never be logged, stored or shown: every header value, every value
   * interpolated from the environment or a file, auth credentials, signing secrets, the TLS key.
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
