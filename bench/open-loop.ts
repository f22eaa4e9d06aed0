/**
 * An open-loop load: events go out on a fixed schedule whatever the engine answers, so a slow
 * answer does not slow the load down and hide its own delay (closed-loop posters wait for each
 * 202). Each tick of TICK_MS sends, in one POST, the events that fell due during it, stamped with
 * the tick's scheduled time: a late timer or a request queued behind busy connections counts in
 * the latency, as it would for a real client.
 */
import { Pool } from 'undici';
import { benchEvent, type BenchEvent } from './bench-workload.js';
import { POST_TIMEOUT_MS } from './post-batches.js';

/** Length of one tick: the events due in it share one POST /events. */
export const TICK_MS = 10;
/** Connections to the engine; requests beyond them wait in the client, still on the clock. */
const OPEN_LOOP_CONNECTIONS = 64;
/** Delay before the first tick, so the schedule does not start behind. */
const START_DELAY_MS = 20;

/** Events due in the first `elapsedMs` of a run at `ratePerSecond`. */
export function eventsDueBy(ratePerSecond: number, elapsedMs: number): number {
  return Math.floor((ratePerSecond * elapsedMs) / 1000);
}

/** Events of tick `tick` (from 0): those that fall due during it. Over a run they add up to eventsDueBy(rate, ticks × tickMs). */
export function eventsInTick(ratePerSecond: number, tickMs: number, tick: number): number {
  return eventsDueBy(ratePerSecond, (tick + 1) * tickMs) - eventsDueBy(ratePerSecond, tick * tickMs);
}

export interface OpenLoopOptions {
  readonly url: string;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly idPrefix: string;
}

export interface OpenLoopResult {
  /** Events scheduled, acknowledged (202), and in batches that failed. */
  readonly scheduled: number;
  readonly acked: number;
  readonly failed: number;
  readonly firstError: string | null;
  /** Latest a tick's POST started after its scheduled time, ms: how far the sender itself fell behind. */
  readonly maxSendLagMs: number;
}

/** Total events a run of `durationMs` schedules. */
export function scheduledEvents(ratePerSecond: number, durationMs: number): number {
  return eventsDueBy(ratePerSecond, Math.ceil(durationMs / TICK_MS) * TICK_MS);
}

export async function sendOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const pool = new Pool(options.url, { connections: OPEN_LOOP_CONNECTIONS });
  const ticks = Math.ceil(options.durationMs / TICK_MS);
  const startAt = Date.now() + START_DELAY_MS;
  const requests: Promise<void>[] = [];
  let nextId = 0;
  let scheduled = 0;
  let acked = 0;
  let failed = 0;
  let firstError: string | null = null;
  let maxSendLagMs = 0;

  const send = async (events: BenchEvent[]): Promise<void> => {
    try {
      const response = await pool.request({ method: 'POST', path: '/events', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events), headersTimeout: POST_TIMEOUT_MS, bodyTimeout: POST_TIMEOUT_MS });
      const text = await response.body.text();
      if (response.statusCode === 202) acked += events.length;
      else {
        failed += events.length;
        firstError ??= `HTTP ${response.statusCode}: ${text.slice(0, 300)}`;
      }
    } catch (error) {
      failed += events.length;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  };

  try {
    for (let tick = 0; tick < ticks; ) {
      const now = Date.now();
      // Every tick whose time has come goes now, a late timer's backlog included.
      for (; tick < ticks && startAt + tick * TICK_MS <= now; tick++) {
        const dueAt = startAt + tick * TICK_MS;
        maxSendLagMs = Math.max(maxSendLagMs, now - dueAt);
        const events: BenchEvent[] = [];
        for (let n = eventsInTick(options.ratePerSecond, TICK_MS, tick); n > 0; n--) events.push(benchEvent(`${options.idPrefix}-${nextId++}`, dueAt));
        scheduled += events.length;
        if (events.length > 0) requests.push(send(events));
      }
      if (tick < ticks) await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt + tick * TICK_MS - Date.now())));
    }
    await Promise.all(requests);
  } finally {
    await pool.close();
  }
  return { scheduled, acked, failed, firstError, maxSendLagMs };
}
