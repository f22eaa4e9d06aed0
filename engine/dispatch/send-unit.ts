/**
 * One attempt of one unit of work (a delivery, or a batch of them), as a chain of named steps:
 * prepare the request (JSONata), send it (with the connector's auth and signing), and judge the
 * result, giving one result per delivery. Recording (record-outcome.ts) and the connector-wide
 * effects (410, 429, breaker: connector-state.ts) are the dispatcher's.
 *
 * A batch is judged once: every item gets the same verdict (delivered, retry, dead) and the same
 * Retry-After; each item's own retry schedule sets its due time and says when it has run out, and
 * each gets its own attempt row.
 */
import { createHash } from 'node:crypto';
import type { CompiledConnector, CompiledRoute } from '../config/compiled.js';
import { describeFailure, HmsError, type ErrorCode } from '../errors.js';
import type { Authenticator } from './auth/authenticator.js';
import type { HttpRequest } from './http-client.js';
import { attemptResultFor, judgeResult, type AttemptResult, type Judgement } from './judge-attempt.js';
import { redactSecrets } from './redact.js';
import { mergeHeaders, renderBatchRequest, renderItem, renderRequest } from './render-request.js';
import { sentRequest, storedRequests } from './sent-request.js';
import { attemptTraceparent } from './traceparent.js';

export interface UnitJob {
  readonly deliveryId: string;
  readonly event: unknown;
  readonly attemptsMade: number;
  readonly scheduleOffset: number;
  /** Its event's traceparent, or null. */
  readonly traceparent: string | null;
  /** The replay that created it, or null; a batch's jobs all have the same (batch-items.ts). */
  readonly replayId: string | null;
}

/** What sending needs besides the unit itself. */
export interface SendDependencies {
  readonly authenticator: Authenticator;
  readonly userAgent: string;
  readonly now: () => number;
  readonly random: () => number;
  /** The batch item already rendered for this job with exactly this route (to size it for the
   * batch), or undefined: it is rendered now. */
  readonly renderedItem?: (job: UnitJob, route: CompiledRoute) => { readonly item: unknown } | undefined;
}

export interface UnitResult {
  /** Absent when nothing was sent (the request could not be rendered). */
  readonly judgement?: Judgement;
  /** One per job, in the unit's order. */
  readonly results: readonly AttemptResult[];
  /** The traceparent the request carried, or null (see traceparent.ts). */
  readonly traceparent: string | null;
  /** When the attempt failed, the request as sent (sent-request.ts), stored form, one per job. */
  readonly requests?: readonly string[];
}

/**
 * The Idempotency-Key (and webhook-id) of a batch: `batch_` and 32 hex digits of the SHA-256 of
 * its delivery ids, sorted. A batch retried with the same deliveries sends the same key; a batch
 * of other deliveries is another message.
 */
export function batchIdempotencyKey(deliveryIds: readonly string[]): string {
  return `batch_${createHash('sha256').update([...deliveryIds].sort().join('\n')).digest('hex').slice(0, 32)}`;
}

export async function sendUnit(deps: SendDependencies, connector: CompiledConnector, route: CompiledRoute | undefined, routeKey: string, jobs: readonly [UnitJob, ...UnitJob[]], batch: boolean): Promise<UnitResult> {
  const startedAt = deps.now();
  let request: HttpRequest;
  let messageId: string;
  try {
    if (route === undefined) throw new HmsError('MAPPING_FAILED', `route "${routeKey}" no longer exists in connector "${connector.name}" (${connector.file})`);
    ({ request, messageId } = await prepare(deps, connector, route, jobs, batch));
  } catch (error) {
    const result = notSent(error, connector, deps.now() - startedAt);
    return { results: jobs.map(() => result), traceparent: null };
  }
  // A batch carries one traceparent: its first item's that has one (HTTP has room for one parent).
  const traced = jobs.find((job) => job.traceparent !== null)?.traceparent;
  const traceparent = traced === undefined || traced === null ? null : attemptTraceparent(traced, messageId, jobs[0].attemptsMade + 1, startedAt);
  if (traceparent !== null) request = { ...request, headers: mergeHeaders(request.headers, { traceparent }) };
  const answer = await deps.authenticator.send(connector, request, messageId);
  const now = deps.now();
  const judgement = judgeResult(answer, connector, now);
  // One draw per attempt: the items of a batch retried together stay together.
  const draw = deps.random();
  const results = jobs.map((job) => attemptResultFor(judgement, connector, job.attemptsMade + 1, job.scheduleOffset, () => draw, now));
  if (judgement.verdict.kind === 'delivered') return { judgement, results, traceparent };
  const requests = storedRequests(sentRequest(connector, request, messageId), jobs.map((job) => job.deliveryId), jobs[0].attemptsMade + 1);
  return { judgement, results, traceparent, requests };
}

async function prepare(deps: SendDependencies, connector: CompiledConnector, route: CompiledRoute, jobs: readonly [UnitJob, ...UnitJob[]], batch: boolean): Promise<{ request: HttpRequest; messageId: string }> {
  if (!batch) {
    const messageId = jobs[0].deliveryId;
    return { request: await renderRequest(connector, route, jobs[0].event, { deliveryId: messageId, userAgent: deps.userAgent, replayId: jobs[0].replayId }), messageId };
  }
  const messageId = batchIdempotencyKey(jobs.map((job) => job.deliveryId));
  const items: unknown[] = [];
  for (const job of jobs) {
    const rendered = deps.renderedItem?.(job, route);
    items.push(rendered === undefined ? await renderItem(route, job.event) : rendered.item);
  }
  return { request: await renderBatchRequest(connector, route, jobs[0].event, items, { deliveryId: messageId, userAgent: deps.userAgent, replayId: jobs[0].replayId }), messageId };
}

/** The result when the request could not be rendered: dead, with the mapping error. */
export function notSent(error: unknown, connector: CompiledConnector, durationMs: number): AttemptResult {
  const errorCode: ErrorCode = error instanceof HmsError ? error.code : 'MAPPING_FAILED';
  return { state: 'dead', status: null, statusClass: 'mapping', errorCode, error: redactSecrets(describeFailure(error), connector.secrets), responseBody: null, durationMs, nextAttemptAt: null };
}
