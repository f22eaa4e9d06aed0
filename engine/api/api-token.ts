/**
 * API access: which token may do what. When the API token (HMS_SYNC_API_TOKEN) is set, every
 * request but the probes must carry `Authorization: Bearer <token>` with one of:
 *
 *   token                     role      may
 *   HMS_SYNC_API_TOKEN        api       everything
 *   HMS_SYNC_READ_TOKEN       read      read: every GET and HEAD (status, events, deliveries, metrics)
 *   HMS_SYNC_INGEST_TOKEN     ingest    POST /events, nothing else
 *   HMS_SYNC_METRICS_TOKEN    metrics   GET /metrics, nothing else (a scraper)
 *
 * No token, or one that matches none of them, is 401 UNAUTHORIZED; a token that matches but whose
 * role may not make the request is 403 FORBIDDEN. Without an API token the engine listens on
 * loopback only and asks no one for a token (the other tokens are then not used). The rules are
 * the same for every way in (the API now, the console later): `rightNeeded` says what a request
 * needs, `createAccessCheck` who may. Comparisons take the same time whatever the input, so a
 * token cannot be guessed byte by byte.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HmsError } from '../errors.js';

/** Paths served without a token: probes must work before anyone has a secret. */
export const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);
/** The path the metrics token opens. */
const METRICS_PATH = '/metrics';
/** Who makes a request when the API has no token (it then listens on loopback only). */
const ANONYMOUS_LOOPBACK = 'anonymous loopback';

export type TokenRole = 'api' | 'read' | 'ingest' | 'metrics';
/** What a request does: `act` is every write but ingest (retry, discard, and what comes). */
export type Right = 'read' | 'metrics' | 'ingest' | 'act';

/** What each role may do. */
export const ROLE_RIGHTS: Readonly<Record<TokenRole, readonly Right[]>> = {
  api: ['read', 'metrics', 'ingest', 'act'],
  read: ['read', 'metrics'],
  ingest: ['ingest'],
  metrics: ['metrics'],
};

/** The variable each role's token is read from. */
export const TOKEN_VARIABLES: Readonly<Record<TokenRole, string>> = {
  api: 'HMS_SYNC_API_TOKEN',
  read: 'HMS_SYNC_READ_TOKEN',
  ingest: 'HMS_SYNC_INGEST_TOKEN',
  metrics: 'HMS_SYNC_METRICS_TOKEN',
};

export type ApiTokens = Partial<Record<TokenRole, string>>;

/** The tokens set in `env` (an empty variable is unset). */
export function tokensFrom(env: Readonly<Record<string, string | undefined>>): ApiTokens {
  return Object.fromEntries(Object.entries(TOKEN_VARIABLES).flatMap(([role, name]) => (env[name] ? [[role, env[name]]] : [])));
}

/** What a request needs: reads (GET, HEAD) need `read`, or only `metrics` for GET /metrics;
 * POST /events needs `ingest`; anything else `act`. */
export function rightNeeded(method: string, path: string): Right {
  if (method === 'GET' || method === 'HEAD') return path === METRICS_PATH ? 'metrics' : 'read';
  return method === 'POST' && path === '/events' ? 'ingest' : 'act';
}

/** Who made a request (the name of its token's role, e.g. `read token`), and whether they may. */
export type Access = { readonly who: string; readonly refused?: undefined } | { readonly who: string | undefined; readonly refused: 'UNAUTHORIZED' | 'FORBIDDEN' };

export function createAccessCheck(tokens: ApiTokens): (method: string, path: string, authorization: string | undefined) => Access {
  if (!tokens.api) return () => ({ who: ANONYMOUS_LOOPBACK });
  // The API token first: were another token the same text, it would still open everything.
  const known = (['api', 'read', 'ingest', 'metrics'] as const).flatMap((role) => (tokens[role] ? [{ role, digest: digest(tokens[role]) }] : []));
  return (method, path, authorization) => {
    const presented = digest(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
    // Every token is compared, so the time taken does not say which one matched.
    const matches = known.filter((token) => timingSafeEqual(presented, token.digest));
    const role = matches[0]?.role;
    if (role === undefined) return { who: undefined, refused: 'UNAUTHORIZED' };
    const who = `${role} token`;
    return ROLE_RIGHTS[role].includes(rightNeeded(method, path)) ? { who } : { who, refused: 'FORBIDDEN' };
  };
}

/** The error of a refused request, saying which token would do. */
export function refusal(access: Extract<Access, { refused: string }>, method: string, path: string): HmsError {
  const right = rightNeeded(method, path);
  const may = (Object.keys(ROLE_RIGHTS) as TokenRole[]).filter((role) => ROLE_RIGHTS[role].includes(right)).map((role) => TOKEN_VARIABLES[role]);
  if (access.refused === 'UNAUTHORIZED') {
    return new HmsError('UNAUTHORIZED', `missing or wrong token; send "Authorization: Bearer <token>" with ${may.join(' or ')}`);
  }
  return new HmsError('FORBIDDEN', `the ${access.who} may not make ${method} ${path}; it takes ${may.join(' or ')}`);
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
