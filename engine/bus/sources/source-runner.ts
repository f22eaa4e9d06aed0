/**
 * Runs one source: takes messages, turns them into events, stores them through the same ingest
 * as POST /events, and acknowledges each message only once its event is durably stored.
 *
 * States:
 *   connecting  a fresh adapter connects; on failure the runner waits (backoff.ts) and tries again
 *   consuming   take → convert → reject poison at once → store in order → ack, repeated
 *   lost        the connection failed (take, ack or reject rejected): batches in flight finish or
 *               give up, the adapter is closed, and the runner waits and connects again
 *   draining    stop() was called: nothing more is taken; batches in flight are stored and
 *               acknowledged (for at most drainTimeoutMs), then the adapter is closed
 *   stopped
 *
 * Rules:
 * - At most `maxInFlight` messages are held; when the store refuses (STORE_UNAVAILABLE,
 *   INGEST_BUSY, ENGINE_CLOSED) the batch is retried with backoff, so the source stops taking
 *   and resumes by itself. Nothing is nacked for it.
 * - Batches are stored one after another, in the order taken, so events are stored in the order
 *   the source handed them over; each batch is all that was taken while the one before was stored.
 * - A message that cannot become an event is rejected once (message-to-event.ts), logged with its
 *   position, counted, and listed in the status.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { CompiledSource } from '../../config/sources/compiled-source.js';
import type { SyncEvent } from '../../model.js';
import type { Signals } from '../../signals.js';
import { backoffDelayMs } from './backoff.js';
import { consumeSession, type SourceIngest, type SourceSignals } from './consume-session.js';
import type { SourceAdapter } from './source-adapter.js';
import { createSourceTally, type SourceStatus } from './source-tally.js';
import { sleep } from './wake-up.js';

export type { SourceSignals } from './consume-session.js';

/** How long a connection must have held for its loss to count as a first failure again. */
export const STABLE_CONNECTION_MS = 10_000;

export interface SourceRunnerOptions {
  readonly source: CompiledSource;
  readonly createAdapter: (source: CompiledSource) => Promise<SourceAdapter>;
  readonly ingest: SourceIngest;
  readonly signals: Signals<SourceSignals>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  /** Longest stop() waits for batches in flight to be stored; the rest is redelivered later. */
  readonly drainTimeoutMs: number;
}

export interface SourceRunner {
  status(): SourceStatus;
  /** Publishes an outcome event when connected and the source has `outcomes:`; dropped otherwise. */
  publish(event: SyncEvent): void;
  /** Drains and disconnects (see the states above). Idempotent. */
  stop(): Promise<void>;
}

export function startSourceRunner(options: SourceRunnerOptions): SourceRunner {
  const { source, signals } = options;
  const log = options.logger.child({ source: source.name });
  const tally = createSourceTally(source, options.clock);
  const stopping = new AbortController();
  /** Aborted when a drain runs out of time: batches still waiting for the store give up. */
  const abandon = new AbortController();
  let adapter: SourceAdapter | undefined;

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let session: SourceAdapter | undefined;
      let connectedAt: number | undefined;
      try {
        session = await options.createAdapter(source);
        await session.connect();
        adapter = session;
        connectedAt = performance.now();
        tally.setConnected(true);
        log.info('source connected');
        await consumeSession(session, { source, ingest: options.ingest, signals, tally, log, random: options.random, stopping: stopping.signal, abandon: abandon.signal });
      } catch (error) {
        // A connection that held for a while starts the backoff afresh; one that fails at once does not.
        const held = connectedAt !== undefined && performance.now() - connectedAt >= STABLE_CONNECTION_MS;
        failures = held ? 1 : failures + 1;
        log.warn({ err: tally.failed(error), failures }, connectedAt === undefined ? 'source could not connect' : 'source lost its connection');
      }
      adapter = undefined;
      tally.setConnected(false);
      await session?.close().catch((error: unknown) => log.debug({ err: error }, 'closing the source connection failed'));
      if (failures > 0) await sleep(backoffDelayMs(failures, options.random), stopping.signal);
    }
  }

  const running = run();
  let stopped: Promise<void> | undefined;
  return {
    status: () => tally.status(),
    publish(event) {
      const publish = adapter?.publish?.bind(adapter);
      if (source.outcomes === undefined || publish === undefined) return;
      publish(event).catch((error: unknown) => log.debug({ err: error, eventId: event.id }, 'an outcome event could not be published'));
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        const timer = setTimeout(() => abandon.abort(), options.drainTimeoutMs);
        await running;
        clearTimeout(timer);
        log.info({ acceptedTotal: tally.status().acceptedTotal }, 'source stopped');
      })();
      return stopped;
    },
  };
}
