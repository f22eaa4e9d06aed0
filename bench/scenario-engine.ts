/**
 * Scenario (b): the engine end to end, as a child process on a fresh data dir. Events go in over
 * HTTP in batches, through the durable store, the JSONata `when` and map, and out to the receiver.
 * Throughput runs from the first POST to the last delivery's arrival; latency is arrival − sentAt
 * per event; peak RSS is the engine's VmHWM just before it is stopped.
 */
import { scenarioBudgetMs, type BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import type { CountingReceiver } from './counting-receiver.js';
import { startEngineChild } from './engine-process.js';
import { sharedBatches } from './bench-workload.js';
import { postBatches } from './post-batches.js';
import { ownCpuMs } from './process-cpu.js';
import { perEventUs, percentile, perSecond } from './stats.js';

export interface EngineScenarioResult {
  readonly eventsPerSecond: number | null;
  readonly expected: number;
  readonly acked: number;
  readonly delivered: number;
  readonly failedBatches: number;
  readonly firstError: string | null;
  readonly seconds: number | null;
  /** Acknowledged events per second while deliveries were flowing too. */
  readonly ingestEventsPerSecond: number | null;
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  readonly peakRssMb: number | null;
  readonly engineCommand: string;
  /** CPU per delivered event, µs: the engine (all threads), and the bench process (receiver and posters). */
  readonly engineCpuUs: number | null;
  readonly benchCpuUs: number | null;
  /** Bytes of log per delivered event, at the scenario's log level. */
  readonly logBytesPerEvent: number | null;
  /** Set when the engine exited on its own during the run. */
  readonly engineExit: number | string | null;
}

/**
 * `logLevel`: the engine's --log-level; its default (info) when absent, as a user runs it.
 * `profileDir`: run the engine under V8's CPU profiler, which writes its .cpuprofile there when the engine stops.
 */
export async function runEngineScenario(receiver: CountingReceiver, options: BenchOptions, log: (line: string) => void, logLevel?: string, profileDir?: string): Promise<EngineScenarioResult> {
  const dirs = await makeBenchDirs({ concurrency: options.concurrency });
  try {
    const engine = await startEngineChild({
      connectorsDir: dirs.connectorsDir,
      dataDir: dirs.dataDir,
      env: { RECEIVER_URL: receiver.url },
      ...(logLevel !== undefined && { logLevel }),
      ...(profileDir !== undefined && { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] }),
    });
    let engineExit: number | string | null = null;
    void engine.exited.then((code) => (engineExit = code));
    try {
      const deadline = Date.now() + scenarioBudgetMs(options.events);
      receiver.startWindow(options.events);
      const engineCpuAtStart = engine.cpuMs();
      const logBytesAtStart = engine.stdoutBytes();
      const benchCpuAtStart = process.cpuUsage();
      const posted = await postBatches({ url: engine.url, posters: options.posters, batches: sharedBatches(options.events, options.batchSize, 'b'), deadline });
      log(`    ${posted.acked.toLocaleString('en-US')} events acknowledged in ${seconds(posted.firstPostAt, posted.lastAckAt)} s; waiting for deliveries`);
      receiver.setExpected(posted.acked);
      const window = await receiver.waitForWindow(Math.max(0, deadline - Date.now()), engine.exited);
      const peak = engine.peakRssBytes();
      const engineCpuAtEnd = engine.cpuMs();
      const engineCpuMs = engineCpuAtStart === null || engineCpuAtEnd === null ? null : engineCpuAtEnd - engineCpuAtStart;
      return {
        eventsPerSecond: window.complete ? perSecond(window.received, posted.firstPostAt, window.lastAt) : null,
        expected: options.events,
        acked: posted.acked,
        delivered: window.received,
        failedBatches: posted.failedBatches,
        firstError: posted.firstError ?? (window.complete ? null : `only ${window.received} of ${posted.acked} deliveries arrived in time${engineExit === null ? '' : `; engine exited (${engineExit}):\n${engine.outputTail()}`}`),
        seconds: window.lastAt === null ? null : (window.lastAt - posted.firstPostAt) / 1000,
        ingestEventsPerSecond: perSecond(posted.acked, posted.firstPostAt, posted.lastAckAt),
        latencyP50Ms: percentile(window.latenciesMs, 50),
        latencyP99Ms: percentile(window.latenciesMs, 99),
        peakRssMb: peak === null ? null : peak / 1024 ** 2,
        engineCpuUs: perEventUs(engineCpuMs, window.received),
        benchCpuUs: perEventUs(ownCpuMs(benchCpuAtStart), window.received),
        logBytesPerEvent: window.received > 0 ? (engine.stdoutBytes() - logBytesAtStart) / window.received : null,
        engineCommand: engine.command,
        engineExit,
      };
    } finally {
      await engine.stop();
    }
  } finally {
    await dirs.cleanup();
  }
}

function seconds(from: number, to: number | null): string {
  return to === null ? '?' : ((to - from) / 1000).toFixed(1);
}
