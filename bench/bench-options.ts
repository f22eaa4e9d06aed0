/** Options of `npm run bench`. Every figure of one run is measured at these sizes. */
import { parseArgs } from 'node:util';

/** Events per scenario (a, b, c and the naive reference). */
export const DEFAULT_EVENTS = 100_000;
/** Requests in flight to the receiver: the engine connector's `concurrency` and the raw sender's pool size. */
export const DEFAULT_CONCURRENCY = 16;
/** Concurrent POST /events loops feeding the engine. */
export const DEFAULT_POSTERS = 4;
/** Events per POST /events body. */
export const DEFAULT_BATCH_SIZE = 200;
/** Deliveries in the store scraped by scenario (f). */
export const DEFAULT_SCRAPE_ROWS = 1_000_000;
/** Of those, how many wait (retrying). */
export const DEFAULT_SCRAPE_WAITING = 10_000;

export interface BenchOptions {
  readonly events: number;
  readonly concurrency: number;
  readonly posters: number;
  readonly batchSize: number;
  /** Also measure the seed's "loop over connectors, await fetch" dispatcher as a reference row. */
  readonly naive: boolean;
  /** Deliveries in the store for the /metrics scrape (f); 0 skips it. */
  readonly scrapeRows: number;
  /** How many of them wait (retrying): what a scrape reads. */
  readonly scrapeWaiting: number;
}

export const BENCH_USAGE = `usage: node --expose-gc dist/bench/run-bench.js [options]   (or: npm run bench -- [options])

  --events N        events per scenario (default ${DEFAULT_EVENTS})
  --concurrency N   requests in flight to the receiver (default ${DEFAULT_CONCURRENCY})
  --posters N       concurrent POST /events loops (default ${DEFAULT_POSTERS})
  --batch N         events per POST /events (default ${DEFAULT_BATCH_SIZE})
  --no-naive        skip the naive-dispatcher reference row
  --scrape-rows N   deliveries in the store scraped by (f) (default ${DEFAULT_SCRAPE_ROWS}; 0 skips it)
  --scrape-waiting N  of those, how many wait to be retried (default ${DEFAULT_SCRAPE_WAITING})`;

const OPTION_SPEC = {
  events: { type: 'string' },
  concurrency: { type: 'string' },
  posters: { type: 'string' },
  batch: { type: 'string' },
  'no-naive': { type: 'boolean' },
  'scrape-rows': { type: 'string' },
  'scrape-waiting': { type: 'string' },
} as const;

/** Throws an Error whose message includes the usage text when an option is unknown or malformed. */
export function parseBenchOptions(args: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTION_SPEC, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${BENCH_USAGE}`);
  }
  return {
    events: whole('--events', values.events, DEFAULT_EVENTS, 1, 10_000_000),
    concurrency: whole('--concurrency', values.concurrency, DEFAULT_CONCURRENCY, 1, 1024),
    posters: whole('--posters', values.posters, DEFAULT_POSTERS, 1, 256),
    batchSize: whole('--batch', values.batch, DEFAULT_BATCH_SIZE, 1, 5_000),
    naive: !(values['no-naive'] ?? false),
    scrapeRows: whole('--scrape-rows', values['scrape-rows'], DEFAULT_SCRAPE_ROWS, 0, 100_000_000),
    scrapeWaiting: whole('--scrape-waiting', values['scrape-waiting'], DEFAULT_SCRAPE_WAITING, 0, 100_000_000),
  };
}

function whole(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got "${text}"\n${BENCH_USAGE}`);
  }
  return value;
}

/** Time budget of one scenario: a fixed allowance plus a per-event one, so a run is always bounded. */
export const SCENARIO_BASE_BUDGET_MS = 60_000;
export const SCENARIO_PER_EVENT_BUDGET_MS = 2;

export function scenarioBudgetMs(events: number): number {
  return SCENARIO_BASE_BUDGET_MS + events * SCENARIO_PER_EVENT_BUDGET_MS;
}
