/**
 * Scenario (m): retention deleting a million delivered deliveries while ingest runs. The data
 * directory is seeded straight into SQLite (seed-delivered.ts) with rows past both windows
 * (delivered 8 days ago, received 40 days ago), so the engine's run at start deletes every
 * delivery, attempt and event of them. Meanwhile the posters send up to --events events, which
 * the engine delivers to the receiver; once the run is over (GET /status shows lastRetention),
 * they send as many again with nothing to delete: the ingest rate during retention against ingest
 * alone, same engine, same minute. GET /status is read once a second in both phases, so both pay
 * for it alike. The engine measures its own longest write hold (lastRetention.longestWriteMs).
 */
import type { BenchOptions } from './bench-options.js';
import { scenarioBudgetMs } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import { sharedBatches } from './bench-workload.js';
import type { CountingReceiver } from './counting-receiver.js';
import { startEngineChild } from './engine-process.js';
import { requestJson } from './http-json.js';
import { postBatches, type PostResult } from './post-batches.js';
import { seedDelivered } from './seed-delivered.js';
import { perSecond } from './stats.js';

const DAY_MS = 86_400_000;
/** How often the bench reads GET /status, one request at a time. */
const STATUS_POLL_MS = 1_000;

export interface RetentionScenarioResult {
  readonly rows: number;
  readonly seedSeconds: number;
  /** lastRetention of GET /status after the run. */
  readonly deleted: { readonly deliveries: number; readonly events: number } | null;
  readonly retentionMs: number | null;
  readonly longestWriteMs: number | null;
  readonly longestWriteCpuMs: number | null;
  readonly sizeBeforeMb: number | null;
  readonly sizeAfterMb: number | null;
  readonly ingestDuringEventsPerSecond: number | null;
  readonly ingestAloneEventsPerSecond: number | null;
  readonly ackedDuring: number;
  readonly ackedAlone: number;
  readonly firstError: string | null;
}

interface StoreStatus {
  readonly sizeBytes: number;
  readonly lastRetention: { deleted: { deliveries: number; events: number }; ms: number; longestWriteMs: number; longestWriteCpuMs: number } | null;
}

export async function runRetentionScenario(receiver: CountingReceiver, options: BenchOptions, log: (line: string) => void): Promise<RetentionScenarioResult> {
  const rows = options.retentionRows;
  const dirs = await makeBenchDirs({ concurrency: options.concurrency });
  const env = { RECEIVER_URL: receiver.url };
  try {
    // An engine creates the schema; the rows go in while no engine runs.
    await (await startEngineChild({ connectorsDir: dirs.connectorsDir, dataDir: dirs.dataDir, env })).stop();
    const seedStarted = Date.now();
    seedDelivered({ dataDir: dirs.dataDir, rows, now: Date.now(), deliveredAgoMs: 8 * DAY_MS, receivedAgoMs: 40 * DAY_MS });
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    log(`    seeded ${rows.toLocaleString('en-US')} delivered rows in ${seedSeconds.toFixed(1)} s`);

    const engine = await startEngineChild({ connectorsDir: dirs.connectorsDir, dataDir: dirs.dataDir, env });
    try {
      const storeStatus = async () => ((await requestJson('GET', `${engine.url}/status`, undefined, 60_000)).body as { store: StoreStatus }).store;
      const sizeBefore = (await storeStatus()).sizeBytes;
      let done: StoreStatus | undefined;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const store = await storeStatus().catch(() => undefined);
          if (store?.lastRetention) done ??= store;
          await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
        }
      })();
      const deadline = Date.now() + scenarioBudgetMs(rows);
      const post = (idPrefix: string, stop?: () => boolean): Promise<PostResult> =>
        postBatches({ url: engine.url, batches: sharedBatches(options.events, options.batchSize, idPrefix), posters: options.posters, deadline, ...(stop && { stop }) });
      let during: PostResult;
      let alone: PostResult;
      try {
        during = await post('j', () => done !== undefined);
        while (done === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
        const last = done?.lastRetention;
        log(`    retention done: ${last ? `${last.deleted.deliveries.toLocaleString('en-US')} deliveries in ${(last.ms / 1000).toFixed(1)} s` : 'not within the budget'}; ${during.acked.toLocaleString('en-US')} events acknowledged meanwhile; ingest alone next`);
        alone = await post('k');
      } finally {
        polling = false;
        await poller;
      }
      const last = done?.lastRetention ?? null;
      return {
        rows,
        seedSeconds,
        deleted: last && { deliveries: last.deleted.deliveries, events: last.deleted.events },
        retentionMs: last?.ms ?? null,
        longestWriteMs: last?.longestWriteMs ?? null,
        longestWriteCpuMs: last?.longestWriteCpuMs ?? null,
        sizeBeforeMb: sizeBefore / 1024 ** 2,
        sizeAfterMb: done ? done.sizeBytes / 1024 ** 2 : null,
        ingestDuringEventsPerSecond: perSecond(during.acked, during.firstPostAt, during.lastAckAt),
        ingestAloneEventsPerSecond: perSecond(alone.acked, alone.firstPostAt, alone.lastAckAt),
        ackedDuring: during.acked,
        ackedAlone: alone.acked,
        firstError: during.firstError ?? alone.firstError ?? (last ? null : 'retention did not finish within the budget'),
      };
    } finally {
      await engine.stop();
    }
  } finally {
    await dirs.cleanup();
  }
}
