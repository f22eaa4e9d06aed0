/**
 * The retry sweep. On a cron schedule (node-cron, never overlapping) it claims due work from the
 * store, oldest first, in bounded batches, and hands it to the dispatcher: `retrying` deliveries
 * whose time has come, overflow `pending` ones, and `inflight` ones whose lease expired (crash
 * recovery). It claims no more than the dispatcher has room for, nothing of a connector that is
 * not sending now, and (the store's rule) only the first unfinished delivery of an ordering key:
 * the rest of a key goes on in runs (key-runs.ts) as its deliveries end.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { HmsError } from '../errors.js';
import type { Store } from '../store/store.js';
import { claimedJob } from './claimed-job.js';

export const DEFAULT_SWEEP_SCHEDULE = '*/5 * * * * *';
/** Most deliveries claimed by one store call. */
export const SWEEP_BATCH_SIZE = 500;

export interface SweepOptions {
  readonly store: Store;
  readonly dispatcher: Dispatcher;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly leaseMs: number;
}

export interface Sweep {
  /** Claims and dispatches everything due now (as room allows). Concurrent calls share one run. */
  runOnce(): Promise<number>;
  /** Asks for a run soon: now, or right after the current run if one is under way (it may have
   * claimed before the work that prompted the kick was stored). Errors are logged. */
  kick(): void;
  /** Starts running on `schedule` (a cron expression with seconds). */
  start(schedule: string): void;
  close(): Promise<void>;
}

export function validateSweepSchedule(schedule: string): void {
  if (!cron.validate(schedule)) {
    throw new HmsError('USAGE', `sweep schedule "${schedule}" is not a valid cron expression; for every 5 seconds write "*/5 * * * * *"`);
  }
}

export function createSweep(options: SweepOptions): Sweep {
  const { store, dispatcher, registry, clock, logger } = options;
  let running: Promise<number> | undefined;
  let kicked = false;
  let closed = false;
  let task: ScheduledTask | undefined;

  /** Deliveries of a connector that is not sending now (disabled, paused, breaker open) stay in
   * the store, due, until it is. */
  function sendingConnectors(): ReadonlySet<string> {
    const names = registry.names();
    const sending = new Set<string>();
    for (const name of names) if (dispatcher.accepting(name)) sending.add(name);
    return sending.size === names.size ? names : sending;
  }

  async function run(): Promise<number> {
    let claimedTotal = 0;
    for (;;) {
      const limit = Math.min(SWEEP_BATCH_SIZE, dispatcher.room());
      if (limit === 0) break;
      const claimed = await store.claimDue({
        now: clock.now(),
        limit,
        leaseMs: options.leaseMs,
        skip: dispatcher.held,
        connectors: sendingConnectors(),
      });
      for (const delivery of claimed) dispatcher.submit(claimedJob(delivery));
      claimedTotal += claimed.length;
      if (claimed.length < limit) break;
    }
    if (claimedTotal > 0) logger.debug({ claimed: claimedTotal }, 'sweep claimed due deliveries');
    return claimedTotal;
  }

  function runOnce(): Promise<number> {
    running ??= run().finally(() => {
      running = undefined;
      if (kicked) {
        kicked = false;
        kick();
      }
    });
    return running;
  }

  function kick(): void {
    if (closed) return;
    if (running) {
      kicked = true;
      return;
    }
    runOnce().catch((error: unknown) => logger.error({ err: error }, 'sweep failed; it runs again on schedule'));
  }

  return {
    runOnce,
    kick,
    start(schedule) {
      validateSweepSchedule(schedule);
      task = cron.schedule(
        schedule,
        async () => {
          try {
            await runOnce();
          } catch (error) {
            logger.error({ err: error }, 'sweep failed; it runs again on schedule');
          }
        },
        { noOverlap: true, name: 'hms-sync-sweep' },
      );
    },
    async close() {
      closed = true;
      await task?.destroy();
      task = undefined;
      await running?.catch(() => undefined);
    },
  };
}
