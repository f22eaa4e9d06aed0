/** The report of `npm run bench -- --store postgres` (store-bench.ts): figures as ratios against SQLite in the same run. */
import { TARGET_MAX_PG_CLAIM_MS, TARGET_MIN_POSTGRES_RATIO } from './bench-targets.js';
import { formatTable } from './report.js';
import { count, type Row } from './report-rows.js';
import type { FailoverResult } from './failover-figures.js';
import { CLAIM_REPEATS } from './scenario-pg-claim.js';
import type { StoreRunResult } from './scenario-store-engines.js';
import type { StoreBenchResults } from './store-bench.js';

export interface StoreFigures {
  /** (p2) / (p1) events per second. */
  readonly postgresRatio: number | null;
  /** (p3) / (p2) events per second. */
  readonly twoEnginesRatio: number | null;
  /** Engine CPU per event, (p2) / (p1); and engine plus PostgreSQL server, (p2) / (p1). */
  readonly engineCpuRatio: number | null;
  readonly storeCpuRatio: number | null;
}

export function storeFigures(results: StoreBenchResults): StoreFigures {
  const { sqlite, postgres, postgresTwo } = results;
  const total = (run: StoreRunResult | null) => (run?.engineCpuUs == null ? null : run.engineCpuUs + (run.postgresCpuUs ?? 0));
  return {
    postgresRatio: ratio(postgres?.eventsPerSecond, sqlite?.eventsPerSecond),
    twoEnginesRatio: ratio(postgresTwo?.eventsPerSecond, postgres?.eventsPerSecond),
    engineCpuRatio: ratio(postgres?.engineCpuUs, sqlite?.engineCpuUs),
    storeCpuRatio: ratio(total(postgres), total(sqlite)),
  };
}

export function storeReportRows(results: StoreBenchResults): Row[] {
  const figures = storeFigures(results);
  const claim = results.claim;
  const rows: Row[] = [['figure', 'value', 'target', 'result']];
  for (const [name, run] of [['(p1)', results.sqlite], ['(p2)', results.postgres], ['(p3)', results.postgresTwo]] as const) {
    rows.push(
      [`${name} ${run?.label ?? 'not measured'}: POST -> store -> map -> receiver`, rate(run?.eventsPerSecond), '', run ? `${count(run.delivered)} of ${count(run.acked)} delivered` : ''],
      ['    CPU per event: engines / PostgreSQL server / receiver and posters', `${us(run?.engineCpuUs)} / ${us(run?.postgresCpuUs)} / ${us(run?.benchCpuUs)} µs`, '', cores(run)],
      ['    latency POST -> delivered (saturated), p50 / p99', `${ms(run?.latencyP50Ms)} / ${ms(run?.latencyP99Ms)} ms`, '', ''],
    );
  }
  rows.push(
    ['ratio PostgreSQL / SQLite, one engine each (p2 / p1)', fixed(figures.postgresRatio), `>= ${TARGET_MIN_POSTGRES_RATIO}`, verdict(figures.postgresRatio === null ? null : figures.postgresRatio >= TARGET_MIN_POSTGRES_RATIO)],
    ['    CPU per event, PostgreSQL / SQLite: engine alone; engine + server', `${fixed(figures.engineCpuRatio)}; ${fixed(figures.storeCpuRatio)}`, '', ''],
    ['ratio two engines / one, on PostgreSQL (p3 / p2)', fixed(figures.twoEnginesRatio), '', 'the engines share 2 cores with the receiver and the server'],
  );
  if (results.options.claimRows > 0) {
    rows.push(
      [`(p4) claim query of ${claim?.batch ?? 500}, ${count(results.options.claimRows)} pending: SELECT … SKIP LOCKED + lease (median / max)`, claim ? `${ms1(claim.queryMedianMs)} / ${ms1(claim.queryMaxMs)} ms` : 'n/a', `< ${TARGET_MAX_PG_CLAIM_MS} ms`, verdict(claim ? claim.queryMedianMs < TARGET_MAX_PG_CLAIM_MS : null)],
      ['    the server backend\'s CPU for those statements (median), apart from the load', claim?.queryServerCpuMedianMs == null ? 'n/a' : `${ms1(claim.queryServerCpuMedianMs)} ms`, '', ''],
      [`    the sweep's claim through the store, with its commit (median / first / max of ${CLAIM_REPEATS})`, claim ? `${ms1(claim.medianMs)} / ${ms1(claim.firstMs)} / ${ms1(claim.maxMs)} ms` : 'n/a', '', ''],
      ['    seeding (INSERT … SELECT generate_series, ANALYZE)', claim ? `${claim.seedSeconds.toFixed(1)} s` : 'n/a', '', claim ? `first claim took ${count(claim.claimed)}` : ''],
    );
  }
  rows.push(...failoverRows(results.failover));
  return rows;
}

