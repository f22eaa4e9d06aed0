/**
 * Outbound HTTP over undici: one keep-alive pool per target origin (and connect timeout), every
 * response body consumed so connections return to the pool. Never throws for a failed request:
 * the outcome is data for `classify`.
 */
import { Pool } from 'undici';
import type { Clock } from '../clock.js';

/** How much of an error response body is kept for the delivery's lastError. */
export const ERROR_BODY_SNIPPET_BYTES = 512;
/** How long an idle keep-alive connection stays open. */
export const KEEP_ALIVE_TIMEOUT_MS = 30_000;

export interface HttpRequest {
  readonly method: string;
  /** Absolute URL. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Applies to connecting, waiting for response headers, and reading the body, each. */
  readonly timeoutMs: number;
}

export type HttpResult =
  | { readonly kind: 'response'; readonly status: number; readonly bodySnippet: string; readonly durationMs: number }
  | { readonly kind: 'error'; readonly message: string; readonly durationMs: number };

export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResult>;
  /** Closes every pool; requests in flight are allowed to finish. Idempotent. */
  close(): Promise<void>;
}

export function createHttpClient(options: { clock: Clock }): HttpClient {
  const pools = new Map<string, Pool>();
  let closed = false;

  function poolFor(origin: string, timeoutMs: number): Pool {
    const key = `${timeoutMs} ${origin}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = new Pool(origin, { connect: { timeout: timeoutMs }, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS });
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
        const response = await poolFor(url.origin, request.timeoutMs).request({
          method: request.method as 'POST',
          path: `${url.pathname}${url.search}`,
          headers: request.headers,
          body: request.body,
          headersTimeout: request.timeoutMs,
          bodyTimeout: request.timeoutMs,
        });
        const ok = response.statusCode >= 200 && response.statusCode < 300;
        const bodySnippet = ok ? '' : await readSnippet(response.body);
        if (ok) await response.body.dump();
        return { kind: 'response', status: response.statusCode, bodySnippet, durationMs: elapsed() };
      } catch (error) {
        return { kind: 'error', message: describeNetworkError(error), durationMs: elapsed() };
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

/** Reads the whole body (so the connection can be reused) and keeps its first bytes. */
async function readSnippet(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size >= ERROR_BODY_SNIPPET_BYTES) continue;
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_SNIPPET_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${typeof code === 'string' ? `${code} ` : ''}${error.message}${cause}`;
  }
  return String(error);
}
