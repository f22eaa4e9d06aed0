/**
 * What the result of one HTTP attempt means for its delivery. Pure.
 * 2xx: delivered. 408, 425, 429, 5xx, connection errors and timeouts: retry. Anything else
 * (other 4xx, 1xx, 3xx: undici follows no redirects): dead at once.
 */
import type { HttpResult } from './http-client.js';

export type Verdict =
  | { readonly outcome: 'delivered' }
  | { readonly outcome: 'retry'; readonly code: 'TARGET_UNAVAILABLE'; readonly reason: string }
  | { readonly outcome: 'dead'; readonly code: 'TARGET_REJECTED'; readonly reason: string };

const RETRYABLE_4XX = new Set([408, 425, 429]);

export function classify(result: HttpResult): Verdict {
  if (result.kind === 'error') return { outcome: 'retry', code: 'TARGET_UNAVAILABLE', reason: `TARGET_UNAVAILABLE: ${result.message}` };
  const { status } = result;
  if (status >= 200 && status < 300) return { outcome: 'delivered' };
  const detail = `HTTP ${status}${result.bodySnippet ? `: ${result.bodySnippet}` : ''}`;
  if (status >= 500 || RETRYABLE_4XX.has(status)) return { outcome: 'retry', code: 'TARGET_UNAVAILABLE', reason: `TARGET_UNAVAILABLE: ${detail}` };
  if (status >= 300 && status < 400) {
    return { outcome: 'dead', code: 'TARGET_REJECTED', reason: `TARGET_REJECTED: ${detail} (redirects are not followed; point target.url at the final address)` };
  }
  return { outcome: 'dead', code: 'TARGET_REJECTED', reason: `TARGET_REJECTED: ${detail}` };
}
