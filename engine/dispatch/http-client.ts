/**
 * Outbound HTTP over undici: one keep-alive pool per target origin, connect timeout and TLS
 * identity (a hash of the client certificate, key and CA), so two connectors to one host with
 * different certificates never share a connection. Every response body is consumed so
 * connections return to the pool. Never throws for a failed request: the outcome is data for
 * `classify`.
 */
import { createHash } from 'node:crypto';
import { Pool } from 'undici';
import { dispatchRequest } from './dispatch-request.js';
import type { Clock } from '../clock.js';
import type { CompiledTls } from '../config/compiled.js';

/** How much of an error response body is kept for the delivery's lastError. */
export const ERROR_BODY_SNIPPET_BYTES = 512;
/** How much of an error response body is kept in `errorBody` (stored with the failed attempt). */
export const RESPONSE_BODY_KEEP_BYTES = 4 * 1024;
/** How long an idle keep-alive connection stays open. */
export const KEEP_ALIVE_TIMEOUT_MS = 30_000;
/** Largest body kept for a request with `readBody` (token responses are a few hundred bytes). */
export const READ_BODY_LIMIT_BYTES = 64 * 1024;

export interface HttpRequest {
  readonly method: string;
  /** Absolute URL. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Applies to connecting, waiting for response headers, and reading the body, each. */
  readonly timeoutMs: number;
  /** Client certificate, key and CA for https origins (mutual TLS). */
  readonly tls?: CompiledTls;
  /** Keep a 2xx response's whole body (up to READ_BODY_LIMIT_BYTES) in `body`. */
  readonly readBody?: boolean;
}

export type HttpResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly bodySnippet: string;
      readonly durationMs: number;
      /** The Retry-After header as received, when there is one. */
      readonly retryAfter?: string;
      /** The whole body of a 2xx answer, when the request asked for it with `readBody`. */
      readonly body?: string;
      /** The first RESPONSE_BODY_KEEP_BYTES of a non-2xx answer's body, as received. */
      readonly errorBody?: string;
    }
  | {
      readonly kind: 'error';
      readonly message: string;
      readonly durationMs: number;
      /** True when the target did not answer (or finish answering) within the request's timeout. */
      readonly timedOut?: boolean;
    };

export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResult>;
  /** Closes every pool; requests in flight are allowed to finish. Idempotent. */
  close(): Promise<void>;
}

export function createHttpClient(options: { clock: Clock }): HttpClient {
  const pools = new Map<string, Pool>();
  let closed = false;

  function poolFor(origin: string, timeoutMs: number, tls: CompiledTls | undefined): Pool {
    const key = `${timeoutMs} ${origin} ${tlsIdentity(tls)}`;
    let pool = pools.get(key);
    if (!pool) {
      const { cert, key: privateKey, ca } = tls ?? {};
      const connect = { timeout: timeoutMs, ...(cert !== undefined && { cert }), ...(privateKey !== undefined && { key: privateKey }), ...(ca !== undefined && { ca }) };
      pool = new Pool(origin, { connect, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS });
      pools.set(key, pool);
    }
    return pool;
  }

  return {
    async send(request) {
      const startedAt = options.clock.now();
      const elapsed = () => Math.max(0, options.clock.now() - startedAt);
      if (closed) return { kind: 'error', message: 'HTTP client closed', durationMs: 0 };
      try {
        const url = new URL(request.url);
        const response = await dispatchRequest(poolFor(url.origin, request.timeoutMs, request.tls), {
          method: request.method,
          path: `${url.pathname}${url.search}`,
          headers: request.headers,
          ...(request.body !== undefined && { body: request.body }),
          timeoutMs: request.timeoutMs,
          keepWhole: request.readBody === true,
          wholeLimitBytes: READ_BODY_LIMIT_BYTES,
          errorKeepBytes: RESPONSE_BODY_KEEP_BYTES,
        });
        const ok = response.status >= 200 && response.status < 300;
        const body = ok ? response.body?.toString('utf8') : undefined;
        const errorBody = ok ? undefined : keptStart(response.body);
        return {
          kind: 'response',
          status: response.status,
          bodySnippet: errorBody === undefined ? '' : snippetOf(errorBody),
          durationMs: elapsed(),
          ...(response.retryAfter !== undefined && { retryAfter: response.retryAfter }),
          ...(body !== undefined && { body }),
          ...(errorBody !== undefined && { errorBody }),
        };
      } catch (error) {
        return { kind: 'error', message: describeNetworkError(error), durationMs: elapsed(), timedOut: isTimeout(error) };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
    },
  };
}

/** '' without TLS material; otherwise a hash of it (the PEM text itself stays out of map keys). */
function tlsIdentity(tls: CompiledTls | undefined): string {
  if (tls === undefined || (tls.cert === undefined && tls.key === undefined && tls.ca === undefined)) return '';
  return createHash('sha256').update(JSON.stringify([tls.cert ?? null, tls.key ?? null, tls.ca ?? null])).digest('hex');
}

/** The first RESPONSE_BODY_KEEP_BYTES of a failed answer's body, as text. */
function keptStart(body: Buffer | undefined): string {
  return body === undefined ? '' : utf8Prefix(body, RESPONSE_BODY_KEEP_BYTES);
}

/** The first ERROR_BODY_SNIPPET_BYTES of an error body on one line, for lastError. */
export function snippetOf(errorBody: string): string {
  return utf8Prefix(Buffer.from(errorBody, 'utf8'), ERROR_BODY_SNIPPET_BYTES).replace(/\s+/g, ' ').trim();
}

/** At most `maxBytes` of UTF-8 as text, never a character cut in two (which would decode as U+FFFD). */
function utf8Prefix(bytes: Buffer, maxBytes: number): string {
  let end = Math.min(bytes.length, maxBytes);
  // bytes[end] is the first byte left out: a continuation byte there means its character straddles the cut.
  while (end > 0 && end < bytes.length && ((bytes[end] as number) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/** undici's codes for a connection, response headers or body that did not come in time (the
 * whole-body deadline of dispatch-request.ts uses the body's). */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function isTimeout(error: unknown): boolean {
  return TIMEOUT_CODES.has(String((error as { code?: unknown } | null)?.code));
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${typeof code === 'string' ? `${code} ` : ''}${error.message}${cause}`;
  }
  return String(error);
}
