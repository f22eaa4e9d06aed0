/**
 * The last step for one file: a schema-valid ConnectorFile plus its compiled expressions and TLS
 * material become a frozen CompiledConnector, after the checks the schema cannot express (URL
 * shape, duration ranges, unique route names, body formats, credentials' form).
 */
import { MAX_TIMER_DELAY_MS } from '../../clock.js';
import type { CompiledConnector, CompiledRoute, CompiledTls } from '../compiled.js';
import { compileAuth } from './compile-auth.js';
import type { CompiledExpressions } from './compile-expressions.js';
import { compileSigning } from './compile-signing.js';
import type { ConnectorFile } from '../schema/connector-file.generated.js';
import { buildRoute } from './build-route.js';
import { at, formatDataPath } from '../problems/data-path.js';
import { deepFreeze } from './deep-freeze.js';
import { DEFAULT_CONCURRENCY, DEFAULT_PAUSED, DEFAULT_RETRY_MAX_RETRY_AFTER_MS, DEFAULT_RETRY_SCHEDULE_MS, DEFAULT_TARGET_TIMEOUT_MS } from '../schema/defaults.generated.js';
import { MIN_SECRET_LENGTH } from '../interpolate/interpolate.js';
import { NEVER, parseDuration } from '../values/duration.js';
import type { LocatedProblem } from '../problems/located-problem.js';
import { parseRateLimit } from '../values/rate-limit.js';
import { compileRetryOn, namesSuccess } from '../values/retry-on.js';
import type { DataPath, YamlLocator } from '../problems/yaml-locator.js';

export interface BuildInput {
  readonly file: string;
  readonly revision: string;
  readonly value: ConnectorFile;
  readonly expressions: Pick<CompiledExpressions, 'routes' | 'orderingKey'>;
  /** Values interpolated from the environment or files; credentials and header values are added. */
  readonly interpolatedSecrets: readonly string[];
  readonly locator: YamlLocator;
  /**
   * Formatted paths (`target.url`) of values still holding `${env:...}` / `${file:...}` text
   * (env-optional loads): their form is not checked, and such a URL is used as written.
   */
  readonly unresolvedEnv?: ReadonlySet<string>;
  /** The PEM text read for `tls` (see read-tls.ts); absent when the file has no `tls`. */
  readonly tls?: CompiledTls;
}

export type BuildResult =
  | { readonly connector: CompiledConnector; readonly problems: readonly [] }
  | { readonly connector?: undefined; readonly problems: readonly LocatedProblem[] };

