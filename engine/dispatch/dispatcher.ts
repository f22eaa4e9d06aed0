/**
 * Sends deliveries. A delivery reaches the dispatcher either fresh from ingest (never waiting for
 * the sweep) or claimed by the sweep (retries, crash recovery, overflow). Each connector has its
 * own lane: a FIFO and a count of requests in flight, bounded by the connector's `concurrency` as
 * configured when the request starts.
 *
 * One delivery attempt is a short chain of named steps: resolve the connector's current config,
 * render the request (JSONata), send it, then record success or failure. Recording is group
 * committed by the store and not awaited, so a slot frees as soon as the response is read; a
 * crash before the commit only means the delivery is sent again (at-least-once).
 *
 * The dispatcher holds at most `maxHeld` deliveries in memory; past that, ingest leaves fresh
 * deliveries due in the store and the sweep feeds them in as room frees (`onRoom`).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CompiledConnector, CompiledRoute } from '../config/compiled.js';
import type { Registry } from '../config/registry.js';
import { describeFailure } from '../bus/match-routes.js';
import { HmsError, type ErrorCode } from '../errors.js';
import type { Store } from '../store/store.js';
import { classify } from './classify.js';
import { Fifo } from './fifo.js';
import type { HttpClient, HttpResult } from './http-client.js';
import { redactSecrets } from './redact.js';
import { renderRequest } from './render-request.js';
import { nextRetryDelayMs } from './retry-policy.js';

export interface DispatchJob {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly connector: string;
  readonly route: string;
  readonly attemptsMade: number;
  /** Attempts made before the delivery's current retry schedule started (0 unless re-driven). */
  readonly scheduleOffset: number;
  /** The event as emitted. */
  readonly event: unknown;
  /** True when the sweep claimed it (already `inflight` with a lease in the store). */
  readonly claimed: boolean;
}

export interface DispatcherOptions {
  readonly store: Store;
  readonly registry: Registry;
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly userAgent: string;
  readonly leaseMs: number;
  readonly maxHeld: number;
  /** Called when the dispatcher had no room and now has some again. */
  readonly onRoom?: () => void;
  /** The config revision label recorded with each attempt; defaults to 'unversioned'. */
  readonly revision?: () => string;
}

export interface Dispatcher {
  submit(job: DispatchJob): void;
  /** How many more deliveries it will hold in memory. */
  room(): number;
  /** Ids of every delivery it holds (queued or in flight). */
  readonly held: ReadonlySet<string>;
  /** Stops starting requests and waits (at most `timeoutMs`) for those in flight. */
  close(timeoutMs: number): Promise<void>;
}

interface Lane {
  active: number;
  readonly queue: Fifo<DispatchJob>;
}

