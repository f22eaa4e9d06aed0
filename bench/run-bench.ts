/**
 * `npm run bench`: every performance figure of hms-sync, measured in one run against one local
 * receiver, so the engine is always compared with a baseline taken on the same machine, same
 * minute. Scenarios, in order:
 *   (a) raw undici POST loop in a child process -> receiver          the ceiling
 *   (b) engine child process: POST /events -> store -> JSONata -> receiver
 *   (c) durable ingest with the receiver down: JSON arrays, NDJSON, one event per request
 *   (d) optional reference: the seed's naive dispatcher in a child process
 *   (e) latency under an open-loop load at half (b)'s rate
 *   (f) --peer: BullMQ on Redis against the engine at the same concurrency
 *   (g) --ordered: a connector with orderingKey against the same without, live and draining
 *   (h) --backlog: a backlog accepted with the receiver down, then drained; (i) a restart with it waiting
 *   (j) (b) again at --log-level debug: a line per delivery, as info wrote before issue 12
 *   (k) GET /metrics, and GET /deliveries finds, on a store of a million deliveries
 *   (l) in this process: what the metrics cost an attempt
 *   (m) --retention: retention deleting delivered rows while ingest runs
 *   (n) --replay: live latency alone and while a replay of stored events runs
 *
 * With --sources, the event-source scenarios run instead (source-bench.ts); with --store postgres,
 * the PostgreSQL store against SQLite (store-bench.ts).
 * A scenario that fails is reported and the others still run. The process exits by itself; if
 * anything is still open EXIT_GUARD_MS after the report, it says so and exits 1.
 */
import { scenarioRunner } from './scenario-runner.js';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_USAGE, parseBenchOptions, type BenchOptions } from './bench-options.js';
import { benchFigures, judgeTargets } from './bench-targets.js';
import { startCountingReceiver } from './counting-receiver.js';
import { loadAverage, machineInfo } from './machine-info.js';
import { formatReport, writeResults, type BenchResults } from './report.js';
import { runBacklogScenario } from './scenario-backlog.js';
import { runDurableScenario } from './scenario-durable.js';
import { runEngineScenario } from './scenario-engine.js';
import { runHotPathScenario } from './scenario-hot-path.js';
import { LATENCY_LOAD_SHARE, runLatencyScenario } from './scenario-latency.js';
import { runOrderedScenario } from './scenario-ordered.js';
import { runPeerScenario } from './scenario-peer.js';
import { runReplayScenario } from './scenario-replay.js';
import { runScrapeScenario } from './scenario-scrape.js';
import { runRetentionScenario } from './scenario-retention.js';
import { runSenderScenario } from './scenario-sender.js';
import { runSourceBench } from './source-bench.js';
import { runStoreBench } from './store-bench.js';
import { formatProfileSummary, summarizeNewestProfile, type ProfileSummary } from './profile-summary.js';

