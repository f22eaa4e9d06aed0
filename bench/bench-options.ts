/** Options of `npm run bench`. Every figure of one run is measured at these sizes. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** Events per scenario (a, b, c and the naive reference). */
export const DEFAULT_EVENTS = 100_000;
/** Events per broker with --sources (each broker is filled twice: for the raw loop and the engine). */
export const DEFAULT_SOURCE_EVENTS = 20_000;
/** Requests in flight to the receiver: the engine connector's `concurrency` and the raw sender's pool size. */
export const DEFAULT_CONCURRENCY = 16;
/** Concurrent POST /events loops feeding the engine. */
export const DEFAULT_POSTERS = 4;
/** Events per POST /events body. */
export const DEFAULT_BATCH_SIZE = 200;
/** Concurrent clients of the one-event-per-request ingest run, each waiting for its 202. */
export const DEFAULT_CLIENTS = 64;
/** Requests of the one-event-per-request ingest run: it is some ten times slower per event than batches. */
export const DEFAULT_SINGLE_EVENTS = 20_000;
/** Length of the open-loop latency run. */
export const DEFAULT_LATENCY_SECONDS = 30;
/** Requests in flight for the BullMQ comparison, on both sides (issue 13 measured at 64). */
export const DEFAULT_PEER_CONCURRENCY = 64;
/** Events of each ordered-connector run (four runs: ordered or not, live or draining). */
export const DEFAULT_ORDERED_EVENTS = 20_000;
/** Events accepted with the receiver down before the backlog drains. */
export const DEFAULT_BACKLOG_EVENTS = 1_000_000;
/** Delivered rows retention deletes in scenario (m). */
export const DEFAULT_RETENTION_ROWS = 1_000_000;
/** Deliveries in the store scraped by (k). */
export const DEFAULT_SCRAPE_ROWS = 1_000_000;
/** Of those, how many wait (retrying). */
export const DEFAULT_SCRAPE_WAITING = 10_000;
/** Pending deliveries seeded for the claim timing of --store postgres. */
export const DEFAULT_CLAIM_ROWS = 1_000_000;
/** Stored events scenario (n) replays while live traffic runs. */
export const DEFAULT_REPLAY_EVENTS = 100_000;

export interface BenchOptions {
  readonly events: number;
  readonly concurrency: number;
  readonly posters: number;
  readonly batchSize: number;
  readonly clients: number;
  readonly singleEvents: number;
  /** 0 skips the latency run. */
  readonly latencySeconds: number;
  /** Also measure the seed's "loop over connectors, await fetch" dispatcher as a reference row. */
  readonly naive: boolean;
  /** The long scenarios, each off unless asked for (`--all` turns them all on). */
  readonly peer: boolean;
  readonly peerConcurrency: number;
  readonly ordered: boolean;
  readonly orderedEvents: number;
  readonly backlog: boolean;
  readonly backlogEvents: number;
  readonly retention: boolean;
  /** Delivered rows seeded for retention to delete in scenario (m). */
  readonly retentionRows: number;
  /** (n): live latency with and without a replay of `replayEvents` stored events running. */
  readonly replay: boolean;
  readonly replayEvents: number;
  /** Run the source scenarios (NATS JetStream, RabbitMQ, PostgreSQL outbox) instead of (a) to (d). */
  readonly sources: boolean;
  /** `postgres`: run the store scenarios (store-bench.ts) instead of (a) to (d). */
  readonly store: 'sqlite' | 'postgres';
  /** Pending deliveries seeded for --store postgres's claim timing; 0 skips it. */
  readonly claimRows: number;
  /** Deliveries in the store for the /metrics scrape (k); 0 skips it. */
  readonly scrapeRows: number;
  /** How many of them wait (retrying). */
  readonly scrapeWaiting: number;
  /** Where (b)'s engine writes a V8 CPU profile (--cpu-prof), summarized in the report; null: none. */
  readonly profileDir: string | null;
}

