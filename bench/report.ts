/**
 * The bench's output: a plain-text table for people, with each target judged PASS/MISS
 * (bench-targets.ts; reported, never asserted), and the same figures as JSON in .bench/last.json
 * for tools and comparisons. The rows of each scenario are in report-rows.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchOptions } from './bench-options.js';
import type { BenchFigures, TargetResult } from './bench-targets.js';
import { OUTAGE_SETTINGS } from './bench-workload.js';
import { CPU_SAMPLE_MS, type MachineInfo } from './machine-info.js';
import { count, reportRows, type Row } from './report-rows.js';
import type { BacklogScenarioResult } from './scenario-backlog.js';
import type { ReplayScenarioResult } from './scenario-replay.js';
import type { RetentionScenarioResult } from './scenario-retention.js';
import type { DurableScenarioResult } from './scenario-durable.js';
import type { EngineScenarioResult } from './scenario-engine.js';
import type { HotPathResult } from './scenario-hot-path.js';
import type { ProfileSummary } from './profile-summary.js';
import type { LatencyScenarioResult } from './scenario-latency.js';
import type { OrderedScenarioResult } from './scenario-ordered.js';
import type { PeerScenarioResult } from './scenario-peer.js';
import type { ScrapeScenarioResult } from './scenario-scrape.js';
import type { SenderScenarioResult } from './scenario-sender.js';

/** CPU share busy before the run above which the report warns that other work skews it. */
const BUSY_MACHINE_SHARE = 0.2;

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
  /** (c) in each body format. */
  readonly ingest: { readonly json: DurableScenarioResult | null; readonly ndjson: DurableScenarioResult | null; readonly single: DurableScenarioResult | null };
  readonly naive: SenderScenarioResult | null;
  readonly latency: LatencyScenarioResult | null;
  /** (f): BullMQ, and hms-sync end to end at the same concurrency; null when not run. */
  readonly peer: { readonly bullmq: PeerScenarioResult | null; readonly engine: EngineScenarioResult | null } | null;
  readonly ordered: OrderedScenarioResult | null;
  readonly backlog: BacklogScenarioResult | null;
  readonly retention: RetentionScenarioResult | null;
  /** (n), with --replay. */
  readonly replay: ReplayScenarioResult | null;
  /** (j): (b) at --log-level debug. */
  readonly engineDebug: EngineScenarioResult | null;
  readonly scrape: ScrapeScenarioResult | null;
  readonly hotPath: HotPathResult | null;
  /** With --profile: where (b)'s engine spent its busy time. */
  readonly profile: ProfileSummary | null;
  readonly figures: BenchFigures;
  readonly targets: readonly TargetResult[];
  /** Scenarios that failed outright, and figures that are incomplete. */
  readonly problems: readonly string[];
}

export function formatReport(results: BenchResults): string {
  const { options, machine } = results;
  const table = formatTable(reportRows(results));
  const missed = results.targets.filter((target) => target.pass === false).map((target) => target.name);
  return [
    '',
    `hms-sync bench: ${count(options.events)} events per scenario, concurrency ${options.concurrency}, ${options.posters} posters x ${options.batchSize} events per POST /events`,
    `command: ${results.command}   (${results.npmCommand})`,
    `machine: nproc ${machine.nproc}, ${machine.cpuModel}, ${machine.memoryGb} GB RAM, node ${machine.node}, ${machine.platform}; engine data in ${machine.dataDir} (${machine.dataFsType ?? 'unknown fs'})`,
    `machine load: ${machine.cpuBusyBeforeRun === null ? 'n/a' : `${Math.round(machine.cpuBusyBeforeRun * 100)}% of CPU busy`} in the ${CPU_SAMPLE_MS / 1000} s before the run; 1-min load average ${machine.loadAverageAtStart} before, ${results.loadAverageAtEnd} after (this run included)${(machine.cpuBusyBeforeRun ?? 0) > BUSY_MACHINE_SHARE ? '\n  ! other work was running on this machine: every figure is skewed' : ''}`,
    '',
    ...table,
    '',
    '  Every engine runs as a user runs it: Node flags of `npm start`, default log level (info), default durability.',
    '  CPU per event is user + system time of each process over its scenario, divided by events delivered',
    '  (acknowledged, for ingest); unlike throughput it barely moves with other load on the machine.',
    '  (b)\'s latency is queueing behind a saturated engine (posters outpace delivery); (e)\'s is the engine\'s',
    '  own delay: open loop, from each event\'s scheduled POST (so the durable commit is included) to arrival.',
    `  Scenarios that start with the receiver down give the connector ${OUTAGE_SETTINGS},`,
    '  so the engine does not spend retries while it is down and everything is due when it is back.',
    '',
    `targets missed: ${missed.length === 0 ? 'none' : missed.join(', ')}; not measured: ${results.targets.filter((target) => target.pass === null).length}`,
    ...results.problems.map((problem) => `  ! ${problem}`),
    'Figures are reported, never asserted. JSON: .bench/last.json',
    '',
  ].join('\n');
}

/** The rows as aligned lines, the first a header underlined. */
export function formatTable(rows: readonly Row[]): string[] {
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row, index) => {
    const line = `  ${row[0].padEnd(widths[0]!)}  ${row[1].padStart(widths[1]!)}  ${row[2].padEnd(widths[2]!)}  ${row[3]}`.trimEnd();
    return index === 0 ? `${line}\n  ${'-'.repeat(widths[0]! + widths[1]! + widths[2]! + 12)}` : line;
  });
}

export async function writeResults(path: string, results: BenchResults): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}
