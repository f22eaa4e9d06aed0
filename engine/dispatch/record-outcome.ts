/**
 * Finishing one attempt of one delivery: its attempt is recorded, reported with the `attempt`
 * signal, logged (a failure at info or above, a delivery at debug), and a delivery that ended
 * (delivered or dead) is announced with the `outcome` signal.
 *
 * Recording is group committed by the store and not awaited, so a concurrency slot frees as soon
 * as the answer is read; a crash before the commit only means the delivery is sent again
 * (at-least-once). A failed write is logged: the delivery is claimed again once its lease expires.
 */
import type { Logger } from 'pino';
import type { Signals } from '../signals.js';
import type { Store } from '../store/store.js';
import type { DispatchJob } from './dispatch-job.js';
import type { DispatcherSignals } from './dispatcher-signals.js';
import type { AttemptResult } from './judge-attempt.js';

export interface RecordOutcomeOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly signals: Signals<DispatcherSignals>;
}

/** What an attempt sent, recorded with it: its traceparent, and (failed attempts) its request. */
export interface SentWith {
  readonly traceparent: string | null;
  readonly request: string | null;
}

/** Nothing was sent. */
export const NOTHING_SENT: SentWith = { traceparent: null, request: null };

/** Records `result` as the delivery's next attempt; returns true when the delivery ended. */
export type RecordOutcome = (job: DispatchJob, startedAt: number, revision: string, result: AttemptResult, sent: SentWith) => boolean;

export function createOutcomeRecorder(options: RecordOutcomeOptions): RecordOutcome {
  const { store, logger, signals } = options;
  const storeFailed = storeErrorLogger(logger);
  return (job, startedAt, revision, result, sent) => {
    const attempt = job.attemptsMade + 1;
    void store
      .recordAttempt({
        deliveryId: job.deliveryId,
        attempt,
        startedAt,
        durationMs: result.durationMs,
        status: result.status,
        error: result.error,
        errorCode: result.errorCode,
        revision,
        nextState: result.state,
        nextAttemptAt: result.nextAttemptAt,
        responseBody: result.responseBody,
        request: sent.request,
        traceparent: sent.traceparent,
      })
      .catch(storeFailed);
    if (signals.heard('attempt')) {
      const { connector, acceptedAt } = job;
      signals.emit('attempt', { connector, statusClass: result.statusClass, durationMs: result.durationMs, state: result.state, acceptedAt });
    }
    logAttempt(logger, job, attempt, result);
    if (result.state === 'retrying') return false;
    if (signals.heard('outcome')) {
      const { deliveryId, eventId, eventType, connector, route } = job;
      signals.emit('outcome', { deliveryId, eventId, eventType, connector, route, attempts: attempt, lastStatus: result.status, state: result.state });
    }
    return true;
  };
}

/** The level of each attempt's line. A delivery is the normal case (tens of thousands a minute):
 * debug, summed up every minute at info by the metrics. A failed attempt that will be retried is
 * info; a dead delivery needs someone, so it is a warning. */
const ATTEMPT_LOG_LEVEL = { delivered: 'debug', retrying: 'info', dead: 'warn' } as const;

/** One line per attempt, at ATTEMPT_LOG_LEVEL. The fields are built only when the line is
 * written: every finished attempt passes here. */
function logAttempt(logger: Logger, job: DispatchJob, attempt: number, result: AttemptResult): void {
  const level = ATTEMPT_LOG_LEVEL[result.state];
  if (!logger.isLevelEnabled(level)) return;
  const fields = { eventId: job.eventId, deliveryId: job.deliveryId, connector: job.connector, route: job.route, attempt, status: result.status, statusClass: result.statusClass, durationMs: result.durationMs, state: result.state };
  if (result.state === 'delivered') logger.debug(fields, 'delivered');
  else if (result.state === 'dead') logger.warn({ ...fields, error: result.error }, 'dead');
  else logger.info({ ...fields, error: result.error, nextAttemptAt: result.nextAttemptAt === null ? null : new Date(result.nextAttemptAt).toISOString() }, 'retry scheduled');
}

/** How the dispatcher reports a store write that failed: the delivery is sent again later. */
export function storeErrorLogger(logger: Logger): (error: unknown) => void {
  return (error) => logger.error({ err: error }, 'store write failed; the delivery will be retried after its lease expires');
}
