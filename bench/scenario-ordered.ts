/**
 * Scenario (g): ordered connectors. The same connector with `orderingKey: key` over ORDERED_KEYS
 * keys, and without it, each run twice on a fresh engine:
 *   live      the receiver is up while the events are posted;
 *   draining  the events are accepted with the receiver down (the connector's breaker keeps the
 *             engine from spending their retries), then the receiver comes up on the same port.
 * Every event carries its key and its number in that key's sequence, posted so that each key's
 * events are accepted in order (keyedBatches); the receiver checks that each key's numbers arrive
 * in order. Live throughput runs from the first POST to the last arrival; a drain from the first
 * arrival to the last (the time from the receiver's start to its first arrival, the breaker's
 * cooldown and probe, is reported beside it).
 */
import { scenarioBudgetMs, type BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import { keyedBatches } from './bench-workload.js';
import { startCountingReceiver, type CountingReceiver } from './counting-receiver.js';
import { startEngineChild } from './engine-process.js';
import { freePort } from './free-port.js';
import type { OrderTally } from './order-check.js';
import { postBatches } from './post-batches.js';
import { perEventUs, perSecond } from './stats.js';

export const ORDERED_KEYS = 1_000;
const ORDERING_KEY = 'key';

export interface OrderedRunResult {
  readonly ordered: boolean;
  readonly draining: boolean;
  readonly eventsPerSecond: number | null;
  readonly acked: number;
  readonly delivered: number;
  readonly order: OrderTally | null;
  /** Draining only: from the receiver's start to its first arrival, ms. */
  readonly upToFirstDeliveryMs: number | null;
  /** Engine CPU (all threads) per delivered event, µs. */
  readonly engineCpuUs: number | null;
  readonly firstError: string | null;
}

export interface OrderedScenarioResult {
  readonly keys: number;
  readonly concurrency: number;
  readonly events: number;
  readonly runs: readonly OrderedRunResult[];
}

export async function runOrderedScenario(receiver: CountingReceiver, options: BenchOptions, log: (line: string) => void): Promise<OrderedScenarioResult> {
  const runs: OrderedRunResult[] = [];
  for (const draining of [false, true]) {
    for (const ordered of [false, true]) {
      const run = await runOnce(receiver, options, ordered, draining).catch((error: unknown): OrderedRunResult => ({
        ordered,
        draining,
        eventsPerSecond: null,
        acked: 0,
        delivered: 0,
        order: null,
        upToFirstDeliveryMs: null,
        engineCpuUs: null,
        firstError: error instanceof Error ? error.message : String(error),
      }));
      log(`    ${ordered ? 'ordered' : 'unordered'}, ${draining ? 'draining' : 'live'}: ${run.eventsPerSecond === null ? 'n/a' : Math.round(run.eventsPerSecond).toLocaleString('en-US')} ev/s`);
      runs.push(run);
    }
  }
  return { keys: ORDERED_KEYS, concurrency: options.concurrency, events: options.orderedEvents, runs };
}

async function runOnce(liveReceiver: CountingReceiver, options: BenchOptions, ordered: boolean, draining: boolean): Promise<OrderedRunResult> {
  const events = options.orderedEvents;
  const dirs = await makeBenchDirs({ concurrency: options.concurrency, keyed: true, outage: true, ...(ordered && { orderingKey: ORDERING_KEY }) });
  const downPort = draining ? await freePort() : null;
  const receiverUrl = downPort === null ? liveReceiver.url : `http://127.0.0.1:${downPort}`;
  let drainReceiver: CountingReceiver | undefined;
  try {
    const engine = await startEngineChild({ connectorsDir: dirs.connectorsDir, dataDir: dirs.dataDir, env: { RECEIVER_URL: receiverUrl } });
    try {
      const deadline = Date.now() + scenarioBudgetMs(events);
      if (!draining) liveReceiver.startWindow(events, { checkOrder: true });
      const cpuAtStart = engine.cpuMs();
      const posted = await postBatches({ url: engine.url, posters: options.posters, batches: keyedBatches(events, options.batchSize, options.posters, ORDERED_KEYS, ordered ? 'go' : 'gu'), deadline });
      let receiver = liveReceiver;
      let upAt: number | null = null;
      if (downPort !== null) {
        upAt = Date.now();
        drainReceiver = await startCountingReceiver(downPort);
        drainReceiver.startWindow(posted.acked, { checkOrder: true });
        receiver = drainReceiver;
      } else receiver.setExpected(posted.acked);
      const window = await receiver.waitForWindow(Math.max(0, deadline - Date.now()), engine.exited);
      const cpuAtEnd = engine.cpuMs();
      const from = draining ? window.firstAt : posted.firstPostAt;
      return {
        ordered,
        draining,
        eventsPerSecond: window.complete ? perSecond(window.received, from, window.lastAt) : null,
        acked: posted.acked,
        delivered: window.received,
        order: window.order,
        upToFirstDeliveryMs: upAt === null || window.firstAt === null ? null : window.firstAt - upAt,
        engineCpuUs: perEventUs(cpuAtStart === null || cpuAtEnd === null ? null : cpuAtEnd - cpuAtStart, window.received),
        firstError: posted.firstError ?? (window.complete ? null : `only ${window.received} of ${posted.acked} deliveries arrived in time`),
      };
    } finally {
      await engine.stop();
    }
  } finally {
    await drainReceiver?.close();
    await dirs.cleanup();
  }
}
