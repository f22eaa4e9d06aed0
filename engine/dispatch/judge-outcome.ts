/**
 * What one HTTP result means, for the deliveries it carried and for their connector. Pure: time
 * and randomness are arguments.
 *
 * For the connector:
 * - 410 Gone (unless `retry.on` retries it) kills the delivery and disables the connector until
 *   its configuration changes.
 * - 429 pauses the whole connector (see THROTTLE_PAUSE_MS), whatever `retry.on` says about the
 *   delivery itself.
 * - Every result is a signal for the circuit breaker (see circuit-breaker.ts).
 */
import type { CompiledConnector } from '../config/compiled.js';
import type { ErrorCode } from '../errors.js';
import type { BreakerSignal } from './circuit-breaker.js';
import { classify, type Verdict } from './classify.js';
import type { HttpResult } from './http-client.js';
import { redactSecrets } from './redact.js';
import { nextRetryDelayMs, retryAfterDelayMs } from './retry-policy.js';

/**
 * The 429 rule: a 429 stops the whole connector (every route) from starting requests until its
 * Retry-After has passed, or for THROTTLE_PAUSE_MS when it has none, bounded by
 * `retry.maxRetryAfter`. Requests in flight finish; deliveries waiting in memory go back to the
 * store, due when the pause ends, attempts untouched. A later 429 can only lengthen the pause.
 */
export const THROTTLE_PAUSE_MS = 5_000;
/** Most of a failed attempt's response body that is stored with it (attempts.response_body). */
export const RESPONSE_BODY_KEEP_BYTES = 4 * 1024;
/** The shortest start of a secret, cut off at the end of a kept body, that is dropped with it. */
const MIN_PARTIAL_SECRET_CHARS = 4;

export interface Judgement {
  readonly verdict: Verdict;
  readonly status: number | null;
  readonly durationMs: number;
  /** Why it failed, secrets removed; null when delivered. */
  readonly error: string | null;
  /** The start of a failed answer's body (RESPONSE_BODY_KEEP_BYTES at most), secrets removed. */
  readonly responseBody: string | null;
  /** The target's Retry-After as a delay, bounded by `retry.maxRetryAfter`. */
  readonly retryAfterMs: number | undefined;
  readonly breaker: BreakerSignal;
  readonly disablesConnector: boolean;
  /** Set for a 429: the connector starts nothing before then. */
  readonly pauseUntil: number | undefined;
}

/** The end of one attempt for one delivery. */
export interface Outcome {
  readonly state: 'delivered' | 'retrying' | 'dead';
  readonly status: number | null;
  /** The catalogue code of the failure (stored so dead deliveries can be re-driven by cause). */
  readonly errorCode: ErrorCode | null;
  readonly error: string | null;
  readonly responseBody: string | null;
  readonly durationMs: number;
  readonly nextAttemptAt: number | null;
}

export function judgeResult(result: HttpResult, connector: CompiledConnector, nowMs: number): Judgement {
  const verdict = classify(result, connector.retry.retryOn);
  const status = result.kind === 'response' ? result.status : null;
  const { secrets } = connector;
  const failedResponse = result.kind === 'response' && verdict.outcome !== 'delivered';
  const retryAfterMs = result.kind === 'response' ? retryAfterDelayMs(result.retryAfter, nowMs, connector.retry.maxRetryAfterMs) : undefined;
  return {
    verdict,
    status,
    durationMs: result.durationMs,
    error: verdict.outcome === 'delivered' ? null : redactSecrets(verdict.reason, secrets),
    responseBody: failedResponse ? keptBody(result.errorBody ?? result.bodySnippet, secrets) : null,
    retryAfterMs,
    breaker: breakerSignal(verdict, status),
    disablesConnector: status === 410 && verdict.outcome === 'dead',
    pauseUntil: status === 429 ? nowMs + (retryAfterMs ?? Math.min(THROTTLE_PAUSE_MS, connector.retry.maxRetryAfterMs)) : undefined,
  };
}

/**
 * The outcome for one delivery of the attempt: `attempt` is its 1-based attempt number and
 * `scheduleOffset` the attempts made before its current schedule started.
 */
export function outcomeFor(judgement: Judgement, connector: CompiledConnector, attempt: number, scheduleOffset: number, random: () => number, nowMs: number): Outcome {
  const { verdict, status, durationMs, error, responseBody } = judgement;
  // Object literals of one shape rather than spreads: every finished attempt passes here.
  if (verdict.outcome === 'delivered') return { state: 'delivered', status, errorCode: null, error, responseBody, durationMs, nextAttemptAt: null };
  if (verdict.outcome === 'dead') return { state: 'dead', status, errorCode: verdict.code, error, responseBody, durationMs, nextAttemptAt: null };
  const delay = nextRetryDelayMs(attempt - scheduleOffset, connector.retry.scheduleMs, random, judgement.retryAfterMs);
  if (delay === null) {
    return { state: 'dead', status, errorCode: 'RETRIES_EXHAUSTED', error: `RETRIES_EXHAUSTED after ${attempt} attempts; last: ${error}`, responseBody, durationMs, nextAttemptAt: null };
  }
  return { state: 'retrying', status, errorCode: verdict.code, error, responseBody, durationMs, nextAttemptAt: nowMs + delay };
}

function breakerSignal(verdict: Verdict, status: number | null): BreakerSignal {
  if (status === 429) return 'neutral';
  return verdict.outcome === 'retry' ? 'failure' : 'success';
}

/**
 * At most RESPONSE_BODY_KEEP_BYTES of UTF-8 (never splitting a character), secrets removed. The
 * body arrives cut at that size, so a secret may have been cut in two: a tail that starts a
 * secret (MIN_PARTIAL_SECRET_CHARS or more of it) is dropped too.
 */
function keptBody(text: string, secrets: readonly string[]): string {
  const bytes = Buffer.from(redactSecrets(text, secrets), 'utf8');
  let kept = bytes.length <= RESPONSE_BODY_KEEP_BYTES ? bytes.toString('utf8') : new TextDecoder().decode(bytes.subarray(0, RESPONSE_BODY_KEEP_BYTES)).replace(/\uFFFD$/, '');
  for (const secret of secrets) {
    for (let n = Math.min(secret.length - 1, kept.length); n >= MIN_PARTIAL_SECRET_CHARS; n--) {
      if (kept.endsWith(secret.slice(0, n))) {
        kept = kept.slice(0, kept.length - n);
        break;
      }
    }
  }
  return kept;
}
