/**
 * Retention, the engine's maintenance: at start and every minute it deletes what is no longer
 * kept (retention-policy.ts says what), through the store's chunked deletes, so ingest and
 * dispatch go on meanwhile. Runs never overlap; `close()` stops one between chunks.
 *
 * The disk guard (settings.maxStoreBytes) has two states:
 *   room  under the maximum, or no maximum: ingest accepts.
 *   full  still over it after deleting every event without deliveries and every delivered
 *         delivery, whatever their windows: ingest refuses with 507 STORE_FULL (see `refusal`).
 * With a maximum, the store's size is also checked every STORE_SIZE_CHECK_SCHEDULE, so that a
 * burst is met within seconds rather than at the next minute, and `full` ends once there is room.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry.js';
import { HmsError } from '../errors.js';
import { oneReplicaAtATime } from '../store/replicas.js';
import type { RetentionResult, Store } from '../store/store.js';
import { retentionPolicy, type RetentionSettings } from './retention-policy.js';

/** Every minute, at second 0 (cron with seconds). */
export const RETENTION_SCHEDULE = '0 * * * * *';
/** How often the disk guard looks at the store's size: every 5 s. */
export const STORE_SIZE_CHECK_SCHEDULE = '*/5 * * * * *';

/** One run, as GET /status shows it. */
export interface RetentionRun {
  /** When it started (epoch ms). */
  readonly at: number;
  readonly deleted: RetentionResult['deleted'];
  /** How long it took, by the engine's clock. */
  readonly ms: number;
  /** Its longest write transaction: the longest it held ingest and dispatch back. */
  readonly longestWriteMs: number;
  /** The most CPU time one of its write transactions took (see RetentionResult). */
  readonly longestWriteCpuMs: number;
}

export interface RetentionOptions {
  readonly store: Store;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: RetentionSettings;
}

export interface Retention {
  /** Deletes what is no longer kept, then applies the disk guard. Concurrent calls share one run. */
  runOnce(): Promise<RetentionRun>;
  /** Runs at once, then on `schedule` (cron with seconds), and checks the size between runs when
   * there is a maximum. Errors are logged; the next run tries again. */
  start(schedule: string): void;
  /** Why ingest must refuse now: STORE_FULL while the disk guard is full, else undefined. */
  refusal(): HmsError | undefined;
  lastRun(): RetentionRun | null;
  close(): Promise<void>;
}

export function createRetention(options: RetentionOptions): Retention {
  const { store, registry, clock, logger, settings } = options;
  const maxBytes = settings.maxStoreBytes;
  const stopping = new AbortController();
  let running: Promise<RetentionRun> | undefined;
  let last: RetentionRun | null = null;
  let full = false;
  const tasks: ScheduledTask[] = [];

  function setFull(now: boolean, dataBytes: number): void {
    if (now === full) return;
    full = now;
    if (full) logger.error({ dataBytes, maxStoreBytes: maxBytes }, 'the store is still past --max-store-size with every delivered delivery deleted: POST /events answers 507 STORE_FULL until there is room (deliver or retry the backlog, discard dead deliveries, or raise --max-store-size)');
    else logger.info({ dataBytes, maxStoreBytes: maxBytes }, 'the store is under --max-store-size again; POST /events accepts events');
  }

  /** The disk guard: shrinks the store when it is past its maximum. */
  async function guard(): Promise<RetentionResult | undefined> {
    if (maxBytes === null) return undefined;
    const { dataBytes } = await store.size();
    if (dataBytes <= maxBytes) {
      setFull(false, dataBytes);
      return undefined;
    }
    const shrunk = await store.shrinkTo(maxBytes, stopping.signal);
    const { deliveries, events } = shrunk.deleted;
    if (deliveries + events > 0) logger.warn({ deleted: shrunk.deleted, dataBytes: shrunk.dataBytes, maxStoreBytes: maxBytes }, `the store was past --max-store-size: deleted the oldest ${deliveries} delivered deliveries and ${events} events, whatever their retention`);
    if (!stopping.signal.aborted) setFull(shrunk.dataBytes > maxBytes, shrunk.dataBytes);
    return shrunk;
  }

  /** On a shared store one replica at a time deletes (the others skip that round: their run
   * deletes nothing, and the next one tries again). */
  async function run(): Promise<RetentionRun> {
    const at = clock.now();
    const done = await oneReplicaAtATime(store.replicas, 'retention', () => store.deleteExpired(retentionPolicy(settings, registry.all(), at), stopping.signal));
    if (!done.ran) {
      logger.debug('another replica runs retention now; this one skips this round');
      return { at, deleted: { deliveries: 0, dead: 0, events: 0 }, ms: 0, longestWriteMs: 0, longestWriteCpuMs: 0 };
    }
    const expired = done.value;
    const guarded = await guard();
    const deleted = {
      deliveries: expired.deleted.deliveries + (guarded?.deleted.deliveries ?? 0),
      dead: expired.deleted.dead,
      events: expired.deleted.events + (guarded?.deleted.events ?? 0),
    };
    last = {
      at,
      deleted,
      ms: clock.now() - at,
      longestWriteMs: Math.max(expired.longestWriteMs, guarded?.longestWriteMs ?? 0),
      longestWriteCpuMs: Math.max(expired.longestWriteCpuMs, guarded?.longestWriteCpuMs ?? 0),
    };
    if (expired.deleted.deliveries + expired.deleted.events > 0) {
      const dead = deleted.dead > 0 ? `, ${deleted.dead} of them dead (per --retain-dead or the connector's retention.dead)` : '';
      logger.info({ deleted: expired.deleted, ms: last.ms, longestWriteMs: round(last.longestWriteMs) }, `retention deleted ${expired.deleted.deliveries} deliveries${dead} and ${expired.deleted.events} events`);
    }
    return last;
  }

  function runOnce(): Promise<RetentionRun> {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  }

  /** Runs `job` unless a run is under way (it ends with the guard anyway), logging failures. */
  function inBackground(job: () => Promise<unknown>): void {
    if (running !== undefined || stopping.signal.aborted) return;
    job().catch((error: unknown) => logger.error({ err: error }, 'retention failed; it runs again on schedule'));
  }

  /** Between runs: a full store, or one that has grown past its maximum, gets a run now. */
  async function checkSize(): Promise<void> {
    if (maxBytes === null) return;
    if (full || (await store.size()).dataBytes > maxBytes) await runOnce();
  }

  return {
    runOnce,
    start(schedule) {
      inBackground(runOnce);
      const every = (expression: string, job: () => Promise<unknown>) =>
        tasks.push(cron.schedule(expression, () => inBackground(job), { noOverlap: true, name: `hms-sync-retention ${expression}` }));
      every(schedule, runOnce);
      if (maxBytes !== null) every(STORE_SIZE_CHECK_SCHEDULE, checkSize);
    },
    refusal() {
      if (!full) return undefined;
      return new HmsError(
        'STORE_FULL',
        `the store is past its maximum size (--max-store-size, ${maxBytes} bytes) and retention may delete nothing more; nothing of this request was stored, so send it again later (operators: see "store" in GET /status)`,
        { retryable: true },
      );
    },
    lastRun: () => last,
    async close() {
      stopping.abort();
      await Promise.all(tasks.map((task) => task.destroy()));
      tasks.length = 0;
      await running?.catch(() => undefined);
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