/** (p5): the fail-over time with the bench's lease and what the default lease implies, the
 * deliveries held, duplicates (only held ones may repeat), and the survivor's ingest meanwhile. */
function failoverRows(failover: FailoverResult | null): Row[] {
  if (failover === null) return [['(p5) fail-over after a SIGKILL', 'not measured', '', '']];
  const lease = `${failover.leaseMs / 1000} s`;
  const held = failover.heldUndelivered === 0 ? `${count(failover.heldAtKill)} held at the kill` : `${count(failover.heldUndelivered)} of ${count(failover.heldAtKill)} held never delivered`;
  return [
    [`(p5) fail-over after a SIGKILL, --lease ${lease} (renew ${failover.leaseRenewMs / 1000} s): kill -> last held delivery delivered`, seconds(failover.failoverMs), `< lease + sweep`, held],
    [`    the same with the default --lease ${failover.defaultLeaseMs / 1000} s, implied (+ the lease's difference)`, seconds(failover.impliedDefaultLeaseMs), '', ''],
    ['    deliveries sent twice (same Idempotency-Key): held by the killed engine / not held (of which before the kill)', `${count(failover.duplicatedDeliveries - failover.duplicatedNotHeld)} / ${count(failover.duplicatedNotHeld)} (${count(failover.duplicatedBeforeKill)})`, '0 not held', verdict(failover.duplicatedNotHeld === 0)],
    ['    the survivor: events acknowledged after the kill / refused or failed', `${count(failover.survivorAckedAfterKill)} / ${count(failover.survivorFailedEvents)}`, '0 failed', verdict(failover.survivorFailedEvents === 0 && failover.survivorAckedAfterKill > 0)],
  ];
}

export function formatStoreReport(results: StoreBenchResults): string {
  const { options, machine } = results;
  return [
    '',
    `hms-sync store bench: ${count(options.events)} events per run, concurrency ${options.concurrency}, ${options.posters} posters x ${options.batchSize} events per POST /events`,
    `command: ${results.command}   (${results.npmCommand})`,
    `machine: nproc ${machine.nproc}, ${machine.cpuModel}, ${machine.memoryGb} GB RAM, node ${machine.node}; PostgreSQL ${results.postgresVersion ?? '?'} on loopback, fsync on, synchronous_commit on`,
    `machine load: ${machine.cpuBusyBeforeRun == null ? 'n/a' : `${Math.round(machine.cpuBusyBeforeRun * 100)}% of CPU busy`} before the run; 1-min load average ${machine.loadAverageAtStart} before (other work skews throughput, much less CPU per event)`,
    '',
    ...formatTable(storeReportRows(results)),
    '',
    '  Each run is scenario (b)\'s workload; SQLite commits with synchronous=FULL, PostgreSQL with fsync and',
    '  synchronous_commit on, both with group commit. Several engines split the posters and share one receiver.',
    '  On this machine the engines, the PostgreSQL server, the receiver and the posters share the same cores:',
    '  CPU per event, not throughput, shows what more cores would give.',
    ...results.problems.map((problem) => `  ! ${problem}`),
    'Figures are reported, never asserted. JSON: .bench/last-store.json',
    '',
  ].join('\n');
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a == null || b == null || b === 0 ? null : a / b;
}
function verdict(pass: boolean | null): string {
  return pass === null ? 'n/a' : pass ? 'PASS' : 'MISS';
}
function rate(value: number | null | undefined): string {
  return value == null ? 'n/a' : `${count(value)} ev/s`;
}
function us(value: number | null | undefined): string {
  return value == null ? 'n/a' : value.toFixed(1);
}
function ms(value: number | null | undefined): string {
  return value == null ? 'n/a' : count(value);
}
function ms1(value: number | null | undefined): string {
  return value == null ? 'n/a' : value.toFixed(1);
}
function seconds(value: number | null): string {
  return value === null ? 'n/a' : `${(value / 1000).toFixed(1)} s`;
}
function fixed(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(2);
}
/** Cores kept busy by the engines, the server and the bench process at the measured rate. */
function cores(run: StoreRunResult | null | undefined): string {
  if (!run?.eventsPerSecond || run.engineCpuUs == null || run.benchCpuUs == null) return '';
  return `${(((run.engineCpuUs + (run.postgresCpuUs ?? 0) + run.benchCpuUs) * run.eventsPerSecond) / 1e6).toFixed(2)} cores busy`;
}
