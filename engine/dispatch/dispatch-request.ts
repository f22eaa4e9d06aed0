/**
 * One request over an undici pool with the low-level `dispatch` API: the response body arrives as
 * chunks that are kept or dropped as they come, with no stream per response (what `request()`
 * builds, and its bookkeeping is a good part of a request's cost). Every body is read to its end,
 * so the connection goes back to the pool.
 *
 * What is kept of the body depends on the status: nothing of a 2xx, unless `keepWhole` (then at
 * most `wholeLimitBytes`, more is an error); the first `errorKeepBytes` of anything else.
 *
 * `timeoutMs` bounds connecting, the wait for the response headers, and reading the whole body:
 * undici's own body timeout only bounds the gaps between chunks, so a target trickling a byte now
 * and then would hold the request, and its connector's concurrency slot, for ever. When the body
 * runs past it, the connection is dropped; the answer stands on its status and what was kept,
 * unless the whole body was wanted (then it is an error). A 2xx is not sent again for being slow.
 */
import type { Dispatcher, Pool } from 'undici';

export interface DispatchedRequest {
  readonly method: string;
  /** Path and query, e.g. `/api/slots?x=1`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly keepWhole: boolean;
  readonly wholeLimitBytes: number;
  readonly errorKeepBytes: number;
}

export interface DispatchedResponse {
  readonly status: number;
  readonly retryAfter: string | undefined;
  /** The kept part of the body (see above); undefined when nothing was kept. */
  readonly body: Buffer | undefined;
}

/** Rejects with undici's error (timeouts, refused connections, ...) or when a whole body is over its limit. */
export function dispatchRequest(pool: Pool, request: DispatchedRequest): Promise<DispatchedResponse> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let retryAfter: string | undefined;
    let keep: 'nothing' | 'start' | 'whole' = 'nothing';
    let chunks: Buffer[] = [];
    let size = 0;
    let bodyDeadline: NodeJS.Timeout | undefined;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      // Called again for each 1xx interim answer; the last call is the final status.
      onResponseStart(controller, statusCode, headers) {
        if (statusCode >= 200 && bodyDeadline === undefined) {
          bodyDeadline = setTimeout(() => {
            if (keep !== 'whole') resolve({ status, retryAfter, body: keep === 'nothing' ? undefined : Buffer.concat(chunks) });
            controller.abort(Object.assign(new Error(`response body not complete within ${request.timeoutMs} ms`), { code: 'UND_ERR_BODY_TIMEOUT' }));
          }, request.timeoutMs);
        }
        status = statusCode;
        const value = headers['retry-after'];
        retryAfter = Array.isArray(value) ? value[0] : value;
        keep = statusCode >= 200 && statusCode < 300 ? (request.keepWhole ? 'whole' : 'nothing') : 'start';
        chunks = [];
        size = 0;
      },
      onResponseData(controller, chunk) {
        if (keep === 'nothing' || (keep === 'start' && size >= request.errorKeepBytes)) return;
        size += chunk.length;
        if (keep === 'whole' && size > request.wholeLimitBytes) {
          controller.abort(new Error(`response body over ${request.wholeLimitBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        clearTimeout(bodyDeadline);
        resolve({ status, retryAfter, body: keep === 'nothing' ? undefined : Buffer.concat(chunks) });
      },
      onResponseError(_controller, error) {
        clearTimeout(bodyDeadline);
        reject(error);
      },
    };
    try {
      pool.dispatch(
        { method: request.method as Dispatcher.HttpMethod, path: request.path, headers: request.headers, body: request.body ?? null, headersTimeout: request.timeoutMs, bodyTimeout: request.timeoutMs },
        handler,
      );
    } catch (error) {
      reject(error);
    }
  });
}