export function buildConnector(input: BuildInput): BuildResult {
  const { value, locator } = input;
  const problems: LocatedProblem[] = [];
  const unresolved = (path: DataPath): boolean => input.unresolvedEnv?.has(formatDataPath(path)) === true;
  const problem = (path: DataPath, message: string, code: LocatedProblem['code'] = 'CONFIG_SCHEMA', key = false): void => {
    if (unresolved(path)) return;
    problems.push({ path, position: key ? locator.key(path) : locator.value(path), code, message: at(path, message) });
  };
  const duration = (path: DataPath, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    try {
      return parseDuration(text);
    } catch (error) {
      problem(path, (error as Error).message);
      return fallback;
    }
  };

  const shownUrl = input.interpolatedSecrets.some((secret) => value.target.url.includes(secret)) ? 'the URL (from the environment, not shown)' : `"${value.target.url}"`;
  const url = unresolved(['target', 'url'])
    ? value.target.url.replace(/\/+$/, '')
    : checkUrl(value.target.url, shownUrl, (message) => problem(['target', 'url'], message));
  const timeoutMs = duration(['target', 'timeout'], value.target.timeout, DEFAULT_TARGET_TIMEOUT_MS);
  if (timeoutMs < 1 || timeoutMs > MAX_TIMER_DELAY_MS) {
    problem(['target', 'timeout'], `must be between 1ms and ${MAX_TIMER_DELAY_MS}ms (about 24 days)`);
  }

  const keys = new Map<string, number>();
  const routes: CompiledRoute[] = value.routes.map((route, index) => {
    const key = route.name ?? String(index);
    const taken = keys.get(key);
    if (taken === undefined) keys.set(key, index);
    else {
      const message = `route name "${key}" is already used by routes[${taken}]; route names must be unique within a connector`;
      problem(['routes', index, 'name'], message, 'CONFIG_DUPLICATE_NAME');
    }
    return buildRoute(route, index, key, input.expressions.routes[index] ?? {}, { problem: (path, message, key) => problem(path, message, 'CONFIG_SCHEMA', key), duration });
  });

  const retry = value.retry ?? {};
  const scheduleMs = retry.schedule === undefined ? DEFAULT_RETRY_SCHEDULE_MS : retry.schedule.map((text, i) => duration(['retry', 'schedule', i], text, 0));
  retry.on?.forEach((item, i) => {
    if (namesSuccess(item)) problem(['retry', 'on', i], `${String(item)} is a success: 2xx answers are delivered, never retried; remove it`);
  });
  const maxRetryAfterMs = duration(['retry', 'maxRetryAfter'], retry.maxRetryAfter, DEFAULT_RETRY_MAX_RETRY_AFTER_MS);

  const auth = value.auth === undefined ? undefined : compileAuth(value.auth, (path, message) => problem(path, message));
  const signingSecrets = value.signing === undefined ? undefined : compileSigning(value.signing.secrets, (path, message) => problem(path, message));
  if (value.tls !== undefined && /^http:/i.test(value.target.url) && !unresolved(['target', 'url'])) {
    problem(['tls'], 'mutual TLS needs an https target, and target.url uses http; change it to https:// or remove tls', 'CONFIG_SCHEMA', true);
  }
  let rateLimit: CompiledConnector['rateLimit'];
  if (value.rateLimit !== undefined) {
    try {
      rateLimit = parseRateLimit(value.rateLimit);
    } catch (error) {
      problem(['rateLimit'], (error as Error).message);
    }
  }
  let breaker: CompiledConnector['breaker'];
  if (value.breaker !== undefined) {
    const cooldownMs = duration(['breaker', 'cooldown'], value.breaker.cooldown, 0);
    if (cooldownMs < 1 || cooldownMs > MAX_TIMER_DELAY_MS) problem(['breaker', 'cooldown'], `must be between 1ms and ${MAX_TIMER_DELAY_MS}ms (about 24 days)`);
    breaker = { failures: value.breaker.failures, cooldownMs };
  }

  const retention = value.retention && {
    ...(value.retention.delivered !== undefined && { deliveredMs: duration(['retention', 'delivered'], value.retention.delivered, 0) }),
    ...(value.retention.dead !== undefined && { deadMs: value.retention.dead === NEVER ? null : duration(['retention', 'dead'], value.retention.dead, 0) }),
  };

  const backfill = value.backfill && { sinceMs: duration(['backfill', 'since'], value.backfill.since, 0) };
  if (backfill !== undefined && backfill.sinceMs < 1) problem(['backfill', 'since'], 'must be at least 1ms: how far back the backfill reaches, e.g. 30d');

  if (problems.length > 0 || url === undefined) return { problems };
  const headers = { ...(value.target.headers ?? {}) };
  const literalRouteHeaders = routes.flatMap((route) => route.headers.flatMap((header) => {
    const [only, ...rest] = header.value;
    return only !== undefined && rest.length === 0 && 'literal' in only ? [only.literal] : [];
  }));
  const { orderingKey } = input.expressions;
  const connector: CompiledConnector = {
    name: value.name,
    file: input.file,
    revision: input.revision,
    ...(value.description !== undefined && { description: value.description }),
    target: { url, headers, timeoutMs },
    routes,
    retry: {
      scheduleMs: [...scheduleMs],
      ...(retry.on !== undefined && { retryOn: compileRetryOn(retry.on) }),
      maxRetryAfterMs,
    },
    concurrency: value.concurrency ?? DEFAULT_CONCURRENCY,
    ...(auth && { auth: auth.auth }),
    ...(input.tls && { tls: input.tls }),
    ...(signingSecrets && { signing: { secrets: signingSecrets } }),
    ...(rateLimit && { rateLimit }),
    ...(breaker && { breaker }),
    ...(retention && { retention }),
    ...(orderingKey && { orderingKey }),
    ...(backfill && { backfill }),
    paused: value.paused ?? DEFAULT_PAUSED,
    secrets: secretsOf(
      input.interpolatedSecrets,
      Object.values(headers),
      literalRouteHeaders,
      auth?.secrets ?? [],
      signingSecrets ?? [],
      input.tls?.key === undefined ? [] : [input.tls.key],
    ),
    source: value,
  };
  return { connector: deepFreeze(connector), problems: [] };
}

/** The base URL without trailing slashes, or undefined after reporting why it is unusable. */
/** `shown` is how messages may quote the URL: env values are secrets and stay out of Problems. */
function checkUrl(text: string, shown: string, report: (message: string) => void): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    report(`${shown} is not a valid URL; write it like http://host:port or https://host/base`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    report(`${shown} must use http or https`);
    return undefined;
  }
  if (text.includes('?') || text.includes('#')) {
    report('must not have a query string or fragment; put query parameters in each route\'s path');
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    report('must not contain credentials (URLs end up in logs); send them in target.headers, e.g. Authorization: Basic ${env:TOKEN}');
    return undefined;
  }
  return url.href.replace(/\/+$/, '');
}

/** Distinct, long enough to redact safely (see MIN_SECRET_LENGTH), longest first so a redactor replacing in order never leaves part of a longer secret. */
function secretsOf(...lists: readonly (readonly string[])[]): string[] {
  const all = new Set(lists.flat().filter((secret) => secret.length >= MIN_SECRET_LENGTH));
  return [...all].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}
