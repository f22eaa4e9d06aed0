/**
 * Who is using the console, decided for every /console request before its route runs, with the
 * API's own rules (api-token.ts): a token may open the console when it may read (`GET`), and act
 * in it when it may make a write (`POST`). When the API has a token, the console asks for one once
 * (POST /console/login) and keeps a session (session.ts) in an HttpOnly, SameSite=Strict cookie
 * scoped to /console; without a session a page redirects to the login form and a form post is
 * 401. Without an API token the console, like the API, is open to whoever reaches loopback.
 * Every form post must also pass the CSRF check (csrf.ts); a viewer who may not act gets 403
 * FORBIDDEN for any post but logout.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HmsError } from '../../errors.js';
import { createAccessCheck, type ApiTokens } from '../api-token.js';
import type { WriteLog } from '../write-log.js';
import { checkCsrf, CSRF_FIELD, crossSiteReason } from './csrf.js';
import type { Viewer } from './layout.js';
import { randomToken, SESSION_TTL_MS, type Sessions } from './session.js';

export const SESSION_COOKIE = 'hms_console';
export const LOGIN_PATH = '/console/login';
const LOGOUT_PATH = '/console/logout';
/** Paths anyone may open: the login form and the static files it needs. */
const OPEN_PREFIXES = ['/console/assets/'];

/** Who logging in with a token would be, or why not (401 for an unknown token, 403 for one that may not read). */
export type LoginDecision = { readonly who: string; readonly mayAct: boolean } | { readonly refused: 'UNAUTHORIZED' | 'FORBIDDEN'; readonly who?: string };

export interface ConsoleAccess {
  /** The onRequest hook: finds the viewer, or redirects to login, or refuses. */
  identify(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** The preHandler hook: checks a form post's CSRF token and origin. */
  checkForm(request: FastifyRequest): Promise<void>;
  /** The viewer of a request that passed `identify`; undefined on the open paths. */
  viewerOf(request: FastifyRequest): Viewer | undefined;
  /** Whether the console asks for a token at all. */
  readonly needsLogin: boolean;
  login(token: string): LoginDecision;
  /** The Set-Cookie value of a new session for this login. */
  startSession(decision: { readonly who: string; readonly mayAct: boolean }, secure: boolean): string;
  /** Ends the request's session; the Set-Cookie value that clears the cookie. */
  endSession(request: FastifyRequest): string;
}

export interface ConsoleAccessOptions {
  readonly tokens: ApiTokens;
  readonly sessions: Sessions;
  readonly writeLog: WriteLog;
}

export function createConsoleAccess(options: ConsoleAccessOptions): ConsoleAccess {
  const { tokens, sessions, writeLog } = options;
  const access = createAccessCheck(tokens);
  const needsLogin = Boolean(tokens.api);
  // Without an API token there are no sessions: one CSRF token for this process.
  const anonymous: Viewer = { who: 'anonymous loopback', mayAct: true, csrfToken: randomToken(), loggedIn: false };
  const viewers = new WeakMap<FastifyRequest, Viewer>();
  const sessionIdOf = (request: FastifyRequest) => cookieValue(request.headers.cookie, SESSION_COOKIE);

  return {
    needsLogin,
    async identify(request, reply) {
      const path = request.url.split('?')[0]!;
      if (OPEN_PREFIXES.some((prefix) => path.startsWith(prefix)) || path === LOGIN_PATH) return;
      const session = needsLogin ? sessions.get(sessionIdOf(request)) : undefined;
      const viewer: Viewer | undefined = needsLogin ? session && { who: session.who, mayAct: session.mayAct, csrfToken: session.csrfToken, loggedIn: true } : anonymous;
      writeLog.who(request, viewer?.who);
      if (viewer === undefined) {
        if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect(LOGIN_PATH, 303);
        throw new HmsError('UNAUTHORIZED', 'log in to the console first (your session ended or never began)');
      }
      viewers.set(request, viewer);
      if (request.method !== 'GET' && request.method !== 'HEAD' && !viewer.mayAct && path !== LOGOUT_PATH) {
        throw new HmsError('FORBIDDEN', `the ${viewer.who} may read the console but not act; log in with HMS_SYNC_API_TOKEN`);
      }
    },
    async checkForm(request) {
      if (request.method !== 'POST') return;
      const path = request.url.split('?')[0]!;
      if (path === LOGIN_PATH) {
        // Before login there is no session to hold a token; a login posted from elsewhere is still refused.
        const crossSite = crossSiteReason(request.headers);
        if (crossSite !== undefined) throw new HmsError('CSRF_INVALID', `the login form was posted from another site (${crossSite})`);
        return;
      }
      const viewer = viewers.get(request);
      if (viewer === undefined) return;
      checkCsrf(viewer.csrfToken, (request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD], request.headers);
    },
    viewerOf: (request) => viewers.get(request),
    login(token) {
      const authorization = `Bearer ${token}`;
      const read = access('GET', '/console/', authorization);
      if (read.refused !== undefined) return read.who === undefined ? { refused: read.refused } : { refused: read.refused, who: read.who };
      return { who: read.who, mayAct: access('POST', '/console/', authorization).refused === undefined };
    },
    startSession(decision, secure) {
      const session = sessions.start(decision.who, decision.mayAct);
      return cookie(session.id, Math.floor(SESSION_TTL_MS / 1000), secure);
    },
    endSession(request) {
      const id = sessionIdOf(request);
      if (id !== undefined) sessions.end(id);
      return cookie('', 0, false);
    },
  };
}

function cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
