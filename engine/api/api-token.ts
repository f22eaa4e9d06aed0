/**
 * API access. When the API token (HMS_SYNC_API_TOKEN) is set, every request but the probes must
 * carry `Authorization: Bearer <token>`; a scraper may carry the metrics token
 * (HMS_SYNC_METRICS_TOKEN) instead, which opens GET /metrics and nothing else. Without an API
 * token the engine listens on loopback only and asks no one for a token. Comparisons take the
 * same time whatever the input, so a token cannot be guessed byte by byte.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HmsError } from '../errors.js';

/** Paths served without a token: probes must work before anyone has a secret. */
export const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);
/** The one path the metrics token opens. */
const METRICS_PATH = '/metrics';
/** Who makes a request when the API has no token (it then listens on loopback only). */
const ANONYMOUS_LOOPBACK = 'anonymous loopback';

export interface ApiTokens {
  /** Opens every endpoint. */
  readonly api?: string;
  /** Opens GET /metrics only. */
  readonly metrics?: string;
}

/**
 * Who may make a request to `path` with this Authorization header: the name of the token it
 * carries (`api token`, `metrics token`), or ANONYMOUS_LOOPBACK when the API has no token;
 * undefined when it may not.
 */
export function createAccessCheck(tokens: ApiTokens): (path: string, authorization: string | undefined) => string | undefined {
  if (!tokens.api) return () => ANONYMOUS_LOOPBACK;
  const api = digest(tokens.api);
  const metrics = tokens.metrics ? digest(tokens.metrics) : undefined;
  return (path, authorization) => {
    const presented = digest(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
    if (timingSafeEqual(presented, api)) return 'api token';
    if (metrics !== undefined && timingSafeEqual(presented, metrics) && path === METRICS_PATH) return 'metrics token';
    return undefined;
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Loopback addresses; anything else is reachable from other machines. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** With no token the engine listens on loopback only: an open ingest endpoint is an open door. */
export function assertSafeBinding(host: string, token: string | undefined): void {
  if (!token && !isLoopbackHost(host)) {
    throw new HmsError(
      'API_TOKEN_REQUIRED',
      `refusing to listen on ${host} without an API token: set HMS_SYNC_API_TOKEN (clients then send "Authorization: Bearer <token>"), or listen on 127.0.0.1`,
    );
  }
}
