/**
 * The bench's output: targets judged PASS/MISS (reported, never asserted), a plain-text table for
 * people, and the same figures as JSON in .bench/last.json for tools and comparisons.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchOptions } from './bench-options.js';
import { CPU_SAMPLE_MS, type MachineInfo } from './machine-info.js';
import type { DurableScenarioResult } from './scenario-durable.js';
import type { EngineScenarioResult } from './scenario-engine.js';
import type { HotPathResult } from './scenario-hot-path.js';
import type { ScrapeScenarioResult } from './scenario-scrape.js';
import type { SenderScenarioResult } from './scenario-sender.js';

/** Engine end-to-end throughput as a fraction of the raw baseline. */
export const TARGET_MIN_RATIO = 0.5;
/** Acknowledged events per second with the receiver down. */
export const TARGET_MIN_DURABLE_EVENTS_PER_S = 20_000;
/** Engine peak RSS through the whole of scenario (b). */
export const TARGET_MAX_PEAK_RSS_MB = 200;
/** GET /metrics with a million deliveries stored (issue 12). */
export const TARGET_MAX_SCRAPE_MS = 100;

/** CPU share busy before the run above which the report warns that other work skews it. */
const BUSY_MACHINE_SHARE = 0.2;

export interface TargetResult {
  readonly name: string;
  readonly target: string;
  readonly value: number | null;
  /** null when the figure could not be measured. */
  readonly pass: boolean | null;
}

export interface BenchResults {
  readonly command: string;
  readonly npmCommand: string;
  readonly startedAt: string;
  readonly machine: MachineInfo;
  /** 1-minute load average when the last scenario ended. */
  readonly loadAverageAtEnd: number;
  readonly options: BenchOptions;
  readonly raw: SenderScenarioResult | null;
  readonly engine: EngineScenarioResult | null;
  readonly durable: DurableScenarioResult | null;
  readonly naive: SenderScenarioResult | null;
  readonly engineDebug: EngineScenarioResult | null;
  readonly scrape: ScrapeScenarioResult | null;
  readonly hotPath: HotPathResult | null;
  readonly ratio: number | null;
  readonly targets: readonly TargetResult[];
  /** Scenarios that failed outright, and figures that are incomplete. */
  readonly problems: readonly string[];
}

export function judgeTargets(ratio: number | null, engine: EngineScenarioResult | null, durable: DurableScenarioResult | null, scrape: ScrapeScenarioResult | null): TargetResult[] {
  const judge = (name: string, target: string, value: number | null, ok: (value: number) => boolean): TargetResult => ({ name, target, value, pass: value === null ? null : ok(value) });
  return [
    judge('ratio', `>= ${TARGET_MIN_RATIO}`, ratio, (value) => value >= TARGET_MIN_RATIO),
    judge('durableIngest', `>= ${TARGET_MIN_DURABLE_EVENTS_PER_S} ev/s`, durable?.ackedEventsPerSecond ?? null, (value) => value >= TARGET_MIN_DURABLE_EVENTS_PER_S),
    judge('peakRss', `< ${TARGET_MAX_PEAK_RSS_MB} MB`, engine?.peakRssMb ?? null, (value) => value < TARGET_MAX_PEAK_RSS_MB),
    judge('scrape', `< ${TARGET_MAX_SCRAPE_MS} ms`, scrape?.scrapeMaxMs ?? null, (value) => value < TARGET_MAX_SCRAPE_MS),
  ];
}

