/**
 * Scenario (k): the GET /metrics scrape of a store that has grown to `rows` deliveries. Rows are
 * written straight into the SQLite file of a stopped engine (the engine's own open creates the
 * schema first): one INSERT ... SELECT over a recursive series per table, in C, so a million rows
 * take seconds rather than the minutes ingest would. Most are delivered; `waiting` are retrying
 * (due far in the future, so nothing is sent while the scrapes run) and 1% are dead, as in a
 * store that has run for a while. Then the engine starts on it and /metrics is scraped
 * SCRAPES times in a row, each timed from request to last byte, and the engine's CPU is read
 * before and after them. Then operators' finds on the same store (GET /deliveries with the usual
 * filters, and a bulk dry run), PROBE_REPEATS times each.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DB_FILE_NAME } from '../engine/store/sqlite/open-database.js';
import { openSqliteStore } from '../engine/store/sqlite/sqlite-store.js';
import { timeRequest, type TimedRequest } from './backlog-probes.js';
import type { BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import { startEngineChild } from './engine-process.js';
import { freePort } from './free-port.js';
import { requestJson } from './http-json.js';
import { percentile } from './stats.js';

/** Scrapes timed; the first also warms the engine's page cache, as a running engine's would be. */
const SCRAPES = 20;
/** One delivery in DEAD_EVERY is dead. */
const DEAD_EVERY = 100;
/** How far in the future the seeded retries are due: never during the scenario. */
const RETRY_DUE_IN_MS = 24 * 3_600_000;
/** Seeded events are accepted this far apart, the newest last. */
const SEED_SPACING_MS = 10;

/** The finds timed: a label and the request, given the number of rows seeded and the time they were seeded at. */
const FINDS: readonly (readonly [label: string, path: (rows: number, seededAt: number) => string])[] = [
  ['newest page, no filter', () => '/deliveries?limit=100'],
  ['state=dead (the oldest first, as before filters)', () => '/deliveries?state=dead&limit=100'],
  ['state=retrying', () => '/deliveries?state=retrying&limit=100'],
  ['connector=nobody (no match: one bounded scan)', () => '/deliveries?connector=nobody&limit=100'],
  ['eventId of the middle event', (rows) => `/deliveries?eventId=seed-${Math.floor(rows / 2)}`],
  ['since: the last 10 s (1,000 events)', (_rows, seededAt) => `/deliveries?since=${new Date(seededAt - 10_000).toISOString()}&limit=100`],
  ['eventType, connector, state=delivered', () => '/deliveries?eventType=permit*&connector=sink&state=delivered&limit=100'],
  ['q matching nothing (10,000 bodies evaluated)', () => `/deliveries?q=${encodeURIComponent('inspectionRequired = false')}&limit=100`],
];

export interface ScrapeScenarioResult {
  readonly rows: number;
  readonly waiting: number;
  readonly dead: number;
  readonly seedSeconds: number;
  /** Scrape time, request to last byte. */
  readonly scrapeP50Ms: number | null;
  readonly scrapeMaxMs: number | null;
  /** Engine CPU per scrape, ms: unlike the time, it barely moves with other load on the machine. */
  readonly engineCpuMsPerScrape: number | null;
  readonly bytes: number;
  /** Operators' finds on the same store. */
  readonly finds: readonly (TimedRequest & { readonly label: string })[];
}

export async function runScrapeScenario(options: BenchOptions): Promise<ScrapeScenarioResult> {
  const rows = options.scrapeRows;
  const waiting = Math.min(options.scrapeWaiting, rows);
  const dirs = await makeBenchDirs({ concurrency: options.concurrency });
  try {
    const seedStarted = Date.now();
    const seededAt = seedStarted;
    const dead = await seedStore(dirs.dataDir, rows, waiting, seededAt);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    const engine = await startEngineChild({ connectorsDir: dirs.connectorsDir, dataDir: dirs.dataDir, env: { RECEIVER_URL: `http://127.0.0.1:${await freePort()}` } });
    try {
      const times = new Float64Array(SCRAPES);
      let bytes = 0;
      const cpuAtStart = engine.cpuMs();
      for (let i = 0; i < SCRAPES; i++) {
        const started = process.hrtime.bigint();
        const answer = await requestJson('GET', `${engine.url}/metrics`);
        times[i] = Number(process.hrtime.bigint() - started) / 1e6;
        if (answer.status !== 200) throw new Error(`GET /metrics answered ${answer.status}`);
        bytes = String(answer.body).length;
      }
      const cpuAtEnd = engine.cpuMs();
      const engineCpuMsPerScrape = cpuAtStart === null || cpuAtEnd === null ? null : (cpuAtEnd - cpuAtStart) / SCRAPES;
      const finds = [];
      for (const [label, path] of FINDS) finds.push({ label, ...(await timeRequest(engine.url, path(rows, seededAt))) });
      const dryRun = await timeRequest(engine.url, '/deliveries/retry?state=dead&dryRun=true', 'POST');
      finds.push({ label: `POST /deliveries/retry?state=dead&dryRun=true (counts ${dead})`, ...dryRun });
      return { rows, waiting, dead, seedSeconds, scrapeP50Ms: percentile(times, 50), scrapeMaxMs: percentile(times, 100), engineCpuMsPerScrape, bytes, finds };
    } finally {
      await engine.stop();
    }
  } finally {
    await dirs.cleanup();
  }
}

/** Writes `rows` events with one delivery each of the bench's sink connector; returns how many are dead. */
async function seedStore(dataDir: string, rows: number, waiting: number, now: number): Promise<number> {
  await (await openSqliteStore({ dataDir })).close();
  const db = new Database(join(dataDir, DB_FILE_NAME));
  try {
    const series = 'WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < @rows)';
    db.transaction(() => {
      db.prepare(`${series} INSERT INTO events (id, type, body, received_at)
        SELECT 'seed-' || i, 'permitApproved', json_object('type', 'permitApproved', 'id', 'seed-' || i, 'inspectionRequired', json('true')), @now - (@rows - i) * @spacing FROM n`).run({ rows, now, spacing: SEED_SPACING_MS });
      // The last `waiting` rows are retrying (a backlog is recent); every DEAD_EVERY-th other row is dead.
      db.prepare(`${series} INSERT INTO deliveries (id, event_id, connector, route, state, attempts, last_error, last_error_code, next_attempt_at, created_at, updated_at)
        SELECT 'seed-d-' || i, 'seed-' || i, 'sink', '0',
          CASE WHEN i >= @rows - @waiting THEN 'retrying' WHEN i % @deadEvery = 0 THEN 'dead' ELSE 'delivered' END, 1,
          CASE WHEN i >= @rows - @waiting THEN 'TARGET_UNAVAILABLE: HTTP 503' WHEN i % @deadEvery = 0 THEN 'TARGET_REJECTED: HTTP 400' END,
          CASE WHEN i >= @rows - @waiting THEN 'TARGET_UNAVAILABLE' WHEN i % @deadEvery = 0 THEN 'TARGET_REJECTED' END,
          CASE WHEN i >= @rows - @waiting THEN @now + @dueIn END, @now - (@rows - i) * @spacing, @now FROM n`).run({ rows, now, waiting, deadEvery: DEAD_EVERY, dueIn: RETRY_DUE_IN_MS, spacing: SEED_SPACING_MS });
    })();
    return db.prepare<[], number>(`SELECT count(*) FROM deliveries WHERE state = 'dead'`).pluck().get() ?? 0;
  } finally {
    db.close();
  }
}
