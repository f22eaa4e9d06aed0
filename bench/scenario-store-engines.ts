/**
 * The store bench's end-to-end runs: scenario (b)'s workload (batches over POST /events, the sink
 * connector, one counting receiver) through one or more engine child processes on one store. With
 * several engines, the posters are split among them and take batches from one shared source, so
 * each engine stores and delivers what it accepted. Throughput runs from the first POST to the
 * last delivery's arrival; CPU per delivered event is summed over the engines, and given apart for
 * the PostgreSQL server (its postmaster and every process it started) when there is one.
 */
import { scenarioBudgetMs, type BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import type { CountingReceiver } from './counting-receiver.js';
import { startEngineChild, type EngineChild } from './engine-process.js';
import { sharedBatches } from './bench-workload.js';
import { postBatches } from './post-batches.js';
import { ownCpuMs } from './process-cpu.js';
import { perEventUs, percentile, perSecond } from './stats.js';

/** Where the engines of one run keep their store: each its own SQLite directory, or one PostgreSQL schema. */
export type BenchStore = { readonly kind: 'sqlite' } | { readonly kind: 'postgres'; readonly url: string; readonly schema: string; readonly serverCpuMs: () => number | null };

export interface StoreRunResult {
  readonly label: string;
  readonly engines: number;
  readonly eventsPerSecond: number | null;
  readonly acked: number;
  readonly delivered: number;
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  /** CPU per delivered event, µs: all engines together; the PostgreSQL server (null on SQLite); the bench process (receiver and posters). */
  readonly engineCpuUs: number | null;
  readonly postgresCpuUs: number | null;
  readonly benchCpuUs: number | null;
  readonly firstError: string | null;
}

export async function runStoreEngines(receiver: CountingReceiver, options: BenchOptions, run: { label: string; engines: number; store: BenchStore; idPrefix: string }, log: (line: string) => void): Promise<StoreRunResult> {
  const dirs = await Promise.all(Array.from({ length: run.engines }, () => makeBenchDirs({ concurrency: options.concurrency })));
  const engines: EngineChild[] = [];
  try {
    // One at a time: each engine's start ends the leases in the schema, and none is held yet.
    for (const dir of dirs) {
      engines.push(await startEngineChild({
        connectorsDir: dir.connectorsDir,
        dataDir: dir.dataDir,
        ...(run.store.kind === 'postgres' && { store: { url: run.store.url, schema: run.store.schema } }),
        env: { RECEIVER_URL: receiver.url },
      }));
    }
    const deadline = Date.now() + scenarioBudgetMs(options.events);
    const serverCpu = run.store.kind === 'postgres' ? run.store.serverCpuMs : () => null;
    receiver.startWindow(options.events);
    const cpuAtStart = engines.map((engine) => engine.cpuMs());
    const serverCpuAtStart = serverCpu();
    const benchCpuAtStart = process.cpuUsage();
    const batches = sharedBatches(options.events, options.batchSize, run.idPrefix);
    const posters = Math.max(1, Math.round(options.posters / run.engines));
    const posts = await Promise.all(engines.map((engine) => postBatches({ url: engine.url, posters, batches, deadline })));
    const acked = posts.reduce((sum, post) => sum + post.acked, 0);
    const firstPostAt = Math.min(...posts.map((post) => post.firstPostAt));
    log(`    ${acked.toLocaleString('en-US')} events acknowledged by ${run.engines} engine(s); waiting for deliveries`);
    receiver.setExpected(acked);
    const window = await receiver.waitForWindow(Math.max(0, deadline - Date.now()), Promise.race(engines.map((engine) => engine.exited)));
    const engineCpuMs = sumCpu(engines.map((engine) => engine.cpuMs()), cpuAtStart);
    const serverCpuAtEnd = serverCpu();
    const firstPostError = posts.find((post) => post.firstError !== null)?.firstError ?? null;
    return {
      label: run.label,
      engines: run.engines,
      eventsPerSecond: window.complete ? perSecond(window.received, firstPostAt, window.lastAt) : null,
      acked,
      delivered: window.received,
      latencyP50Ms: percentile(window.latenciesMs, 50),
      latencyP99Ms: percentile(window.latenciesMs, 99),
      engineCpuUs: perEventUs(engineCpuMs, window.received),
      postgresCpuUs: serverCpuAtStart === null || serverCpuAtEnd === null ? null : perEventUs(serverCpuAtEnd - serverCpuAtStart, window.received),
      benchCpuUs: perEventUs(ownCpuMs(benchCpuAtStart), window.received),
      firstError: firstPostError ?? (window.complete ? null : `only ${window.received} of ${acked} deliveries arrived in time:\n${engines.map((engine) => engine.outputTail().slice(-1_000)).join('\n')}`),
    };
  } finally {
    await Promise.all(engines.map((engine) => engine.stop()));
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  }
}

function sumCpu(atEnd: readonly (number | null)[], atStart: readonly (number | null)[]): number | null {
  let total = 0;
  for (const [index, end] of atEnd.entries()) {
    const start = atStart[index];
    if (end === null || start === null || start === undefined) return null;
    total += end - start;
  }
  return total;
}
