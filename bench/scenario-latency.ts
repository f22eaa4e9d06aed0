/**
 * Scenario (e): latency when the engine is not saturated. An open-loop load (open-loop.ts) at
 * half the rate scenario (b) reached in this run, for `--latency-seconds`, into a fresh engine
 * with the same connector as (b). Latency is each event's scheduled POST time to its arrival at
 * the receiver, so it includes the durable commit before the 202 as well as the delivery.
 */
import type { BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import type { CountingReceiver } from './counting-receiver.js';
import { startEngineChild } from './engine-process.js';
import { scheduledEvents, sendOpenLoop, TICK_MS } from './open-loop.js';
import { perEventUs, percentile, perSecond } from './stats.js';

/** Share of (b)'s end-to-end rate offered. */
export const LATENCY_LOAD_SHARE = 0.5;
/** How long deliveries may still arrive after the last scheduled POST. */
const DRAIN_GRACE_MS = 30_000;

export interface LatencyScenarioResult {
  readonly offeredEventsPerSecond: number;
  readonly seconds: number;
  readonly tickMs: number;
  readonly scheduled: number;
  readonly acked: number;
  readonly delivered: number;
  readonly deliveredEventsPerSecond: number | null;
  readonly firstError: string | null;
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  readonly latencyMaxMs: number | null;
  readonly maxSendLagMs: number;
  /** Engine CPU (all threads) per delivered event, µs. */
  readonly engineCpuUs: number | null;
}

export async function runLatencyScenario(receiver: CountingReceiver, options: BenchOptions, maximumEventsPerSecond: number): Promise<LatencyScenarioResult> {
  const rate = LATENCY_LOAD_SHARE * maximumEventsPerSecond;
  const durationMs = options.latencySeconds * 1000;
  const dirs = await makeBenchDirs({ concurrency: options.concurrency });
  try {
    const engine = await startEngineChild({ connectorsDir: dirs.connectorsDir, dataDir: dirs.dataDir, env: { RECEIVER_URL: receiver.url } });
    try {
      const expected = scheduledEvents(rate, durationMs);
      receiver.startWindow(expected);
      const cpuAtStart = engine.cpuMs();
      const sent = await sendOpenLoop({ url: engine.url, ratePerSecond: rate, durationMs, idPrefix: 'e' });
      receiver.setExpected(sent.acked);
      const window = await receiver.waitForWindow(DRAIN_GRACE_MS, engine.exited);
      const cpuAtEnd = engine.cpuMs();
      const latencies = window.latenciesMs;
      return {
        offeredEventsPerSecond: rate,
        seconds: options.latencySeconds,
        tickMs: TICK_MS,
        scheduled: sent.scheduled,
        acked: sent.acked,
        delivered: window.received,
        deliveredEventsPerSecond: perSecond(window.received, window.firstAt, window.lastAt),
        firstError: sent.firstError ?? (window.complete ? null : `only ${window.received} of ${sent.acked} deliveries arrived within ${DRAIN_GRACE_MS / 1000} s of the last POST`),
        latencyP50Ms: percentile(latencies, 50),
        latencyP99Ms: percentile(latencies, 99),
        latencyMaxMs: percentile(latencies, 100),
        maxSendLagMs: sent.maxSendLagMs,
        engineCpuUs: perEventUs(cpuAtStart === null || cpuAtEnd === null ? null : cpuAtEnd - cpuAtStart, window.received),
      };
    } finally {
      await engine.stop();
    }
  } finally {
    await dirs.cleanup();
  }
}
