/**
 * The headers a connector's `auth` adds, for sending and for previews. Pure. Auth headers win over
 * target and route headers (the caller merges them last, with signing).
 */
import type { CompiledAuth } from '../../config/compiled.js';
import { REDACTED } from '../redact.js';

/** What previews show for an OAuth2 connector: the token is never fetched without a delivery. */
export const PREVIEW_OAUTH2_AUTHORIZATION = 'Bearer [oauth2 token]';

export type StaticAuth = Exclude<CompiledAuth, { type: 'oauth2' }>;

/** bearer → `Authorization: Bearer <token>`, basic → `Authorization: Basic base64(user:pass)`, header → `<name>: <value>`. */
export function staticAuthHeaders(auth: StaticAuth): Record<string, string> {
  switch (auth.type) {
    case 'bearer':
      return bearerHeader(auth.token);
    case 'basic':
      return { authorization: `Basic ${basicCredentials(auth)}` };
    case 'header':
      return { [auth.name]: auth.value };
  }
}

export function bearerHeader(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/**
 * The auth headers as a preview shows them: the credential [REDACTED] when `mask` (the scheme
 * kept, so a reviewer sees which one is used), as sent otherwise; an OAuth2 token is always a
 * placeholder.
 */
export function previewAuthHeaders(auth: CompiledAuth, mask: boolean): Record<string, string> {
  if (auth.type === 'oauth2') return { authorization: PREVIEW_OAUTH2_AUTHORIZATION };
  if (!mask) return staticAuthHeaders(auth);
  switch (auth.type) {
    case 'bearer':
      return { authorization: `Bearer ${REDACTED}` };
    case 'basic':
      return { authorization: `Basic ${REDACTED}` };
    case 'header':
      return { [auth.name]: REDACTED };
  }
}

/**
 * Text derived from the credentials that is not literally among the connector's secrets (the
 * base64 of user:pass, a fetched token), to redact from what a target answers.
 */
export function derivedCredentials(auth: CompiledAuth | undefined, token?: string): string[] {
  if (auth?.type === 'basic') return [basicCredentials(auth)];
  return token === undefined ? [] : [token];
}

function basicCredentials(auth: Extract<CompiledAuth, { type: 'basic' }>): string {
  return Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
}
