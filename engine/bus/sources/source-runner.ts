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
import { HmsError } from '../../errors.js';
import type { SyncEvent } from '../../model.js';
import type { Signals } from '../../signals.js';
import type { AcceptResult } from '../../store/store.js';
import { backoffDelayMs } from './backoff.js';
import { messageToEvent, type RejectReason } from './message-to-event.js';
import type { SourceAdapter, SourceMessage } from './source-adapter.js';
import { createSourceTally, type SourceStatus } from './source-tally.js';
import { createWakeUp, sleep } from './wake-up.js';

/** How often a connected source asks its broker how many messages wait. */
export const LAG_REFRESH_MS = 5_000;

/** How long a connection must have held for its loss to count as a first failure again. */
export const STABLE_CONNECTION_MS = 10_000;

/** Ingest refusals that mean "wait and try again", never "reject the message". */
const STORE_BUSY_CODES: ReadonlySet<string> = new Set(['STORE_UNAVAILABLE', 'INGEST_BUSY', 'ENGINE_CLOSED']);

export type SourceSignals = {
  /** `count` messages were stored and acknowledged (hms_sync_events_accepted_total{via}). */
  accepted: [source: string, count: number];
  /** A message was rejected (hms_sync_events_rejected_total{reason}). */
  rejected: [source: string, reason: RejectReason];
};

export interface SourceRunnerOptions {
  readonly source: CompiledSource;
  readonly createAdapter: (source: CompiledSource) => Promise<SourceAdapter>;
  /** Stores events and their deliveries; resolves once they are durable (engine ingest). */
  readonly ingest: (events: readonly SyncEvent[], via: string) => Promise<readonly AcceptResult[]>;
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

interface Batch {
  readonly messages: SourceMessage[];
  readonly events: SyncEvent[];
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
        await consume(session);
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

  /** Takes and stores until stopped (resolves) or until the connection fails (rejects). */
  async function consume(session: SourceAdapter): Promise<void> {
    const lost = new AbortController();
    const until = AbortSignal.any([stopping.signal, lost.signal]);
    const room = createWakeUp();
    let held = 0;
    let failure: unknown;
    /** Converted and waiting to be stored: everything taken while the previous batch was being stored. */
    let queued: Batch = { messages: [], events: [] };
    let storing: Promise<void> | undefined;
    const settle = (count: number) => {
      held -= count;
      tally.held(-count);
      room.wake();
    };
    // One ingest at a time, in the order taken, each storing all that queued up meanwhile: a
    // source's events commit in its order, in as few commits as the store's pace allows.
    const storeQueued = async () => {
      while (queued.messages.length > 0 && failure === undefined) {
        const batch = queued;
        queued = { messages: [], events: [] };
        try {
          await storeAndAck(session, batch, lost.signal);
          settle(batch.messages.length);
        } catch (error) {
          failure ??= error;
          lost.abort();
        }
      }
    };
    const kick = (): void => {
      storing ??= storeQueued().finally(() => {
        storing = undefined;
        if (queued.messages.length > 0 && failure === undefined) kick();
      });
    };
    const refreshLag = () => void session.lag().then((lag) => tally.setLag(lag), () => undefined);
    refreshLag();
    const lagTimer = setInterval(refreshLag, LAG_REFRESH_MS);
    try {
      // Half of maxInFlight at a time, once that much room is free: more is taken while what came
      // before is stored, and each take (a pull request, an outbox transaction) is worth its round trip.
      const chunk = Math.ceil(source.maxInFlight / 2);
      while (!until.aborted) {
        if (held > source.maxInFlight - chunk) {
          await room.wait(until);
          continue;
        }
        const messages = await session.take(chunk, until);
        if (messages.length === 0) continue;
        held += messages.length;
        tally.held(messages.length);
        const conversions = await Promise.all(messages.map((message) => messageToEvent(message, source)));
        for (const [index, message] of messages.entries()) {
          const conversion = conversions[index]!;
          if (conversion.ok) {
            queued.messages.push(message);
            queued.events.push(conversion.event);
            continue;
          }
          const rejection = tally.rejected({ reason: conversion.reason, position: message.position, message: conversion.message });
          log.warn({ position: rejection.position, reason: rejection.reason, detail: rejection.message }, 'message rejected: it cannot become an event');
          signals.emit('rejected', source.name, conversion.reason);
          await session.reject(message, `SOURCE_MESSAGE_REJECTED (${conversion.reason}): ${rejection.message}`);
          settle(1);
        }
        kick();
      }
    } catch (error) {
      // The connection failed: what waits for the store gives up, as it could not be acknowledged.
      lost.abort();
      throw error;
    } finally {
      clearInterval(lagTimer);
      while (storing) await storing;
      // What the session still holds goes back to the source with it.
      tally.held(-held);
    }
    if (failure !== undefined) throw failure;
  }

  async function storeAndAck(session: SourceAdapter, batch: Batch, lost: AbortSignal): Promise<void> {
    for (let failures = 1; ; failures += 1) {
      if (lost.aborted || abandon.signal.aborted) throw new HmsError('SOURCE_UNAVAILABLE', 'gave up storing a batch; its messages will be redelivered');
      try {
        await options.ingest(batch.events, source.name);
        break;
      } catch (error) {
        const busy = error instanceof HmsError && STORE_BUSY_CODES.has(error.code);
        const text = tally.failed(error);
        if (busy) log.warn({ err: text, messages: batch.events.length }, 'the store refused a batch; the source waits and tries again');
        else log.error({ err: error, messages: batch.events.length }, 'storing a batch failed; the source waits and tries again');
        await sleep(backoffDelayMs(failures, options.random), AbortSignal.any([lost, abandon.signal]));
      }
    }
    await session.ack(batch.messages);
    tally.accepted(batch.messages.length);
    signals.emit('accepted', source.name, batch.messages.length);
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
