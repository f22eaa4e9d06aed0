/**
 * `npm run bench`: every performance figure of hms-sync, measured in one run against one local
 * receiver, so the engine is always compared with a baseline taken on the same machine, same
 * minute. Scenarios, in order:
 *   (a) raw undici POST loop in a child process -> receiver          the ceiling
 *   (b) engine child process: POST /events -> store -> JSONata -> receiver
 *   (c) engine child process with the receiver down: durable ingest rate
 *   (d) optional reference: the seed's naive dispatcher in a child process
 *   (e) (b) again at --log-level debug: a line per delivery, as info wrote before issue 12
 *   (f) GET /metrics on a store of a million deliveries
 *   (g) in this process: what the metrics cost an attempt
 * A scenario that fails is reported and the others still run. The process exits by itself; if
 * anything is still open EXIT_GUARD_MS after the report, it says so and exits 1.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_USAGE, parseBenchOptions, type BenchOptions } from './bench-options.js';
import { startCountingReceiver } from './counting-receiver.js';
import { loadAverage, machineInfo } from './machine-info.js';
import { formatReport, judgeTargets, writeResults, type BenchResults } from './report.js';
import { runDurableScenario } from './scenario-durable.js';
import { runEngineScenario } from './scenario-engine.js';
import { runHotPathScenario } from './scenario-hot-path.js';
import { runScrapeScenario } from './scenario-scrape.js';
import { runSenderScenario } from './scenario-sender.js';

const RESULTS_PATH = fileURLToPath(new URL('../../.bench/last.json', import.meta.url));
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
  const n = options.events.toLocaleString('en-US');

  const scenario = async <T>(title: string, run: () => Promise<T>): Promise<T | null> => {
    log(title);
    const started = Date.now();
    try {
      const result = await run();
      log(`    done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return result;
    } catch (error) {
      problems.push(`${title.trim()} failed: ${error instanceof Error ? error.message : String(error)}`);
      log(`    failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    } finally {
      globalThis.gc?.();
    }
  };

  const receiver = await startCountingReceiver();
  let results: BenchResults;
  try {
    log(`receiver listening on ${receiver.url}`);
    const raw = await scenario(`(a) raw undici POST loop: ${n} requests, ${options.concurrency} in flight`, () => runSenderScenario(receiver, 'raw-sender.js', options.events, options.concurrency));
    const engine = await scenario(`(b) engine end to end: ${n} events`, () => runEngineScenario(receiver, options, log));
    const durable = await scenario(`(c) durable ingest, receiver down: ${n} events`, () => runDurableScenario(options));
    const naive = options.naive ? await scenario(`(d) naive dispatcher reference: ${n} events`, () => runSenderScenario(receiver, 'naive-sender.js', options.events, options.concurrency)) : null;
    const engineDebug = await scenario(`(e) engine end to end at --log-level debug: ${n} events`, () => runEngineScenario(receiver, options, log, 'debug'));
    const scrape = options.scrapeRows > 0 ? await scenario(`(f) GET /metrics with ${options.scrapeRows.toLocaleString('en-US')} deliveries stored`, () => runScrapeScenario(options)) : null;
    const hotPath = await scenario('(g) metrics cost per attempt, in process', async () => runHotPathScenario());

    for (const [name, result] of [['(a)', raw], ['(d)', naive]] as const) {
      if (result && (result.failed > 0 || result.received < result.ok)) problems.push(`${name} ${result.failed} requests failed, ${result.received} of ${result.expected} arrived; first error: ${result.firstError ?? 'none'}`);
    }
    for (const [name, run] of [['(b)', engine], ['(e)', engineDebug]] as const) {
      if (run && (run.firstError || run.acked < run.expected)) problems.push(`${name} ${run.acked} of ${run.expected} acknowledged, ${run.delivered} delivered; ${run.firstError ?? ''}`);
    }
    if (durable && (durable.firstError || durable.acked < durable.expected)) problems.push(`(c) ${durable.acked} of ${durable.expected} acknowledged; ${durable.firstError ?? ''}`);

    const ratio = raw?.eventsPerSecond && engine?.eventsPerSecond ? engine.eventsPerSecond / raw.eventsPerSecond : null;
    results = { command, npmCommand, startedAt, machine, loadAverageAtEnd: loadAverage(), options, raw, engine, durable, naive, engineDebug, scrape, hotPath, ratio, targets: judgeTargets(ratio, engine, durable, scrape), problems };
  } finally {
    await receiver.close();
  }
  process.stdout.write(formatReport(results));
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
