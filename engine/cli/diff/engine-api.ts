/**
 * A read-only client of a running engine's HTTP API, for `diff --events-from`: GET requests with
 * the read token as a Bearer token, each with a time limit and a size limit, answered as parsed
 * JSON. Every failure is one HmsError EVENTS_FETCH_FAILED whose message is one line naming the
 * engine (credentials in its URL left out) and the request, never the token.
 */
import { Pool } from 'undici';
import { HmsError } from '../../errors.js';

/** Connecting, waiting for the answer's headers, and a pause while reading its body: each at most this. */
export const ENGINE_REQUEST_TIMEOUT_MS = 30_000;
/** Largest answer read: a page of deliveries is well under 1 MiB, an event under the engine's body limit. */
export const ENGINE_ANSWER_MAX_BYTES = 32 * 1024 * 1024;
/** Longest part of an engine's own error message repeated in ours. */
const ENGINE_MESSAGE_MAX_CHARS = 300;

export interface EngineApi {
  /** The engine's URL as messages show it: without user name or password. */
  readonly shownUrl: string;
  /**
   * GET `path` (below the engine's URL, which may hold a prefix such as `/hms`) with `query`; the
   * answer as JSON. A 404 resolves to undefined when `missingOk`, else it fails like any non-2xx.
   */
  get(path: string, query?: Readonly<Record<string, string>>, options?: { readonly missingOk?: boolean }): Promise<unknown>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface EngineApiOptions {
  /** Sent as `Authorization: Bearer <token>` when set. */
  readonly token?: string;
  /** Requests at once over keep-alive connections. */
  readonly connections: number;
}

/** `url` must be an absolute http: or https: URL (checked on the command line). */
export function createEngineApi(url: URL, options: EngineApiOptions): EngineApi {
  const shown = shownUrl(url);
  const prefix = url.pathname.replace(/\/+$/, '');
  const pool = new Pool(url.origin, {
    connections: options.connections,
    connect: { timeout: ENGINE_REQUEST_TIMEOUT_MS },
    headersTimeout: ENGINE_REQUEST_TIMEOUT_MS,
    bodyTimeout: ENGINE_REQUEST_TIMEOUT_MS,
  });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let closed: Promise<void> | undefined;

  return {
    shownUrl: shown,
    async get(path, query = {}, { missingOk = false } = {}) {
      const search = new URLSearchParams(query).toString();
      const target = `${prefix}${path}${search === '' ? '' : `?${search}`}`;
      const fail = (what: string, cause?: unknown): never => {
        throw new HmsError('EVENTS_FETCH_FAILED', `--events-from ${shown}: GET ${target} ${what}`, { cause });
      };
      let answer;
      try {
        answer = await pool.request({ method: 'GET', path: target, headers });
      } catch (error) {
        return fail(`could not be sent: ${networkReason(error)}; is the engine running at that address, and reachable from here?`, error);
      }
      let text: string;
      try {
        text = await readLimited(answer.body, ENGINE_ANSWER_MAX_BYTES);
      } catch (error) {
        return fail(`answered ${answer.statusCode}, but its body could not be read: ${networkReason(error)}`, error);
      }
      if (answer.statusCode === 404 && missingOk) return undefined;
      if (answer.statusCode < 200 || answer.statusCode > 299) return fail(`answered ${answer.statusCode}${engineError(text)}; ${statusHint(answer.statusCode, options.token !== undefined)}`);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return fail(`answered ${answer.statusCode} with a body that is not JSON; is --events-from the address of an hms-sync engine?`);
      }
    },
    close() {
      closed ??= pool.close();
      return closed;
    },
  };
}

function shownUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href.replace(/\/$/, '');
}

function statusHint(status: number, sentToken: boolean): string {
  if (status === 401) {
    return sentToken
      ? 'the engine refused the token: set HMS_SYNC_READ_TOKEN (or HMS_SYNC_API_TOKEN) to one of its tokens'
      : 'the engine needs a token: set HMS_SYNC_READ_TOKEN (or HMS_SYNC_API_TOKEN) to one of its tokens';
  }
  if (status === 403) return 'that token may not read deliveries and events; use the engine\'s read token (HMS_SYNC_READ_TOKEN) or its API token';
  if (status === 400) return 'the engine refused the query (an engine without delivery search lists only dead deliveries; diff --events-from needs one that filters by since and eventType)';
  if (status === 404) return 'is --events-from the address of an hms-sync engine?';
  return 'try again later, or look at the engine\'s log';
}

/** ` (CODE: message)` from an hms-sync error body, one line and cut short; '' for any other body. */
function engineError(text: string): string {
  let code: unknown;
  let message: unknown;
  try {
    ({ code, message } = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error ?? {});
  } catch {
    return '';
  }
  if (typeof code !== 'string' || typeof message !== 'string') return '';
  const flat = message.replace(/\s+/g, ' ').trim();
  return ` (${code}: ${flat.length > ENGINE_MESSAGE_MAX_CHARS ? `${flat.slice(0, ENGINE_MESSAGE_MAX_CHARS)}…` : flat})`;
}

/** The system's code and message (`ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1`), or undici's. */
function networkReason(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message.replace(/\s+/g, ' ') : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code} ${text}` : text;
}

async function readLimited(body: AsyncIterable<Buffer>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) throw new Error(`it is over ${maxBytes / (1024 * 1024)} MiB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