const RESULTS_PATH = fileURLToPath(new URL('../../.bench/last.json', import.meta.url));
const SOURCE_RESULTS_PATH = fileURLToPath(new URL('../../.bench/last-sources.json', import.meta.url));
const STORE_RESULTS_PATH = fileURLToPath(new URL('../../.bench/last-store.json', import.meta.url));
/** How long the process may stay alive after the report before it is declared leaking. */
const EXIT_GUARD_MS = 5_000;

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    log(BENCH_USAGE);
    return 0;
  }
  let options: BenchOptions;
  try {
    options = parseBenchOptions(args);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const startedAt = new Date().toISOString();
  const machine = await machineInfo();
  const command = ['node', ...process.execArgv, relative(process.cwd(), process.argv[1] ?? 'dist/bench/run-bench.js'), ...args].join(' ');
  const npmCommand = args.length > 0 ? `npm run bench -- ${args.join(' ')}` : 'npm run bench';
  const problems: string[] = [];
  const n = (value: number) => value.toLocaleString('en-US');
  if (options.sources) {
    await runSourceBench(options, { command, machine }, SOURCE_RESULTS_PATH, log);
    return 0;
  }
  if (options.store === 'postgres') {
    await runStoreBench(options, { command, npmCommand, machine }, STORE_RESULTS_PATH, log);
    return 0;
  }

  const scenario = scenarioRunner(problems, log);
  /** A scenario that ran but whose figure is incomplete says why. */
  const incomplete = (name: string, result: { firstError: string | null } | null) => {
    if (result?.firstError) problems.push(`${name} ${result.firstError}`);
  };

  const receiver = await startCountingReceiver();
  let results: BenchResults;
  try {
    log(`receiver listening on ${receiver.url}`);
    const { events, concurrency, posters, batchSize } = options;
    const raw = await scenario(`(a) raw undici POST loop: ${n(events)} requests, ${concurrency} in flight`, () => runSenderScenario(receiver, 'raw-sender.js', events, concurrency));
    const engine = await scenario(`(b) engine end to end: ${n(events)} events`, () => runEngineScenario(receiver, options, log, undefined, options.profileDir ?? undefined));
    let profile: ProfileSummary | null = null;
    if (options.profileDir !== null) {
      profile = await summarizeNewestProfile(options.profileDir).catch((error: Error) => (problems.push(`(b) profile: ${error.message}`), null));
    }
    const ingest = {
      json: await scenario(`(c) durable ingest, JSON arrays: ${n(events)} events`, () => runDurableScenario(options, { format: 'json', events, posters, batchSize })),
      ndjson: await scenario(`(c) durable ingest, NDJSON: ${n(events)} events`, () => runDurableScenario(options, { format: 'ndjson', events, posters, batchSize })),
      single: await scenario(`(c) durable ingest, one event per request: ${n(options.singleEvents)} requests from ${options.clients} clients`, () =>
        runDurableScenario(options, { format: 'single', events: options.singleEvents, posters: options.clients, batchSize: 1 }),
      ),
    };
    const naive = options.naive ? await scenario(`(d) naive dispatcher reference: ${n(events)} events`, () => runSenderScenario(receiver, 'naive-sender.js', events, concurrency)) : null;
    const maximum = engine?.eventsPerSecond;
    const latency =
      options.latencySeconds === 0 ? null
      : maximum ? await scenario(`(e) open-loop latency at ${n(Math.round(maximum * LATENCY_LOAD_SHARE))} ev/s for ${options.latencySeconds} s`, () => runLatencyScenario(receiver, options, maximum))
      : (problems.push('(e) latency not measured: it runs at half of (b)\'s rate, which was not measured'), null);
    const peer = options.peer
      ? {
          bullmq: await scenario(`(f) peer: BullMQ on Redis, ${n(events)} events, ${options.peerConcurrency} in flight`, () => runPeerScenario(receiver, options)),
          engine:
            options.peerConcurrency === concurrency ? engine
            : await scenario(`(f) hms-sync end to end at concurrency ${options.peerConcurrency}: ${n(events)} events`, () => runEngineScenario(receiver, { ...options, concurrency: options.peerConcurrency }, log)),
        }
      : null;
    const ordered = options.ordered ? await scenario(`(g) ordered connectors: 4 runs of ${n(options.orderedEvents)} events`, () => runOrderedScenario(receiver, options, log)) : null;
    const backlog = options.backlog ? await scenario(`(h, i) backlog of ${n(options.backlogEvents)} events, restart, drain`, () => runBacklogScenario(options, log)) : null;
    const engineDebug = await scenario(`(j) engine end to end at --log-level debug: ${n(events)} events`, () => runEngineScenario(receiver, options, log, 'debug'));
    const scrape = options.scrapeRows > 0 ? await scenario(`(k) GET /metrics with ${n(options.scrapeRows)} deliveries stored`, () => runScrapeScenario(options)) : null;
    const hotPath = await scenario('(l) metrics cost per attempt, in process', async () => runHotPathScenario());
    const retention = options.retention ? await scenario(`(m) retention deleting ${n(options.retentionRows)} delivered rows while ingest runs`, () => runRetentionScenario(receiver, options, log)) : null;
    if (retention?.firstError) problems.push(`(m) ${retention.firstError}`);
    const replay =
      !options.replay ? null
      : maximum ? await scenario(`(n) live latency with and without a replay of ${n(options.replayEvents)} events`, () => runReplayScenario(receiver, options, maximum, log))
      : (problems.push("(n) not measured: its live load is a share of (b)'s rate, which was not measured"), null);
    if (replay?.firstError) problems.push(`(n) ${replay.firstError}`);

    for (const [name, result] of [['(a)', raw], ['(d)', naive]] as const) {
      if (result && (result.failed > 0 || result.received < result.ok)) problems.push(`${name} ${result.failed} requests failed, ${result.received} of ${result.expected} arrived; first error: ${result.firstError ?? 'none'}`);
    }
    for (const [name, result] of [['(b)', engine], ['(f) hms-sync', peer?.engine ?? null], ['(j)', engineDebug]] as const) {
      if (result && (result.firstError || result.acked < result.expected)) problems.push(`${name} ${result.acked} of ${result.expected} acknowledged, ${result.delivered} delivered; ${result.firstError ?? ''}`);
    }
    for (const [format, result] of Object.entries(ingest)) {
      if (result && (result.firstError || result.acked < result.expected)) problems.push(`(c) ${format}: ${result.acked} of ${result.expected} acknowledged; ${result.firstError ?? ''}`);
    }
    incomplete('(e)', latency);
    incomplete('(f) BullMQ', peer?.bullmq ?? null);
    for (const run of ordered?.runs ?? []) incomplete(`(g) ${run.ordered ? 'ordered' : 'unordered'} ${run.draining ? 'draining' : 'live'}:`, run);
    incomplete('(h)', backlog);

    const measured = { command, npmCommand, startedAt, machine, loadAverageAtEnd: loadAverage(), options, raw, engine, ingest, naive, latency, peer, ordered, backlog, retention, replay, engineDebug, scrape, hotPath, profile, problems };
    const figures = benchFigures(measured);
    results = { ...measured, figures, targets: judgeTargets(measured, figures) };
  } finally {
    await receiver.close();
  }
  process.stdout.write(formatReport(results));
  if (results.profile) process.stdout.write(`\n${formatProfileSummary(results.profile)}`);
  await writeResults(RESULTS_PATH, results);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => {
      process.stderr.write(`bench: still running ${EXIT_GUARD_MS} ms after the report; something was left open\n`);
      process.exit(1);
    }, EXIT_GUARD_MS).unref();
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
