/**
 * One-off HTTP requests with a JSON answer (health checks, GET /events/:id, the demo's POSTs).
 * Each uses its own connection and closes it, so nothing is left open to keep the process alive.
 */
import { request } from 'node:http';

/** How long a one-off request may take, start to end, unless the caller says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

export interface JsonAnswer {
  readonly status: number;
  /** The parsed body, or the raw text when it is not JSON. */
  readonly body: unknown;
}

/** Rejects on a network error or timeout; any HTTP status resolves. */
export function requestJson(method: string, url: string, body?: unknown, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<JsonAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      agent: false,
      timeout: timeoutMs,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    req.once('timeout', () => req.destroy(new Error(`${method} ${url} took over ${timeoutMs} ms`)));
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: the caller gets the text.
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.end(payload);
  });
}
