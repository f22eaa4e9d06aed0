/**
 * What the result of one HTTP attempt means for its delivery. Pure.
 * 2xx: delivered. Connection errors and timeouts: retry. Other statuses: retried when `retryOn`
 * says so (a connector's `retry.on`), by default 408, 425, 429 and 5xx; dead otherwise (3xx too:
 * undici follows no redirects). What an answer means for the whole connector (410 disables it,
 * 429 pauses it, failures trip its breaker) is decided in judge-attempt.ts.
 */
import { DEFAULT_RETRY_ON } from '../config/schema/defaults.generated.js';
import { compileRetryOn } from '../config/values/retry-on.js';
import type { HttpResult } from './http-client.js';

export type Verdict =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly code: 'TARGET_UNAVAILABLE'; readonly reason: string }
  | { readonly kind: 'dead'; readonly code: 'TARGET_REJECTED'; readonly reason: string };

const retriedByDefaultList = compileRetryOn(DEFAULT_RETRY_ON);

/**
 * The default of `retry.on`, the schema's list. Statuses past 599 (HTTP defines none, but undici
 * passes them on) are retried as well, as they were before; a written `retry.on` cannot name them.
 */
export function retriedByDefault(status: number): boolean {
  return status > 599 || retriedByDefaultList(status);
}

export function classify(result: HttpResult, retryOn: (status: number) => boolean = retriedByDefault): Verdict {
  if (result.kind === 'error') return { kind: 'retry', code: 'TARGET_UNAVAILABLE', reason: `TARGET_UNAVAILABLE: ${result.message}` };
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const detail = `HTTP ${status}${result.bodySnippet ? `: ${result.bodySnippet}` : ''}`;
  if (retryOn(status)) return { kind: 'retry', code: 'TARGET_UNAVAILABLE', reason: `TARGET_UNAVAILABLE: ${detail}` };
  if (status >= 300 && status < 400) {
    return { kind: 'dead', code: 'TARGET_REJECTED', reason: `TARGET_REJECTED: ${detail} (redirects are not followed; point target.url at the final address)` };
  }
  return { kind: 'dead', code: 'TARGET_REJECTED', reason: `TARGET_REJECTED: ${detail}` };
}
