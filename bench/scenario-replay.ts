/**
 * Scenario (n), with --replay: live traffic's latency with and without a large replay running
 * (issue 14: "live deliveries go first"). One engine, one connector: `--replay-events` events are
 * posted and delivered; then an open-loop load at REPLAY_LIVE_LOAD_SHARE of (b)'s rate runs for
 * REPLAY_LIVE_SECONDS alone, then as long again while a redeliver replay of every stored event
 * runs, paced so that it outlasts the window. The receiver tells the two apart by the replay's
 * header (Hms-Sync-Replay) and measures the latency of live deliveries only.
 */
import { scenarioBudgetMs, type BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import { sharedBatches } from './bench-workload.js';
import type { CountingReceiver } from './counting-receiver.js';
import { startEngineChild, type EngineChild } from './engine-process.js';
import { requestJson } from './http-json.js';
import { scheduledEvents, sendOpenLoop } from './open-loop.js';
import { postBatches } from './post-batches.js';
import { percentile } from './stats.js';

/** Share of (b)'s end-to-end rate the live load offers, leaving the engine room for the replay. */
export const REPLAY_LIVE_LOAD_SHARE = 0.25;
/** Length of each live window, alone and during the replay. */
export const REPLAY_LIVE_SECONDS = 20;
/** The replay's pace makes it last this many times the live window, so it runs through all of it. */
const REPLAY_STRETCH = 1.5;
/** How long live deliveries may still arrive after the last scheduled POST. */
const DRAIN_GRACE_MS = 30_000;

export interface LiveWindow {
  readonly scheduled: number;
  readonly acked: number;
  readonly delivered: number;
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  readonly latencyMaxMs: number | null;
}

export interface ReplayScenarioResult {
  readonly storedEvents: number;
  readonly liveEventsPerSecond: number;
  readonly replayPerSecond: number;
  readonly alone: LiveWindow;
  readonly during: LiveWindow;
  /** Replayed deliveries that arrived during the second window, and the replay's progress after it. */
  readonly replayedDuring: number;
  readonly replayState: string | null;
  readonly replayCreated: number | null;
  readonly firstError: string | null;
}

export async function runReplayScenario(receiver: CountingReceiver, options: BenchOptions, maximumEventsPerSecond: number, log: (line: string) => void): Promise<ReplayScenarioResult> {
  const liveRate = REPLAY_LIVE_LOAD_SHARE * maximumEventsPerSecond;
  const replayPerSecond = Math.ceil(options.replayEvents / (REPLAY_LIVE_SECONDS * REPLAY_STRETCH));
  const dirs = await makeBenchDirs({ concurrency: options.concurrency });
  try {
    const engine = await startEngineChild({ connectorsDir: dirs.connectorsDir, dataDir: dirs.dataDir, env: { RECEIVER_URL: receiver.url } });
    try {
      const deadline = Date.now() + scenarioBudgetMs(options.replayEvents);
      receiver.startWindow(options.replayEvents);
      const posted = await postBatches({ url: engine.url, posters: options.posters, batches: sharedBatches(options.replayEvents, options.batchSize, 'r'), deadline });
      receiver.setExpected(posted.acked);
      const stored = await receiver.waitForWindow(Math.max(0, deadline - Date.now()), engine.exited);
      log(`    ${stored.received.toLocaleString('en-US')} events stored and delivered; live load alone for ${REPLAY_LIVE_SECONDS} s`);
      const alone = await liveWindow(engine, receiver, liveRate, 'la');

      const started = await requestJson('POST', `${engine.url}/replays`, { connector: 'sink', mode: 'redeliver', since: '1h', rate: `${replayPerSecond}/s` });
      const id = (started.body as { id?: string }).id;
      if (started.status !== 202 || id === undefined) throw new Error(`POST /replays answered ${started.status}: ${JSON.stringify(started.body)}`);
      log(`    replay ${id} started at ${replayPerSecond}/s; live load again for ${REPLAY_LIVE_SECONDS} s`);
      const replayedBefore = receiver.replayed();
      const during = await liveWindow(engine, receiver, liveRate, 'ld');
      const replayedDuring = receiver.replayed() - replayedBefore;
      const progress = (await requestJson('GET', `${engine.url}/replays/${id}`)).body as { state?: string; created?: number };
      if (progress.state === 'running') await requestJson('DELETE', `${engine.url}/replays/${id}`);
      const incomplete = [alone, during].find((window) => window.delivered < window.acked);
      return {
        storedEvents: stored.received,
        liveEventsPerSecond: liveRate,
        replayPerSecond,
        alone,
        during,
        replayedDuring,
        replayState: progress.state ?? null,
        replayCreated: progress.created ?? null,
        firstError:
          posted.firstError ??
          (incomplete ? `only ${incomplete.delivered} of ${incomplete.acked} live deliveries arrived within ${DRAIN_GRACE_MS / 1000} s of the last POST` : null) ??
          (progress.state === 'running' ? null : `the replay was ${progress.state ?? 'unknown'} before the live window ended: raise --replay-events`),
      };
    } finally {
      await engine.stop();
    }
  } finally {
    await dirs.cleanup();
  }
}

async function liveWindow(engine: EngineChild, receiver: CountingReceiver, ratePerSecond: number, idPrefix: string): Promise<LiveWindow> {
  const durationMs = REPLAY_LIVE_SECONDS * 1000;
  receiver.startWindow(scheduledEvents(ratePerSecond, durationMs));
  const sent = await sendOpenLoop({ url: engine.url, ratePerSecond, durationMs, idPrefix });
  if (sent.firstError !== null) throw new Error(`live load: ${sent.firstError}`);
  receiver.setExpected(sent.acked);
  const window = await receiver.waitForWindow(DRAIN_GRACE_MS, engine.exited);
  return {
    scheduled: sent.scheduled,
    acked: sent.acked,
    delivered: window.received,
    latencyP50Ms: percentile(window.latenciesMs, 50),
    latencyP99Ms: percentile(window.latenciesMs, 99),
    latencyMaxMs: percentile(window.latenciesMs, 100),
  };
}
