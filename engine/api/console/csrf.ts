/**
 * Cross-site request forgery: every state-changing console form carries a token in a hidden
 * `_csrf` field, and a POST is refused (403 CSRF_INVALID) unless it carries the token of its
 * session, compared in constant time. Without an API token there are no sessions: the console then
 * uses one token made at start (per process). Either way, a POST whose browser says it comes from
 * another site (`Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` that is not this
 * host) is refused too, even with a token; a client that sends neither header (curl) is judged
 * by its token alone. `Origin: null` says nothing: browsers send it for our own forms because
 * the console answers with `Referrer-Policy: no-referrer` (Chromium does), so such a post is
 * judged by Sec-Fetch-Site and its token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HmsError } from '../../errors.js';

/** The hidden form field that carries the token. */
export const CSRF_FIELD = '_csrf';
/** What Sec-Fetch-Site may say of a form our own page posted (`none`: typed or bookmarked). */
const SAME_ORIGIN_FETCH_SITES = new Set(['same-origin', 'none']);

/** Whether `presented` is `expected`, taking the same time whatever either holds. */
export function csrfTokenMatches(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

/** Why the request's own headers say it comes from another site; undefined when they do not. */
export function crossSiteReason(headers: IncomingHttpHeaders): string | undefined {
  const fetchSite = headers['sec-fetch-site'];
  if (typeof fetchSite === 'string' && !SAME_ORIGIN_FETCH_SITES.has(fetchSite)) return `Sec-Fetch-Site is ${fetchSite}`;
  const { origin, host } = headers;
  if (typeof origin === 'string' && origin !== 'null') {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || originHost !== host) return `Origin ${origin.slice(0, 100)} is not this console's`;
  }
  return undefined;
}

/** Refuses a state-changing request without the right token or from another site. */
export function checkCsrf(expected: string, presented: unknown, headers: IncomingHttpHeaders): void {
  const crossSite = crossSiteReason(headers);
  if (crossSite !== undefined) throw new HmsError('CSRF_INVALID', `the form was posted from another site (${crossSite}); use the console's own pages`);
  if (!csrfTokenMatches(expected, presented)) {
    throw new HmsError('CSRF_INVALID', 'the form carries no valid CSRF token (it is older than your login, or was not made by this console); reload the page and submit it again');
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
