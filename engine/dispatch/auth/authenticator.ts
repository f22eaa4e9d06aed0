/**
 * Sends one attempt of a delivery with what the connector adds to every request: its auth
 * headers, Standard Webhooks signature headers (fresh timestamp per attempt) and its TLS identity.
 * The dispatcher calls `send` instead of `http.send`; like `http.send` it never throws.
 *
 * OAuth2: one token source per connector object (a reload makes a new object, hence a new token),
 * kept in a WeakMap so dropped revisions are collected. When the target answers 401 to a token,
 * the token is dropped, a new one fetched (once, shared with concurrent requests) and the request
 * sent again once; a second 401 is returned as it is. A failed token fetch is returned as a
 * retryable error result (`OAuth2 token endpoint answered 500`).
 */
import type { Clock } from '../../clock.js';
import type { CompiledConnector } from '../../config/compiled.js';
import { MIN_SECRET_LENGTH } from '../../config/interpolate/interpolate.js';
import type { HttpClient, HttpRequest, HttpResult } from '../http-client.js';
import { redactSecrets } from '../redact.js';
import { mergeHeaders } from '../render-request.js';
import { signatureHeaders } from '../sign-request.js';
import { bearerHeader, derivedCredentials, staticAuthHeaders } from './apply-auth.js';
import { createOAuth2TokenSource, type OAuth2Auth, type TokenSource } from './oauth2-token-source.js';

export interface Authenticator {
  /**
   * Sends `request` (from renderRequest) for `connector`. `messageId` is the delivery id, sent as
   * `webhook-id` when the connector signs; it must be the same on every retry.
   */
  send(connector: CompiledConnector, request: HttpRequest, messageId: string): Promise<HttpResult>;
}

export interface AuthenticatorOptions {
  /** Carries both the requests and the OAuth2 token requests. */
  readonly http: HttpClient;
  /** Gives signature timestamps and token expiry. */
  readonly clock: Clock;
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { http, clock } = options;
  const tokenSources = new WeakMap<CompiledConnector, TokenSource>();

  function tokenSourceFor(connector: CompiledConnector, auth: OAuth2Auth): TokenSource {
    let source = tokenSources.get(connector);
    if (source === undefined) {
      source = createOAuth2TokenSource({ auth, http, clock, timeoutMs: connector.target.timeoutMs });
      tokenSources.set(connector, source);
    }
    return source;
  }

  async function sendWithToken(source: TokenSource, prepared: (auth: Record<string, string>) => HttpRequest): Promise<{ result: HttpResult; token?: string }> {
    let token: string;
    try {
      token = await source.token();
    } catch (error) {
      return { result: { kind: 'error', message: error instanceof Error ? error.message : String(error), durationMs: 0 } };
    }
    return { result: await http.send(prepared(bearerHeader(token))), token };
  }

  return {
    async send(connector, request, messageId) {
      const startedAt = clock.now();
      const signing = connector.signing === undefined ? {} : signatureHeaders(connector.signing.secrets, { messageId, nowMs: clock.now(), body: request.body });
      const prepared = (auth: Record<string, string>): HttpRequest => ({
        ...request,
        headers: mergeHeaders(request.headers, auth, signing),
        ...(connector.tls !== undefined && { tls: connector.tls }),
      });
      const { auth } = connector;
      if (auth?.type !== 'oauth2') {
        const result = await http.send(prepared(auth === undefined ? {} : staticAuthHeaders(auth)));
        return scrub(result, derivedCredentials(auth));
      }
      // Durations below include the token fetch and the resend after a 401.
      const elapsed = (result: HttpResult): HttpResult => ({ ...result, durationMs: Math.max(0, clock.now() - startedAt) });
      const source = tokenSourceFor(connector, auth);
      const first = await sendWithToken(source, prepared);
      if (first.token === undefined || first.result.kind !== 'response' || first.result.status !== 401) {
        return elapsed(scrub(first.result, derivedCredentials(auth, first.token)));
      }
      source.invalidate(first.token);
      const second = await sendWithToken(source, prepared);
      return elapsed(scrub(second.result, [first.token, ...derivedCredentials(auth, second.token)]));
    },
  };
}

/** Removes credentials a target might echo back (in an error body) before anything records them. */
function scrub(result: HttpResult, credentials: readonly string[]): HttpResult {
  const secrets = credentials.filter((credential) => credential.length >= MIN_SECRET_LENGTH);
  if (secrets.length === 0) return result;
  if (result.kind === 'error') return { ...result, message: redactSecrets(result.message, secrets) };
  return {
    ...result,
    bodySnippet: redactSecrets(result.bodySnippet, secrets),
    ...(result.errorBody !== undefined && { errorBody: redactSecrets(result.errorBody, secrets) }),
  };
}
