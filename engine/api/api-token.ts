/**
 * API access: when a token is configured, every request but GET /healthz must carry
 * `Authorization: Bearer <token>`. The comparison takes the same time whatever the input, so the
 * token cannot be guessed byte by byte.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HmsError } from '../errors.js';

/** Paths served without a token: probes must work before anyone has a secret. */
export const PUBLIC_PATHS = new Set(['/healthz']);

export function createTokenCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    return timingSafeEqual(digest(presented), expected);
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
