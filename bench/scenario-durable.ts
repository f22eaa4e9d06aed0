/**
 * Scenario (c): durable ingest with the receiver down. A second engine's connector points at a
 * closed port, so every delivery fails and is stored for retry while events keep coming in. The
 * figure is acknowledged (202) events per second; afterwards a few events are looked up with
 * GET /events/:id to confirm their deliveries were stored and are waiting (retrying/pending).
 */
import { scenarioBudgetMs, type BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import { startEngineChild } from './engine-process.js';
import { freePort } from './free-port.js';
import { requestJson } from './http-json.js';
import { postBatches } from './post-batches.js';
import { perEventUs, perSecond } from './stats.js';

/** Delivery states that mean "stored, not delivered, not given up". */
const WAITING_STATES = new Set(['retrying', 'pending', 'inflight']);
/** Which events to look up, as fractions of the run. */
const SAMPLE_POINTS = [0, 0.25, 0.5, 0.75, 1];

export interface DurableScenarioResult {
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

export async function runDurableScenario(options: BenchOptions): Promise<DurableScenarioResult> {
  const dirs = await makeBenchDirs(options.concurrency);
  const closedPort = await freePort();
  try {
    const engine = await startEngineChild({ connectorsDir: dirs.connectorsDir, dataDir: dirs.dataDir, env: { RECEIVER_URL: `http://127.0.0.1:${closedPort}` } });
    try {
      const deadline = Date.now() + scenarioBudgetMs(options.events);
      const cpuAtStart = engine.cpuMs();
      const posted = await postBatches({ url: engine.url, events: options.events, batchSize: options.batchSize, posters: options.posters, idPrefix: 'c', deadline });
      const cpuAtEnd = engine.cpuMs();
      const sampleStates: Record<string, number> = {};
      let confirmed = 0;
      const indexes = [...new Set(SAMPLE_POINTS.map((point) => Math.min(options.events - 1, Math.floor(point * options.events))))];
      for (const index of indexes) {
        const answer = await requestJson('GET', `${engine.url}/events/c-${index}`).catch(() => undefined);
        const deliveries = answer?.status === 200 ? ((answer.body as { deliveries?: { state: string }[] }).deliveries ?? []) : [];
        for (const delivery of deliveries) sampleStates[delivery.state] = (sampleStates[delivery.state] ?? 0) + 1;
        if (answer?.status !== 200) sampleStates[`HTTP ${answer?.status ?? 'error'}`] = (sampleStates[`HTTP ${answer?.status ?? 'error'}`] ?? 0) + 1;
        if (deliveries.length > 0 && deliveries.every((delivery) => WAITING_STATES.has(delivery.state))) confirmed += 1;
      }
      const peak = engine.peakRssBytes();
      return {
        ackedEventsPerSecond: perSecond(posted.acked, posted.firstPostAt, posted.lastAckAt),
        expected: options.events,
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
