/**
 * A request as operators may see it: what `Authenticator.send` adds to it (auth and signing
 * headers), with every secret masked. Previews show requests this way, and so do the requests
 * stored with failed attempts and re-rendered for a delivery's page: credentials are [REDACTED]
 * with their scheme kept (an OAuth2 token as a placeholder), signatures are placeholders, secret
 * values anywhere in the URL, headers or body are [REDACTED], and TLS material is left out.
 */
import type { CompiledConnector } from '../config/compiled.js';
import { previewAuthHeaders } from './auth/apply-auth.js';
import type { HttpRequest } from './http-client.js';
import { redactSecrets } from './redact.js';
import { mergeHeaders } from './render-request.js';
import { previewSignatureHeaders } from './sign-request.js';

/** The headers `Authenticator.send` would add (signing with `messageId` as its webhook-id):
 * masked when `mask`, else as sent (an OAuth2 token still a placeholder: it is never fetched here). */
export function withCredentialHeaders(connector: CompiledConnector, request: HttpRequest, messageId: string, mask: boolean): HttpRequest {
  const auth = connector.auth === undefined ? {} : previewAuthHeaders(connector.auth, mask);
  const signing = connector.signing === undefined ? {} : previewSignatureHeaders(connector.signing.secrets, messageId);
  return { ...request, headers: mergeHeaders(request.headers, auth, signing) };
}

/** Secrets in the URL, headers and body become [REDACTED]; TLS material is left out. */
export function maskRequest(request: HttpRequest, secrets: readonly string[]): HttpRequest {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, redactSecrets(value, secrets)]));
  const { tls: _tls, ...rest } = request;
  return {
    ...rest,
    url: redactSecrets(request.url, secrets),
    headers,
    ...(request.body === undefined ? {} : { body: redactSecrets(request.body, secrets) }),
  };
}
