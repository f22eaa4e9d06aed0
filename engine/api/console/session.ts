/**
 * Console sessions, held in memory: a random id (the cookie's value) mapped to who logged in,
 * whether they may act, the session's CSRF token and when it expires. A session lasts
 * SESSION_TTL_MS from login, whatever is done with it; logout ends it at once. A restart ends
 * every session (operators log in again). At most MAX_SESSIONS are kept; past that the oldest go.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.js';

/** How long a login lasts. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Most sessions held at once: logins past it end the oldest session. */
export const MAX_SESSIONS = 1_000;
/** Random bytes in a session id and a CSRF token (256 bits). */
const ID_BYTES = 32;

export interface Session {
  readonly id: string;
  /** Who logged in, as the write log names them (`api token`, `read token`). */
  readonly who: string;
  /** The API token's session may act; the read token's may only read. */
  readonly mayAct: boolean;
  /** The token every state-changing form of this session carries (csrf.ts). */
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export interface Sessions {
  start(who: string, mayAct: boolean): Session;
  /** The live session with this id; undefined for an unknown or expired one (which is forgotten). */
  get(id: string | undefined): Session | undefined;
  end(id: string): void;
}

/** A random token, URL- and cookie-safe. */
export function randomToken(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

export function createSessions(clock: Clock, ttlMs = SESSION_TTL_MS): Sessions {
  // Insertion order is login order, so the first entry is the oldest.
  const sessions = new Map<string, Session>();
  return {
    start(who, mayAct) {
      while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      const session: Session = { id: randomToken(), who, mayAct, csrfToken: randomToken(), expiresAt: clock.now() + ttlMs };
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      if (id === undefined) return undefined;
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      if (session.expiresAt <= clock.now()) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    end(id) {
      sessions.delete(id);
    },
  };
}
