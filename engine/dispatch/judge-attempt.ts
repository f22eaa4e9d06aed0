/**
 * What one HTTP result means for the deliveries it carried: delivered, retried (when, by the
 * schedule or the target's Retry-After) or dead, with the error and the start of the answer kept
 * for the attempt record. Pure: time and randomness are arguments. What the result means for the
 * whole connector (410 disables it, 429 pauses it, the breaker counts) is connector-state.ts's.
 */
import type { CompiledConnector } from '../config/compiled.js';
import type { ErrorCode } from '../errors.js';
import type { StatusClass } from '../model.js';
import { classify, type Verdict } from './classify.js';
import { RESPONSE_BODY_KEEP_BYTES, snippetOf, type HttpResult } from './http-client.js';
import { keptText, redactSecrets } from './redact.js';
import { nextRetryDelayMs, retryAfterDelayMs } from './retry-policy.js';

export interface Judgement {
  readonly verdict: Verdict;
  readonly status: number | null;
  readonly statusClass: StatusClass;
  readonly durationMs: number;
  /** Why it failed, secrets removed; null when delivered. */
  readonly error: string | null;
  /** The start of a failed answer's body (RESPONSE_BODY_KEEP_BYTES at most), secrets removed. */
  readonly responseBody: string | null;
  /** The target's Retry-After as a delay, bounded by `retry.maxRetryAfter`. */
  readonly retryAfterMs: number | undefined;
}

/** The result of one attempt for one delivery: its state after the attempt, and what is recorded. */
export interface AttemptResult {
  readonly state: 'delivered' | 'retrying' | 'dead';
  readonly status: number | null;
  readonly statusClass: StatusClass;
  /** The catalogue code of the failure (stored so dead deliveries can be re-driven by cause). */
  readonly errorCode: ErrorCode | null;
  readonly error: string | null;
  readonly responseBody: string | null;
  readonly durationMs: number;
  readonly nextAttemptAt: number | null;
}

export function judgeResult(result: HttpResult, connector: CompiledConnector, nowMs: number): Judgement {
  const { secrets } = connector;
  const verdict = classify(withSafeSnippet(result, secrets), connector.retry.retryOn);
  const status = result.kind === 'response' ? result.status : null;
  const failedResponse = result.kind === 'response' && verdict.kind !== 'delivered';
  const retryAfterMs = result.kind === 'response' ? retryAfterDelayMs(result.retryAfter, nowMs, connector.retry.maxRetryAfterMs) : undefined;
  return {
    verdict,
    status,
    statusClass: statusClassOf(result),
    durationMs: result.durationMs,
    error: verdict.kind === 'delivered' ? null : redactSecrets(verdict.reason, secrets),
    responseBody: failedResponse ? keptText(result.errorBody ?? result.bodySnippet, secrets, RESPONSE_BODY_KEEP_BYTES) : null,
    retryAfterMs,
  };
}

/**
 * The result for one delivery of the attempt: `attempt` is its 1-based attempt number and
 * `scheduleOffset` the attempts made before its current schedule started.
 */
export function attemptResultFor(judgement: Judgement, connector: CompiledConnector, attempt: number, scheduleOffset: number, random: () => number, nowMs: number): AttemptResult {
  const { verdict, status, statusClass, durationMs, error, responseBody } = judgement;
  // Object literals of one shape rather than spreads: every finished attempt passes here.
  if (verdict.kind === 'delivered') return { state: 'delivered', status, statusClass, errorCode: null, error, responseBody, durationMs, nextAttemptAt: null };
  if (verdict.kind === 'dead') return { state: 'dead', status, statusClass, errorCode: verdict.code, error, responseBody, durationMs, nextAttemptAt: null };
  const delay = nextRetryDelayMs(attempt - scheduleOffset, connector.retry.scheduleMs, random, judgement.retryAfterMs);
  if (delay === null) {
    return { state: 'dead', status, statusClass, errorCode: 'RETRIES_EXHAUSTED', error: `RETRIES_EXHAUSTED after ${attempt} attempts; last: ${error}`, responseBody, durationMs, nextAttemptAt: null };
  }
  return { state: 'retrying', status, statusClass, errorCode: verdict.code, error, responseBody, durationMs, nextAttemptAt: nowMs + delay };
}

/** The class of an answer's status, or why there was none. */
function statusClassOf(result: HttpResult): StatusClass {
  if (result.kind === 'error') return result.timedOut === true ? 'timeout' : 'network';
  if (result.status >= 500) return '5xx';
  if (result.status >= 400) return '4xx';
  return result.status >= 300 ? '3xx' : '2xx';
}

/**
 * The one-line snippet that goes into the error, made from the body with its secrets already
 * removed: a snippet cut from the raw body could keep the start of a secret the cut split, and
 * collapsing its white space would hide a secret that spans lines (a PEM key) from the redactor.
 */
function withSafeSnippet(result: HttpResult, secrets: readonly string[]): HttpResult {
  if (result.kind !== 'response' || result.errorBody === undefined || secrets.length === 0) return result;
  return { ...result, bodySnippet: snippetOf(redactSecrets(result.errorBody, secrets)) };
}
