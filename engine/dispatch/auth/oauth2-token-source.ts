/**
 * OAuth2 client credentials tokens for one connector revision.
 *
 * States: empty → fetching → cached (until `refreshAt`) → fetching again. One fetch at a time:
 * every caller that asks while a fetch is in flight shares it (single flight), and a failed
 * fetch leaves the source empty so the next caller tries again. A token is used until
 * `expires_in` minus a margin (TOKEN_REFRESH_MARGIN_MS, or TOKEN_REFRESH_MARGIN_RATIO of the
 * lifetime when that is smaller), measured from when the fetch started; `invalidate` drops it
 * early after the API answered 401 to it.
 *
 * The token request is a POST of application/x-www-form-urlencoded `grant_type=
 * client_credentials`, `client_id`, `client_secret` (credentials in the body, RFC 6749 §2.3.1
 * client_secret_post), `scope` and `audience` when configured. It goes to `tokenUrl` with the
 * system CAs and no client certificate (the connector's `tls` is for its target). Failures are
 * HmsError TARGET_UNAVAILABLE (retryable) whose message never holds the secret or a token.
 */
import type { Clock } from '../../clock.js';
import type { CompiledAuth } from '../../config/compiled.js';
import { HmsError } from '../../errors.js';
import { FORM_CONTENT_TYPE } from '../encode-body.js';
import type { HttpClient } from '../http-client.js';

export type OAuth2Auth = Extract<CompiledAuth, { type: 'oauth2' }>;

/** Refresh this long before the token expires... */
export const TOKEN_REFRESH_MARGIN_MS = 30_000;
/** ...or this share of its lifetime before, when that is shorter (short-lived tokens). */
export const TOKEN_REFRESH_MARGIN_RATIO = 0.1;
/** How long a token is used when the endpoint gives no `expires_in`. */
export const DEFAULT_TOKEN_LIFETIME_MS = 300_000;

export interface TokenSource {
  /** The cached token, or a fresh one. Rejects with HmsError TARGET_UNAVAILABLE. */
  token(): Promise<string>;
  /** Drops `token` if it is still the cached one, so the next `token()` fetches a new one. */
  invalidate(token: string): void;
}

export interface TokenSourceOptions {
  readonly auth: OAuth2Auth;
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly timeoutMs: number;
}

interface CachedToken {
  readonly token: string;
  readonly refreshAt: number;
}

export function createOAuth2TokenSource(options: TokenSourceOptions): TokenSource {
  const { clock } = options;
  let cached: CachedToken | undefined;
  let fetching: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const fresh = await requestToken(options);
    cached = fresh;
    return fresh.token;
  }

  return {
    token() {
      if (cached !== undefined && clock.now() < cached.refreshAt) return Promise.resolve(cached.token);
      fetching ??= fetchToken().finally(() => {
        fetching = undefined;
      });
      return fetching;
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}

async function requestToken(options: TokenSourceOptions): Promise<CachedToken> {
  const { auth, http, clock } = options;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret });
  if (auth.scope !== undefined) form.set('scope', auth.scope);
  if (auth.audience !== undefined) form.set('audience', auth.audience);
  const startedAt = clock.now();
  const result = await http.send({
    method: 'POST',
    url: auth.tokenUrl,
    headers: { 'content-type': FORM_CONTENT_TYPE, accept: 'application/json' },
    body: form.toString(),
    timeoutMs: options.timeoutMs,
    readBody: true,
  });
  if (result.kind === 'error') throw unavailable(`unreachable: ${result.message}`);
  if (result.status < 200 || result.status >= 300) throw unavailable(`answered ${result.status}${oauthErrorCode(result.bodySnippet)}`);
  const answer = parseJson(result.body ?? '');
  const token = answer?.['access_token'];
  if (typeof token !== 'string' || token === '') throw unavailable(`answered ${result.status} without an access_token`);
  const type = answer?.['token_type'];
  if (typeof type === 'string' && type.toLowerCase() !== 'bearer') {
    throw unavailable(`gave a token of type "${type.slice(0, 32)}"; only Bearer tokens are supported`);
  }
  const lifetimeMs = expiresInMs(answer?.['expires_in']);
  const marginMs = Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs * TOKEN_REFRESH_MARGIN_RATIO);
  return { token, refreshAt: startedAt + lifetimeMs - marginMs };
}

function unavailable(detail: string): HmsError {
  return new HmsError('TARGET_UNAVAILABLE', `OAuth2 token endpoint ${detail}`, { retryable: true });
}

function expiresInMs(value: unknown): number {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_TOKEN_LIFETIME_MS;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** ` (invalid_client)` from an RFC 6749 error answer; only the code, whose form is safe to show. */
function oauthErrorCode(snippet: string): string {
  const code = parseJson(snippet)?.['error'];
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? ` (${code})` : '';
}