export function formatReport(results: BenchResults): string {
  const { options, machine, raw, engine, durable, naive, engineDebug, scrape, hotPath } = results;
  const verdict = (name: string) => {
    const pass = results.targets.find((target) => target.name === name)?.pass;
    return pass === undefined || pass === null ? 'n/a' : pass ? 'PASS' : 'MISS';
  };
  const rows: [string, string, string, string][] = [
    ['figure', 'value', 'target', 'result'],
    ['(a) raw undici POST loop (child -> receiver)', rate(raw?.eventsPerSecond), '', ''],
    ['    CPU per event: sender / receiver', `${us(raw?.senderCpuUs)} / ${us(raw?.receiverCpuUs)} µs`, '', cores(raw?.senderCpuUs, raw?.receiverCpuUs, raw?.eventsPerSecond)],
    ['(b) engine end to end (POST -> store -> map -> receiver)', rate(engine?.eventsPerSecond), '', ''],
    ['    CPU per event: engine / receiver and posters', `${us(engine?.engineCpuUs)} / ${us(engine?.benchCpuUs)} µs`, '', cores(engine?.engineCpuUs, engine?.benchCpuUs, engine?.eventsPerSecond)],
    ['    ratio b / a', results.ratio === null ? 'n/a' : results.ratio.toFixed(2), `>= ${TARGET_MIN_RATIO}`, verdict('ratio')],
    [`    CPU per event left to the engine at ratio ${TARGET_MIN_RATIO}`, targetBudget(results), '', ''],
    ['    latency POST -> delivered, p50 / p99', `${ms(engine?.latencyP50Ms)} / ${ms(engine?.latencyP99Ms)} ms`, '', ''],
    ['    engine peak RSS (VmHWM)', `${mb(engine?.peakRssMb)} MB`, `< ${TARGET_MAX_PEAK_RSS_MB} MB`, verdict('peakRss')],
    ['    ingest acknowledged while delivering', rate(engine?.ingestEventsPerSecond), '', ''],
    ['(c) durable ingest, receiver down (202s only)', rate(durable?.ackedEventsPerSecond), `>= ${count(TARGET_MIN_DURABLE_EVENTS_PER_S)} ev/s`, verdict('durableIngest')],
    ['    CPU per event: engine', `${us(durable?.engineCpuUs)} µs`, '', ''],
    ['    deliveries stored (GET /events/:id sample)', durable ? `${durable.confirmed}/${durable.sampled} waiting` : 'n/a', '', durable ? states(durable.sampleStates) : ''],
    ['    engine peak RSS (VmHWM)', `${mb(durable?.peakRssMb)} MB`, '', ''],
  ];
  if (options.naive) rows.push(['(d) reference: naive "loop connectors, await fetch"', rate(naive?.eventsPerSecond), '', '']);
  rows.push(
    ['(e) engine end to end at --log-level debug (a line per delivery)', rate(engineDebug?.eventsPerSecond), '', ''],
    ['    CPU per event: engine at debug / at info (b)', `${us(engineDebug?.engineCpuUs)} / ${us(engine?.engineCpuUs)} µs`, '', ''],
    ['    log per event: at debug / at info (b)', `${bytes(engineDebug?.logBytesPerEvent)} / ${bytes(engine?.logBytesPerEvent)} B`, '', ''],
  );
  if (options.scrapeRows > 0) {
    rows.push(
      [`(f) GET /metrics, ${count(options.scrapeRows)} deliveries stored, ${count(scrape?.waiting ?? options.scrapeWaiting)} waiting, ${count(scrape?.dead ?? 0)} dead`, `${ms1(scrape?.scrapeP50Ms)} / ${ms1(scrape?.scrapeMaxMs)} ms`, `< ${TARGET_MAX_SCRAPE_MS} ms`, verdict('scrape')],
      ['    (p50 / max of 20 scrapes) engine CPU per scrape', `${ms1(scrape?.engineCpuMsPerScrape)} ms`, '', ''],
      ['    seeding the store took', `${scrape?.seedSeconds.toFixed(1) ?? 'n/a'} s`, '', ''],
    );
  }
  rows.push(
    ['(g) metrics per attempt (2 counters, 2 histograms)', `${ns(hotPath?.attemptNs)} ns`, '< 1,000 ns each', ''],
    ["    prom-client's own labelled inc / observe, for comparison", `${ns(hotPath?.promClientCounterNs)} / ${ns(hotPath?.promClientHistogramNs)} ns`, '', ''],
  );
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const table = rows.map((row, index) => {
    const line = `  ${row[0].padEnd(widths[0]!)}  ${row[1].padStart(widths[1]!)}  ${row[2].padEnd(widths[2]!)}  ${row[3]}`.trimEnd();
    return index === 0 ? `${line}\n  ${'-'.repeat(widths[0]! + widths[1]! + widths[2]! + 12)}` : line;
  });
  return [
    '',
    `hms-sync bench: ${count(options.events)} events per scenario, concurrency ${options.concurrency}, ${options.posters} posters x ${options.batchSize} events per POST /events`,
    `command: ${results.command}   (${results.npmCommand})`,
    `machine: nproc ${machine.nproc}, ${machine.cpuModel}, ${machine.memoryGb} GB RAM, node ${machine.node}, ${machine.platform}; engine data in ${machine.dataDir} (${machine.dataFsType ?? 'unknown fs'})`,
    `machine load: ${machine.cpuBusyBeforeRun === null ? 'n/a' : `${Math.round(machine.cpuBusyBeforeRun * 100)}% of CPU busy`} in the ${CPU_SAMPLE_MS / 1000} s before the run; 1-min load average ${machine.loadAverageAtStart} before, ${results.loadAverageAtEnd} after (this run included)${(machine.cpuBusyBeforeRun ?? 0) > BUSY_MACHINE_SHARE ? '\n  ! other work was running on this machine: every figure is skewed' : ''}`,
    '',
    ...table,
    '',
    '  Latency: sentAt is each event\'s POST time. Posters do not wait for deliveries, so when ingest',
    '  outpaces delivery (compare the two rates above) latency is mostly time queued behind the backlog.',
    '  CPU per event is user + system time of each process over its scenario, divided by events delivered;',
    '  unlike throughput it barely moves with other load on the machine. The budget line is what reaching',
    `  ratio ${TARGET_MIN_RATIO} would require of the engine on this machine, from (a)'s rate and (b)'s receiver and poster cost.`,
    '',
    ...results.problems.map((problem) => `  ! ${problem}`),
    'Figures are reported, never asserted. JSON: .bench/last.json',
    '',
  ].join('\n');
}

export async function writeResults(path: string, results: BenchResults): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
function rate(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : `${count(value)} ev/s`;
}
function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : count(value);
}
function ms1(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(1);
}
function bytes(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(1);
}
function ns(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : count(value);
}
function mb(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(0);
}
function us(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(1);
}
/** Cores kept busy by the two processes at the measured rate: near the machine's count means saturated. */
function cores(a: number | null | undefined, b: number | null | undefined, perSecond: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined || !perSecond) return '';
  return `${(((a + b) * perSecond) / 1e6).toFixed(2)} cores busy`;
}
/**
 * At TARGET_MIN_RATIO of (a)'s rate, the CPU the engine may spend per event: what the machine's
 * cores leave after the receiver and posters (at their measured cost), and what one thread allows.
 */
function targetBudget(results: BenchResults): string {
  const rate = results.raw?.eventsPerSecond;
  const bench = results.engine?.benchCpuUs;
  if (!rate || bench === null || bench === undefined) return 'n/a';
  const perEventUs = 1e6 / (TARGET_MIN_RATIO * rate);
  return `${us(results.machine.nproc * perEventUs - bench)} µs, ${us(perEventUs)} on one thread`;
}
function states(tally: Readonly<Record<string, number>>): string {
  return Object.entries(tally).map(([state, n]) => `${state} ${n}`).join(', ');
}