interface Outcome {
  readonly state: 'delivered' | 'retrying' | 'dead';
  readonly status: number | null;
  /** The catalogue code of the failure (stored so dead deliveries can be re-driven by cause). */
  readonly errorCode: ErrorCode | null;
  readonly error: string | null;
  readonly durationMs: number;
  readonly nextAttemptAt: number | null;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, registry, http, clock, logger } = options;
  const revision = options.revision ?? (() => 'unversioned');
  const lanes = new Map<string, Lane>();
  const held = new Set<string>();
  let activeTotal = 0;
  let wasFull = false;
  let closing = false;
  let idle: (() => void) | undefined;

  function laneFor(name: string): Lane {
    let lane = lanes.get(name);
    if (!lane) {
      lane = { active: 0, queue: new Fifo() };
      lanes.set(name, lane);
    }
    return lane;
  }

  function pump(name: string, lane: Lane): void {
    const limit = registry.get(name)?.concurrency ?? 1;
    while (!closing && lane.active < limit && lane.queue.length > 0) {
      const job = lane.queue.shift()!;
      lane.active += 1;
      activeTotal += 1;
      void attempt(job).finally(() => {
        lane.active -= 1;
        activeTotal -= 1;
        release(job);
        pump(name, lane);
      });
    }
  }

  function release(job: DispatchJob): void {
    held.delete(job.deliveryId);
    if (activeTotal === 0 && idle) idle();
    if (wasFull && held.size <= options.maxHeld / 2 && !closing) {
      wasFull = false;
      options.onRoom?.();
    }
  }

  async function attempt(job: DispatchJob): Promise<void> {
    const connector = registry.get(job.connector);
    if (!connector) {
      await park(job);
      return;
    }
    const number = job.attemptsMade + 1;
    const startedAt = clock.now();
    const attemptRevision = revision();
    const route = connector.routes.find((candidate) => candidate.key === job.route);
    let outcome: Outcome;
    try {
      if (!route) {
        throw new HmsError('MAPPING_FAILED', `route "${job.route}" no longer exists in connector "${connector.name}" (${connector.file})`);
      }
      const request = await renderRequest(connector, route, job.event, { deliveryId: job.deliveryId, userAgent: options.userAgent });
      if (!job.claimed) void store.markInflight([job.deliveryId], clock.now() + options.leaseMs).catch(logStoreError);
      outcome = judge(connector, job, number, await http.send(request));
    } catch (error) {
      outcome = mappingFailure(error, clock.now() - startedAt);
    }
    finish(job, connector, route, number, startedAt, attemptRevision, outcome);
  }

  function judge(connector: CompiledConnector, job: DispatchJob, number: number, result: HttpResult): Outcome {
    const status = result.kind === 'response' ? result.status : null;
    const verdict = classify(result);
    const { durationMs } = result;
    if (verdict.outcome === 'delivered') return { state: 'delivered', status, errorCode: null, error: null, durationMs, nextAttemptAt: null };
    const error = redactSecrets(verdict.reason, connector.secrets);
    if (verdict.outcome === 'dead') return { state: 'dead', status, errorCode: verdict.code, error, durationMs, nextAttemptAt: null };
    const delay = nextRetryDelayMs(number - job.scheduleOffset, connector.retry.scheduleMs, options.random);
    if (delay === null) {
      const exhausted = `RETRIES_EXHAUSTED after ${number} attempts; last: ${error}`;
      return { state: 'dead', status, errorCode: 'RETRIES_EXHAUSTED', error: exhausted, durationMs, nextAttemptAt: null };
    }
    return { state: 'retrying', status, errorCode: verdict.code, error, durationMs, nextAttemptAt: clock.now() + delay };
  }

  function finish(job: DispatchJob, connector: CompiledConnector, route: CompiledRoute | undefined, number: number, startedAt: number, attemptRevision: string, outcome: Outcome): void {
    void store
      .recordAttempt({
        deliveryId: job.deliveryId,
        attempt: number,
        startedAt,
        durationMs: outcome.durationMs,
        status: outcome.status,
        error: outcome.error === null ? null : redactSecrets(outcome.error, connector.secrets),
        errorCode: outcome.errorCode,
        revision: attemptRevision,
        nextState: outcome.state,
        nextAttemptAt: outcome.nextAttemptAt,
      })
      .catch(logStoreError);
    const fields = {
      eventId: job.eventId,
      deliveryId: job.deliveryId,
      connector: connector.name,
      route: route?.key ?? job.route,
      attempt: number,
      status: outcome.status,
      durationMs: outcome.durationMs,
      state: outcome.state,
    };
    if (outcome.state === 'delivered') logger.info(fields, 'delivered');
    else logger.warn({ ...fields, error: outcome.error, nextAttemptAt: outcome.nextAttemptAt }, outcome.state === 'dead' ? 'dead' : 'retry scheduled');
  }

  async function park(job: DispatchJob): Promise<void> {
    try {
      await store.reconcileConnectors(registry.names(), clock.now());
      logger.warn({ eventId: job.eventId, deliveryId: job.deliveryId, connector: job.connector }, 'parked: connector not configured');
    } catch (error) {
      logStoreError(error);
    }
  }

  function logStoreError(error: unknown): void {
    logger.error({ err: error }, 'store write failed; the delivery will be retried after its lease expires');
  }

  return {
    held,
    submit(job) {
      if (held.has(job.deliveryId)) return;
      held.add(job.deliveryId);
      if (held.size >= options.maxHeld) wasFull = true;
      const lane = laneFor(job.connector);
      lane.queue.push(job);
      pump(job.connector, lane);
    },
    room() {
      const room = options.maxHeld - held.size;
      if (room <= 0) wasFull = true;
      return Math.max(0, room);
    },
    async close(timeoutMs) {
      closing = true;
      if (activeTotal === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}

function mappingFailure(error: unknown, durationMs: number): Outcome {
  const errorCode = error instanceof HmsError ? error.code : 'MAPPING_FAILED';
  return { state: 'dead', status: null, errorCode, error: describeFailure(error), durationMs, nextAttemptAt: null };
}
