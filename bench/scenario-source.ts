/**
 * A source scenario (`npm run bench -- --sources`), one per broker: the same number of events is
 * put in two queues of one broker before anything reads them. A plain client loop drains the
 * first, acknowledging each message without storing it: the broker's raw consume-and-ack rate,
 * measured in this run. Then an engine child process reads the second through a source, storing
 * each event durably before it acknowledges it, and delivers it to the receiver. The clock starts
 * when the engine is sent SIGHUP with the source file just written (the reload starts the source),
 * so neither the engine's start nor the filling is counted.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scenarioBudgetMs, type BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import type { CountingReceiver } from './counting-receiver.js';
import { startEngineChild } from './engine-process.js';
import { requestJson } from './http-json.js';
import { ownCpuMs } from './process-cpu.js';
import type { SourceBroker } from './source-brokers.js';
import { perEventUs, perSecond } from './stats.js';

/** How often the engine's GET /status is read for the source's accepted count (each read costs the engine some CPU). */
const STATUS_POLL_MS = 250;

export interface SourceScenarioResult {
  readonly broker: string;
  readonly events: number;
  /** The plain client loop: consumed and acknowledged per second, and its CPU per event. */
  readonly rawEventsPerSecond: number | null;
  readonly rawCpuUs: number | null;
  /** The engine: stored (and acknowledged) per second, delivered per second, its CPU per event. */
  readonly storedEventsPerSecond: number | null;
  readonly deliveredEventsPerSecond: number | null;
  readonly engineCpuUs: number | null;
  /** stored / raw. */
  readonly ratio: number | null;
  readonly firstError: string | null;
}

export async function runSourceScenario(broker: SourceBroker, receiver: CountingReceiver, options: BenchOptions, log: (line: string) => void): Promise<SourceScenarioResult> {
  try {
    return await measure(broker, receiver, options, log);
  } finally {
    await broker.stop();
  }
}

async function measure(broker: SourceBroker, receiver: CountingReceiver, options: BenchOptions, log: (line: string) => void): Promise<SourceScenarioResult> {
  const { events } = options;
  await broker.fill('raw', events);
  await broker.fill('engine', events);
  log(`    ${events.toLocaleString('en-US')} events in each of two queues`);

  const rawCpu = process.cpuUsage();
  const rawStart = Date.now();
  await broker.drainRaw('raw', events);
  const rawEnd = Date.now();
  const rawCpuMs = ownCpuMs(rawCpu);
  log(`    raw client loop: ${((rawEnd - rawStart) / 1000).toFixed(1)} s`);

  const dirs = await makeBenchDirs({ concurrency: options.concurrency });
  const sourcesDir = join(dirs.dataDir, '..', 'sources.d');
  await mkdir(sourcesDir);
  try {
    const engine = await startEngineChild({ connectorsDir: dirs.connectorsDir, sourcesDir, dataDir: dirs.dataDir, env: { RECEIVER_URL: receiver.url } });
    try {
      const deadline = Date.now() + scenarioBudgetMs(events);
      receiver.startWindow(events);
      await writeFile(join(sourcesDir, 'bench.yaml'), broker.sourceYaml('engine'));
      const cpuAtStart = engine.cpuMs();
      const start = Date.now();
      process.kill(engine.pid, 'SIGHUP');
      let storedAt: number | null = null;
      while (storedAt === null && Date.now() < deadline) {
        const status = await requestJson('GET', `${engine.url}/status`).catch(() => undefined);
        const accepted = (status?.body as { sources?: { acceptedTotal: number }[] } | undefined)?.sources?.[0]?.acceptedTotal ?? 0;
        if (accepted >= events) storedAt = Date.now();
        else await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
      }
      const window = await receiver.waitForWindow(Math.max(0, deadline - Date.now()), engine.exited);
      const cpuAtEnd = engine.cpuMs();
      const stored = perSecond(events, start, storedAt);
      const raw = perSecond(events, rawStart, rawEnd);
      return {
        broker: broker.name,
        events,
        rawEventsPerSecond: raw,
        rawCpuUs: perEventUs(rawCpuMs, events),
        storedEventsPerSecond: stored,
        deliveredEventsPerSecond: window.complete ? perSecond(events, start, window.lastAt) : null,
        engineCpuUs: perEventUs(cpuAtStart === null || cpuAtEnd === null ? null : cpuAtEnd - cpuAtStart, events),
        ratio: stored !== null && raw !== null ? stored / raw : null,
        firstError: storedAt === null ? `the engine stored fewer than ${events} events in time:\n${engine.outputTail()}` : window.complete ? null : `only ${window.received} of ${events} deliveries arrived in time`,
      };
    } finally {
      await engine.stop();
    }
  } finally {
    await dirs.cleanup();
  }
}