export const BENCH_USAGE = `usage: node --expose-gc dist/bench/run-bench.js [options]   (or: npm run bench -- [options])

Default run (3 to 4 minutes on 2 cores): (a) raw undici loop, (b) engine end to end,
(c) durable ingest as JSON arrays, NDJSON and one event per request, (d) naive reference,
(e) latency under an open-loop load at half (b)'s rate, (j) (b) at --log-level debug, (k) GET /metrics
and GET /deliveries finds on a store of a million deliveries, (l) what the metrics cost an attempt.

  --events N            events per scenario (default ${DEFAULT_EVENTS})
  --concurrency N       requests in flight to the receiver (default ${DEFAULT_CONCURRENCY})
  --posters N           concurrent POST /events loops (default ${DEFAULT_POSTERS})
  --batch N             events per POST /events (default ${DEFAULT_BATCH_SIZE})
  --clients N           concurrent clients posting one event per request (default ${DEFAULT_CLIENTS})
  --single-events N     requests of the one-event-per-request run (default ${DEFAULT_SINGLE_EVENTS})
  --latency-seconds N   length of the open-loop latency run, 0 to skip (default ${DEFAULT_LATENCY_SECONDS})
  --no-naive            skip the naive-dispatcher reference row
  --scrape-rows N       deliveries in the store scraped and searched by (k) (default ${DEFAULT_SCRAPE_ROWS}; 0 skips it)
  --scrape-waiting N    of those, how many wait to be retried (default ${DEFAULT_SCRAPE_WAITING})

Long scenarios, off by default:
  --peer                (f) BullMQ 5 on Redis 7 against the engine, same events and receiver (1 to 4 minutes)
  --peer-concurrency N  requests in flight on both sides of (f) (default ${DEFAULT_PEER_CONCURRENCY})
  --ordered             (g) a connector with orderingKey over 1,000 keys against the same without it,
                        live and draining (1 to 5 minutes, with how fast ordered delivery is)
  --ordered-events N    events of each of (g)'s four runs (default ${DEFAULT_ORDERED_EVENTS})
  --backlog             (h) a backlog accepted with the receiver down, then drained; (i) SIGKILL and
                        restart with it waiting (6 minutes at 1,000,000 events on a busy 2-core machine)
  --backlog-events N    events of the backlog (default ${DEFAULT_BACKLOG_EVENTS})
  --retention           (m) retention deleting delivered rows while ingest runs: the longest write
                        hold and ingest during it against ingest alone (2 to 4 minutes)
  --retention-rows N    delivered rows seeded for (m) to delete (default ${DEFAULT_RETENTION_ROWS})
  --replay              (n) live latency (open loop at a quarter of (b)'s rate) alone, then while a
                        replay of the stored events runs (about a minute at 100,000 events)
  --replay-events N     stored events (n) replays (default ${DEFAULT_REPLAY_EVENTS})
  --all                 every scenario but --sources
  --profile DIR         run (b)'s engine under V8's CPU profiler: the .cpuprofile file goes to DIR
                        (open it in Chrome DevTools) and the report lists where the busy time went

Instead of all the above:
  --sources             instead, the event-source scenarios: per broker (NATS JetStream, RabbitMQ,
                        PostgreSQL outbox), events stored through a source against the broker's raw
                        consume-and-ack rate (default ${DEFAULT_SOURCE_EVENTS} events; needs nats-server,
                        rabbitmq-server and postgresql installed)
  --store postgres      instead, the store scenarios on a PostgreSQL the bench starts (fsync on): (b)'s
                        workload through one engine on SQLite, one on PostgreSQL and two on one
                        PostgreSQL schema, the fail-over after one of two engines is SIGKILLed
                        (--lease 5s), then the sweep's claim with --claim-rows pending deliveries
                        (3 to 5 minutes on 2 cores; needs postgresql installed)
  --claim-rows N        pending deliveries seeded for the claim timing (default ${DEFAULT_CLAIM_ROWS}; 0 skips it)`;

