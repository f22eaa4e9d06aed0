/**
 * PostgreSQL failures that mean the server, not the request (unreachable, restarting, out of disk
 * or connections), become STORE_UNAVAILABLE: nothing of the failed write is stored (each write is
 * one transaction), the caller may send it again, and the pool reconnects by itself. Every other
 * error (a constraint, a bad statement) passes unchanged.
 */
import { HmsError } from '../../errors.js';

/** Node socket errors of a connection that could not be made or was lost. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** SQLSTATE classes: 08 connection exception, 53 insufficient resources (disk full, too many
 * connections), 57P0x the server shutting down or starting; 25006 read-only transaction (a standby).
 * Not 08P01 (protocol violation): the server answers it to a statement sent wrong (as many
 * parameters bound as the statement has not), a bug of ours, not an outage. */
const SERVER_STATES = /^(08(?!P01)...|53...|57P0[1-4]|25006)$/;
/** pg's own errors for a connection it lost or could not make in time (they carry no code). */
const LOST_CONNECTION = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection refused/i;

/** Why the engine cannot store anything, when `error` is a failure of the server or the network. */
export function serverFailure(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_STATES.test(code))) return `PostgreSQL cannot be used now (${code}${text ? `: ${firstLine(text)}` : ''})`;
  if (LOST_CONNECTION.test(text)) return `PostgreSQL cannot be used now (${firstLine(text)})`;
  return undefined;
}

/** The error a caller gets for a server failure that `serverFailure` explained as `why`. */
export function storeUnavailable(why: string, cause: unknown): HmsError {
  return new HmsError('STORE_UNAVAILABLE', `the engine cannot store anything now: ${why}; nothing of this request was stored, so send it again later (operators: check that PostgreSQL is up and reachable)`, { cause, retryable: true });
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.slice(0, 200);
}
