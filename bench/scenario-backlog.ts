/**
 * Scenarios (h) and (i): a backlog of `--backlog-events` deliveries, then a crash with it waiting.
 *   1. Engine E1, receiver down (its port reserved, nothing listening; the connector's breaker
 *      keeps E1 from spending retries): the events are posted in BACKLOG_WINDOWS equal windows,
 *      each timed, so the first (empty store) and the last (store nearly full) compare ingest.
 *   2. With the backlog in place: GET /status, /deliveries?state=retrying&limit=100 and /metrics,
 *      each timed; then E1 is SIGKILLed and the store's bytes per event taken.
 *   3. One sweep claim, timed on a copy of the data directory (backlog-probes.ts).
 *   4. Restart (i): E2 on the same directory, as the crash left it, while a client tries to post
 *      an event every RESTART_POLL_MS: spawn to GET /healthz 200, and spawn to that first 202.
 *   5. The receiver comes up on the reserved port; E2 drains everything. The drain rate runs from
 *      the first arrival to the last. Peak RSS is the larger VmHWM of E1 and E2.
 */
import { join } from 'node:path';
import { scenarioBudgetMs, type BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import { benchEvent, sharedBatches } from './bench-workload.js';
import { directoryBytes, timeRequest, timeSweepClaims, type ClaimTiming, type TimedRequest } from './backlog-probes.js';
import { startCountingReceiver, type CountingReceiver } from './counting-receiver.js';
import { startEngineChild, type EngineChild } from './engine-process.js';
import { freePort } from './free-port.js';
import { requestJson } from './http-json.js';
import { postBatches } from './post-batches.js';
import { perEventUs, perSecond } from './stats.js';

/** The backlog is posted in this many windows, each timed on its own. */
export const BACKLOG_WINDOWS = 10;
/** How often the restart client tries its POST /events. */
const RESTART_POLL_MS = 20;
/** How long the restarted engine may take to answer at all. */
const RESTART_TIMEOUT_MS = 300_000;
const CONNECTOR = 'sink';

export interface IngestWindow {
  /** Events already stored when the window began. */
  readonly storedBefore: number;
  readonly acked: number;
  readonly eventsPerSecond: number | null;
}

export interface BacklogScenarioResult {
  readonly events: number;
  readonly acked: number;
  readonly windows: readonly IngestWindow[];
  /** Engine CPU (all threads) per acknowledged event over the whole ingest, µs. */
  readonly ingestCpuUs: number | null;
  readonly requests: readonly TimedRequest[];
  /** Deliveries by state, from GET /status just before the kill. */
  readonly statesAtKill: Readonly<Record<string, number>> | null;
  readonly storeBytes: number;
  readonly claim: ClaimTiming | null;
  /** The baseline of (i): E1's start on an empty data directory, spawn to GET /healthz 200. */
  readonly freshStartHealthyMs: number;
  /** (i): from spawning the restarted engine to GET /healthz 200, and to the first 202. */
  readonly restartHealthyMs: number;
  readonly restartFirstAckMs: number | null;
  readonly drainEventsPerSecond: number | null;
  readonly drained: number;
  readonly drainExpected: number;
  /** From the receiver's start to its first arrival (the breaker's cooldown and probe), ms. */
  readonly upToFirstDeliveryMs: number | null;
  /** Engine CPU per delivered event while draining, µs. */
  readonly drainCpuUs: number | null;
  readonly peakRssMb: number | null;
  readonly totalSeconds: number;
  readonly firstError: string | null;
}

export async function runBacklogScenario(options: BenchOptions, log: (line: string) => void): Promise<BacklogScenarioResult> {
  const startedAt = Date.now();
  const events = options.backlogEvents;
  const dirs = await makeBenchDirs({ concurrency: options.concurrency, outage: true });
  const downPort = await freePort();
  const env = { RECEIVER_URL: `http://127.0.0.1:${downPort}` };
  const deadline = Date.now() + scenarioBudgetMs(events);
  let receiver: CountingReceiver | undefined;
  let restarted: EngineChild | undefined;
  const restartClient = { stopped: false };
  try {
    const first = await startEngineChild({ connectorsDir: dirs.connectorsDir, dataDir: dirs.dataDir, env });
    const windows: IngestWindow[] = [];
    let acked = 0;
    let firstError: string | null = null;
    let ingestCpuMs: number | null = null;
    let statesAtKill: Record<string, number> | null = null;
    const requests: TimedRequest[] = [];
    let firstPeak: number | null = null;
    try {
      const cpuAtStart = first.cpuMs();
      const windowSize = Math.ceil(events / BACKLOG_WINDOWS);
      for (let from = 0; from < events; from += windowSize) {
        const count = Math.min(windowSize, events - from);
        const posted = await postBatches({ url: first.url, posters: options.posters, batches: sharedBatches(count, options.batchSize, `h${from}`), deadline });
        windows.push({ storedBefore: acked, acked: posted.acked, eventsPerSecond: perSecond(posted.acked, posted.firstPostAt, posted.lastAckAt) });
        acked += posted.acked;
        firstError ??= posted.firstError;
        log(`    ${acked.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} accepted, receiver down`);
      }
      const cpuAtEnd = first.cpuMs();
      ingestCpuMs = cpuAtStart === null || cpuAtEnd === null ? null : cpuAtEnd - cpuAtStart;
      for (const path of ['/status', '/deliveries?state=retrying&limit=100', '/metrics']) requests.push(await timeRequest(first.url, path));
      const status = await requestJson('GET', `${first.url}/status`, undefined, 60_000).catch(() => null);
      statesAtKill = (status?.body as { deliveries?: Record<string, number> } | undefined)?.deliveries ?? null;
      firstPeak = first.peakRssBytes();
    } finally {
      await first.kill();
    }
    const storeBytes = await directoryBytes(dirs.dataDir);
    log(`    E1 killed with the backlog waiting; timing a sweep claim on a copy of its ${Math.round(storeBytes / 1024 ** 2)} MB data directory`);
    const claim = await timeSweepClaims(dirs.dataDir, join(dirs.dataDir, '..', 'claim-copy'), CONNECTOR).catch((error: unknown) => {
      firstError ??= `sweep claim: ${error instanceof Error ? error.message : String(error)}`;
      return null;
    });

    const port = await freePort();
    const firstAck = postUntilAccepted(`http://127.0.0.1:${port}`, Date.now() + RESTART_TIMEOUT_MS, restartClient);
    restarted = await startEngineChild({ connectorsDir: dirs.connectorsDir, dataDir: dirs.dataDir, env, port, startTimeoutMs: RESTART_TIMEOUT_MS });
    const firstAckAt = await firstAck;
    const restartHealthyMs = restarted.healthyAt - restarted.spawnedAt;
    log(`    restarted: /healthz after ${restartHealthyMs} ms; receiver up, draining`);

    const drainExpected = acked + (firstAckAt === null ? 0 : 1);
    const cpuAtUp = restarted.cpuMs();
    const upAt = Date.now();
    receiver = await startCountingReceiver(downPort);
    receiver.startWindow(drainExpected);
    const window = await receiver.waitForWindow(Math.max(0, deadline - Date.now()), restarted.exited);
    const cpuAtDrained = restarted.cpuMs();
    const peaks = [firstPeak, restarted.peakRssBytes()].filter((peak): peak is number => peak !== null);
    return {
      events,
      acked,
      windows,
      ingestCpuUs: perEventUs(ingestCpuMs, acked),
      requests,
      statesAtKill,
      storeBytes,
      claim,
      freshStartHealthyMs: first.healthyAt - first.spawnedAt,
      restartHealthyMs,
      restartFirstAckMs: firstAckAt === null ? null : firstAckAt - restarted.spawnedAt,
      drainEventsPerSecond: window.complete ? perSecond(window.received, window.firstAt, window.lastAt) : null,
      drained: window.received,
      drainExpected,
      upToFirstDeliveryMs: window.firstAt === null ? null : window.firstAt - upAt,
      drainCpuUs: perEventUs(cpuAtUp === null || cpuAtDrained === null ? null : cpuAtDrained - cpuAtUp, window.received),
      peakRssMb: peaks.length === 0 ? null : Math.max(...peaks) / 1024 ** 2,
      totalSeconds: (Date.now() - startedAt) / 1000,
      firstError: firstError ?? (window.complete ? null : `only ${window.received} of ${drainExpected} deliveries drained in time`),
    };
  } finally {
    restartClient.stopped = true;
    await restarted?.stop();
    await receiver?.close();
    await dirs.cleanup();
  }
}

/** Posts one event every RESTART_POLL_MS until one is accepted; resolves with the time of that 202, or null at the deadline or once told to stop. */
async function postUntilAccepted(url: string, deadline: number, client: { readonly stopped: boolean }): Promise<number | null> {
  while (Date.now() < deadline && !client.stopped) {
    const answer = await requestJson('POST', `${url}/events`, benchEvent('i-restart', Date.now()), RESTART_TIMEOUT_MS).catch(() => null);
    if (answer?.status === 202) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, RESTART_POLL_MS));
  }
  return null;
}