const OPTION_SPEC = {
  events: { type: 'string' },
  concurrency: { type: 'string' },
  posters: { type: 'string' },
  batch: { type: 'string' },
  clients: { type: 'string' },
  'single-events': { type: 'string' },
  'latency-seconds': { type: 'string' },
  'no-naive': { type: 'boolean' },
  peer: { type: 'boolean' },
  'peer-concurrency': { type: 'string' },
  ordered: { type: 'boolean' },
  'ordered-events': { type: 'string' },
  backlog: { type: 'boolean' },
  'backlog-events': { type: 'string' },
  retention: { type: 'boolean' },
  'retention-rows': { type: 'string' },
  replay: { type: 'boolean' },
  'replay-events': { type: 'string' },
  'scrape-rows': { type: 'string' },
  'scrape-waiting': { type: 'string' },
  all: { type: 'boolean' },
  sources: { type: 'boolean' },
  store: { type: 'string' },
  'claim-rows': { type: 'string' },
  profile: { type: 'string' },
} as const;

/** Throws an Error whose message includes the usage text when an option is unknown or malformed. */
export function parseBenchOptions(args: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTION_SPEC, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${BENCH_USAGE}`);
  }
  const all = values.all ?? false;
  return {
    events: whole('--events', values.events, values.sources === true ? DEFAULT_SOURCE_EVENTS : DEFAULT_EVENTS, 1, 10_000_000),
    concurrency: whole('--concurrency', values.concurrency, DEFAULT_CONCURRENCY, 1, 1024),
    posters: whole('--posters', values.posters, DEFAULT_POSTERS, 1, 256),
    batchSize: whole('--batch', values.batch, DEFAULT_BATCH_SIZE, 1, 5_000),
    clients: whole('--clients', values.clients, DEFAULT_CLIENTS, 1, 1024),
    singleEvents: whole('--single-events', values['single-events'], DEFAULT_SINGLE_EVENTS, 1, 10_000_000),
    latencySeconds: whole('--latency-seconds', values['latency-seconds'], DEFAULT_LATENCY_SECONDS, 0, 3_600),
    naive: !(values['no-naive'] ?? false),
    peer: all || (values.peer ?? false),
    peerConcurrency: whole('--peer-concurrency', values['peer-concurrency'], DEFAULT_PEER_CONCURRENCY, 1, 1024),
    ordered: all || (values.ordered ?? false),
    orderedEvents: whole('--ordered-events', values['ordered-events'], DEFAULT_ORDERED_EVENTS, 1, 10_000_000),
    backlog: all || (values.backlog ?? false),
    backlogEvents: whole('--backlog-events', values['backlog-events'], DEFAULT_BACKLOG_EVENTS, 1, 10_000_000),
    retention: all || (values.retention ?? false),
    retentionRows: whole('--retention-rows', values['retention-rows'], DEFAULT_RETENTION_ROWS, 1, 10_000_000),
    replay: all || (values.replay ?? false),
    replayEvents: whole('--replay-events', values['replay-events'], DEFAULT_REPLAY_EVENTS, 1, 10_000_000),
    sources: values.sources ?? false,
    store: storeKind(values.store),
    claimRows: whole('--claim-rows', values['claim-rows'], DEFAULT_CLAIM_ROWS, 0, 100_000_000),
    scrapeRows: whole('--scrape-rows', values['scrape-rows'], DEFAULT_SCRAPE_ROWS, 0, 100_000_000),
    scrapeWaiting: whole('--scrape-waiting', values['scrape-waiting'], DEFAULT_SCRAPE_WAITING, 0, 100_000_000),
    profileDir: values.profile === undefined ? null : resolve(values.profile),
  };
}

function storeKind(text: string | undefined): 'sqlite' | 'postgres' {
  if (text === undefined || text === 'sqlite' || text === 'postgres') return text ?? 'sqlite';
  throw new Error(`--store must be sqlite or postgres, got "${text}"\n${BENCH_USAGE}`);
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
