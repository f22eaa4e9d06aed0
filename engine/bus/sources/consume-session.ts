/**
 * One connected session of a source (the `consuming` state of source-runner.ts): takes messages,
 * converts them, rejects poison at once, stores the rest in the order taken and acknowledges each
 * message only once its event is durably stored.
 *
 * Contract: resolves when `stopping` is aborted and what was in flight is stored and acknowledged;
 * rejects when the connection fails (take, ack or reject rejected) or when a drain gave up
 * (`abandon`), after batches in flight have finished or given up. Messages not acknowledged go
 * back to the source with the session.
 */
import type { Logger } from 'pino';
import type { CompiledSource } from '../../config/sources/compiled-source.js';
import { HmsError } from '../../errors.js';
import type { SyncEvent } from '../../model.js';
import type { Signals } from '../../signals.js';
import type { AcceptResult } from '../../store/store.js';
import { backoffDelayMs } from './backoff.js';
import { messageToEvent, type RejectReason } from './message-to-event.js';
import type { SourceAdapter, SourceMessage } from './source-adapter.js';
import type { SourceTally } from './source-tally.js';
import { createWakeUp, sleep } from './wake-up.js';

/** How often a connected source asks its broker how many messages wait. */
const LAG_REFRESH_MS = 5_000;

/** Ingest refusals that mean "wait and try again", never "reject the message". */
const STORE_BUSY_CODES: ReadonlySet<string> = new Set(['STORE_UNAVAILABLE', 'INGEST_BUSY', 'ENGINE_CLOSED']);

export type SourceSignals = {
  /** `count` messages were stored and acknowledged (hms_sync_events_accepted_total{via}). */
  accepted: [source: string, count: number];
  /** A message was rejected (hms_sync_events_rejected_total{reason}). */
  rejected: [source: string, reason: RejectReason];
};

/** Stores events and their deliveries; resolves once they are durable (engine ingest). */
export type SourceIngest = (events: readonly SyncEvent[], via: string) => Promise<readonly AcceptResult[]>;

export interface SessionContext {
  readonly source: CompiledSource;
  readonly ingest: SourceIngest;
  readonly signals: Signals<SourceSignals>;
  readonly tally: SourceTally;
  readonly log: Logger;
  readonly random: () => number;
  /** Aborted by stop(): nothing more is taken, what is in flight is stored. */
  readonly stopping: AbortSignal;
  /** Aborted when a drain runs out of time: batches still waiting for the store give up. */
  readonly abandon: AbortSignal;
}

interface Batch {
  readonly messages: SourceMessage[];
  readonly events: SyncEvent[];
}

export async function consumeSession(session: SourceAdapter, context: SessionContext): Promise<void> {
  const { source, tally, log, signals } = context;
  const lost = new AbortController();
  const until = AbortSignal.any([context.stopping, lost.signal]);
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
        await storeAndAck(session, batch, lost.signal, context);
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
      for (const message of messages) {
        // One at a time: an expression's time budget measures its own evaluation, never the
        // interleaved evaluations of the rest of the take (128 at once timed out on a busy machine).
        const conversion = await messageToEvent(message, source);
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

/** Stores a batch, waiting and trying again while the store is busy or failing, then acknowledges it. */
async function storeAndAck(session: SourceAdapter, batch: Batch, lost: AbortSignal, context: SessionContext): Promise<void> {
  const { source, tally, log } = context;
  for (let failures = 1; ; failures += 1) {
    if (lost.aborted || context.abandon.aborted) throw new HmsError('SOURCE_UNAVAILABLE', 'gave up storing a batch; its messages will be redelivered');
    try {
      await context.ingest(batch.events, source.name);
      break;
    } catch (error) {
      const busy = error instanceof HmsError && STORE_BUSY_CODES.has(error.code);
      const text = tally.failed(error);
      if (busy) log.warn({ err: text, messages: batch.events.length }, 'the store refused a batch; the source waits and tries again');
      else log.error({ err: error, messages: batch.events.length }, 'storing a batch failed; the source waits and tries again');
      await sleep(backoffDelayMs(failures, context.random), AbortSignal.any([lost, context.abandon]));
    }
  }
  await session.ack(batch.messages);
  tally.accepted(batch.messages.length);
  context.signals.emit('accepted', source.name, batch.messages.length);
}
