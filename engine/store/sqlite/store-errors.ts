/**
 * SQLite failures of the disk or the database file (full, read-only, failing writes) become
 * STORE_UNAVAILABLE: the engine stays up, nothing of the failed write is stored, and the caller may
 * retry once the disk is fixed; the engine needs no restart. Every other error passes unchanged.
 */
import { HmsError } from '../../errors.js';

/** SQLite result codes (better-sqlite3's `error.code`) that mean the disk or file, not the request. */
const DISK_CODES = /^SQLITE_(FULL|IOERR(_\w+)?|READONLY(_\w+)?|CANTOPEN(_\w+)?)$/;

/** Why the engine cannot store anything, when `error` is a SQLite failure of the disk or file. */
export function diskFailure(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !DISK_CODES.test(code)) return undefined;
  return `the engine cannot store anything now: ${code === 'SQLITE_FULL' ? 'the disk of its data directory is full' : `it cannot write to its data directory (${code})`}`;
}

/** The error a caller gets for a disk failure that `diskFailure` explained as `why`. */
export function storeUnavailable(why: string, cause: unknown): HmsError {
  return new HmsError('STORE_UNAVAILABLE', `${why}; nothing of this request was stored, so send it again later (operators: check the free space and the disk of the data directory)`, { cause, retryable: true });
}
