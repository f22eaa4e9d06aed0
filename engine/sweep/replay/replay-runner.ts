/**
 * Runs one replay in the background, a step at a time: take the next matching events from the
 * cursor (as many deliveries as the pace allows), store their deliveries with the replay's new
 * position in one transaction, then hand them to the dispatcher, as ingest hands over fresh ones.
 *
 * Live traffic first: a step waits, earning nothing, while the connector is not sending (paused,
 * disabled, breaker open), while the dispatcher holds nearly all it may (its room is live
 * traffic's), or while the connector's lane already has REPLAY_MAX_WAITING deliveries waiting to
 * start; in the lane a replay's deliveries start only when no live one is ready
 * (dispatch/connector-lane.ts). After a crash the replay resumes at its recorded position: what a
 * step stored was stored with the position past it, so nothing is created twice.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { Registry } from '../../config/registry.js';
import type { Dispatcher, DispatchJob } from '../../dispatch/dispatcher.js';
import type { Timers } from '../../dispatch/timers.js';
import type { NewReplayDelivery, ReplayRecord, Store } from '../../store/store.js';
import { ReplayCursor, type MatchedEvent } from './replay-cursor.js';
import type { ReplayMatcher } from './replay-matcher.js';
import { MAX_STEP_DELIVERIES, ReplayPace } from './replay-pacing.js';

/** Deliveries of the connector waiting in memory to start past which a replay creates no more. */
export const REPLAY_MAX_WAITING = 200;
/** The dispatcher's room under which a replay creates nothing: what is left is live traffic's. */
export const REPLAY_MIN_DISPATCHER_ROOM = 2 * MAX_STEP_DELIVERIES;
/** Shortest gap between two steps, so ingest and deliveries run in between. */
export const REPLAY_STEP_GAP_MS = 10;
/** How long a replay waits before it looks again when it may not create now. */
export const REPLAY_WAIT_MS = 250;
/** How long it waits after a step failed (the store could not write) before trying again. */
export const REPLAY_RETRY_MS = 5_000;

export interface ReplayRunnerOptions {
  readonly store: Store;
  readonly dispatcher: Pick<Dispatcher, 'accepting' | 'room' | 'waiting' | 'submit'>;
  readonly registry: Pick<Registry, 'get'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timers: Timers;
  readonly newId: () => string;
  readonly leaseMs: number;
  readonly matcher: ReplayMatcher;
  /** Deliveries were left in the store (ordered ones, or no room): the sweep should run. */
  readonly kick: () => void;
  /** The replay is over: every matching event has its deliveries, or it was cancelled. */
  readonly ended: (replay: ReplayRecord, how: ReplayEnd) => void;
}

/** How a runner ended: the replay done, cancelled, or advanced by another runner (another replica),
 * which goes on with it. */
export type ReplayEnd = 'done' | 'cancelled' | 'elsewhere';

export interface ReplayRunner {
  /** Stops after the step under way, if any; the replay stays running in the store. */
  stop(): Promise<void>;
}

export function startReplayRunner(replay: ReplayRecord, options: ReplayRunnerOptions): ReplayRunner {
  const { store, dispatcher, clock, logger, timers } = options;
  const pace = new ReplayPace(replay.perSecond, clock.now());
  let recorded = replay.position;
  let cursor = new ReplayCursor(store, replay, options.matcher, recorded);
  let timer: unknown;
  let stepping: Promise<void> | undefined;
  let stopped = false;

  const later = (delayMs: number) => {
    if (!stopped) timer = timers.setTimeout(() => (stepping = step().finally(() => (stepping = undefined))), delayMs);
  };

  const mayCreate = () =>
    options.registry.get(replay.connector) !== undefined &&
    dispatcher.accepting(replay.connector) &&
    dispatcher.room() >= REPLAY_MIN_DISPATCHER_ROOM &&
    dispatcher.waiting(replay.connector) < REPLAY_MAX_WAITING;

  async function step(): Promise<void> {
    if (stopped) return;
    const now = clock.now();
    if (!mayCreate()) {
      pace.restart(now);
      return later(REPLAY_WAIT_MS);
    }
    const budget = pace.allowance(now);
    if (budget === 0) return later(Math.max(REPLAY_STEP_GAP_MS, pace.untilNext(now)));
    try {
      const taken = await cursor.take(budget);
      if (taken.position === recorded && !taken.done) return later(REPLAY_STEP_GAP_MS);
      const deliveries = taken.events.flatMap((event) => deliveriesOf(event, now));
      const applied = await store.recordReplayStep(replay.id, {
        deliveries: deliveries.map(({ delivery }) => delivery),
        position: taken.position ?? 0,
        from: recorded,
        matched: taken.events.length,
        skippedByRetention: taken.skipped,
        done: taken.done,
        now,
      });
      if (!applied) return end((await store.getReplay(replay.id))?.state === 'running' ? 'elsewhere' : 'cancelled');
      recorded = taken.position;
      pace.spent(deliveries.length);
      handOver(deliveries);
      if (taken.done) return end('done');
      later(Math.max(REPLAY_STEP_GAP_MS, pace.untilNext(clock.now())));
    } catch (error) {
      logger.error({ err: error, replay: replay.id, connector: replay.connector }, `replay step failed; it tries again in ${REPLAY_RETRY_MS / 1000} s`);
      cursor = new ReplayCursor(store, replay, options.matcher, recorded);
      later(REPLAY_RETRY_MS);
    }
  }

  /** One delivery per route: dead when its `when` or ordering key failed; handed straight to the
   * dispatcher, leased, unless it is ordered (the store's claim knows what is ahead of it). */
  function deliveriesOf(event: MatchedEvent, now: number): { delivery: NewReplayDelivery; job?: DispatchJob }[] {
    return event.routes.map((planned) => {
      const base = { id: options.newId(), eventId: event.id, connector: replay.connector, route: planned.route, orderingKey: planned.orderingKey };
      if (planned.error !== undefined) return { delivery: { ...base, state: 'dead', nextAttemptAt: null, lastError: planned.error } };
      if (planned.orderingKey !== null) return { delivery: { ...base, state: 'pending', nextAttemptAt: now } };
      const job: DispatchJob = {
        deliveryId: base.id,
        eventId: event.id,
        eventType: event.type,
        connector: replay.connector,
        route: planned.route,
        orderingKey: null,
        attemptsMade: 0,
        scheduleOffset: 0,
        event: event.event,
        acceptedAt: now,
        replayId: replay.id,
        traceparent: event.traceparent,
      };
      return { delivery: { ...base, state: 'inflight', nextAttemptAt: now + options.leaseMs }, job };
    });
  }

  function handOver(deliveries: readonly { delivery: NewReplayDelivery; job?: DispatchJob }[]): void {
    let leftInStore = false;
    for (const { delivery, job } of deliveries) {
      if (job !== undefined) dispatcher.submit(job);
      else if (delivery.state === 'pending') leftInStore = true;
    }
    if (leftInStore) options.kick();
  }

  function end(how: ReplayEnd): void {
    stopped = true;
    options.ended(replay, how);
  }

  later(0);
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      await stepping;
    },
  };
}
