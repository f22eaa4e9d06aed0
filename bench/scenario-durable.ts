/**
 * Scenario (c): durable ingest with the receiver down, in one body format per run (JSON arrays,
 * NDJSON, or one event per request from many clients). The connector points at a closed port and
 * has a breaker (bench-workload.ts), which opens after a few failed attempts: from then on the
 * engine does ingest alone, storing each delivery to wait. The figures are acknowledged (202)
 * events per second and the engine's CPU per event; afterwards a few events are looked up with
 * GET /events/:id to confirm their deliveries were stored and are waiting.
 */
import { scenarioBudgetMs, type BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import { startEngineChild } from './engine-process.js';
import { freePort } from './free-port.js';
import { requestJson } from './http-json.js';
import { sharedBatches } from './bench-workload.js';
import { postBatches, type BodyFormat } from './post-batches.js';
import { perEventUs, perSecond } from './stats.js';

/** Delivery states that mean "stored, not delivered, not given up". */
const WAITING_STATES = new Set(['retrying', 'pending', 'inflight']);
/** Which events to look up, as fractions of the run. */
const SAMPLE_POINTS = [0, 0.25, 0.5, 0.75, 1];

export interface IngestRun {
  readonly format: BodyFormat;
  readonly events: number;
  /** Concurrent POST loops (clients), and events per POST (1 for 'single'). */
  readonly posters: number;
  readonly batchSize: number;
}

export interface DurableScenarioResult {
  readonly run: IngestRun;
  /** Answered requests per second (acknowledged events per second / batch size). */
  readonly requestsPerSecond: number | null;
  readonly ackedEventsPerSecond: number | null;
  readonly expected: number;
  readonly acked: number;
  readonly failedBatches: number;
  readonly firstError: string | null;
  readonly seconds: number | null;
  /** Sampled events whose deliveries exist and are all waiting, out of those sampled. */
  readonly confirmed: number;
  readonly sampled: number;
  /** Delivery states seen in the sample, with counts. */
  readonly sampleStates: Readonly<Record<string, number>>;
  readonly peakRssMb: number | null;
  /** Engine CPU (all threads) per acknowledged event while posting, µs: ingest alone, no delivery. */
  readonly engineCpuUs: number | null;
}

export async function runDurableScenario(options: BenchOptions, run: IngestRun): Promise<DurableScenarioResult> {
  const dirs = await makeBenchDirs({ concurrency: options.concurrency, outage: true });
  const closedPort = await freePort();
  try {
    const engine = await startEngineChild({ connectorsDir: dirs.connectorsDir, dataDir: dirs.dataDir, env: { RECEIVER_URL: `http://127.0.0.1:${closedPort}` } });
    try {
      const deadline = Date.now() + scenarioBudgetMs(run.events);
      const cpuAtStart = engine.cpuMs();
      const posted = await postBatches({ url: engine.url, posters: run.posters, batches: sharedBatches(run.events, run.batchSize, 'c'), format: run.format, deadline });
      const cpuAtEnd = engine.cpuMs();
      const sampleStates: Record<string, number> = {};
      let confirmed = 0;
      const indexes = [...new Set(SAMPLE_POINTS.map((point) => Math.min(run.events - 1, Math.floor(point * run.events))))];
      for (const index of indexes) {
        const answer = await requestJson('GET', `${engine.url}/events/c-${index}`).catch(() => undefined);
        const deliveries = answer?.status === 200 ? ((answer.body as { deliveries?: { state: string }[] }).deliveries ?? []) : [];
        for (const delivery of deliveries) sampleStates[delivery.state] = (sampleStates[delivery.state] ?? 0) + 1;
        if (answer?.status !== 200) sampleStates[`HTTP ${answer?.status ?? 'error'}`] = (sampleStates[`HTTP ${answer?.status ?? 'error'}`] ?? 0) + 1;
        if (deliveries.length > 0 && deliveries.every((delivery) => WAITING_STATES.has(delivery.state))) confirmed += 1;
      }
      const peak = engine.peakRssBytes();
      const ackedEventsPerSecond = perSecond(posted.acked, posted.firstPostAt, posted.lastAckAt);
      return {
        run,
        requestsPerSecond: ackedEventsPerSecond === null ? null : ackedEventsPerSecond / run.batchSize,
        ackedEventsPerSecond,
        expected: run.events,
        acked: posted.acked,
        failedBatches: posted.failedBatches,
        firstError: posted.firstError,
        seconds: posted.lastAckAt === null ? null : (posted.lastAckAt - posted.firstPostAt) / 1000,
        confirmed,
        sampled: indexes.length,
        sampleStates,
        peakRssMb: peak === null ? null : peak / 1024 ** 2,
        engineCpuUs: perEventUs(cpuAtStart === null || cpuAtEnd === null ? null : cpuAtEnd - cpuAtStart, posted.acked),
      };
    } finally {
      await engine.stop();
    }
  } finally {
    await dirs.cleanup();
  }
}
