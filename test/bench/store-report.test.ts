/** The report of `npm run bench -- --store postgres`: ratios against SQLite, targets judged, runs that failed shown as n/a. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBenchOptions } from '../../bench/bench-options.js';
import type { StoreRunResult } from '../../bench/scenario-store-engines.js';
import type { StoreBenchResults } from '../../bench/store-bench.js';
import { storeFigures, storeReportRows } from '../../bench/store-report.js';

const run = (eventsPerSecond: number | null, engineCpuUs: number, postgresCpuUs: number | null): StoreRunResult => ({
  label: 'run', engines: 1, eventsPerSecond, acked: 100, delivered: 100, latencyP50Ms: 1, latencyP99Ms: 2, engineCpuUs, postgresCpuUs, benchCpuUs: 50, firstError: null,
});

function results(overrides: Partial<StoreBenchResults>): StoreBenchResults {
  return {
    command: 'node', npmCommand: 'npm run bench -- --store postgres', machine: {} as StoreBenchResults['machine'], options: parseBenchOptions(['--store', 'postgres']),
    sqlite: run(10_000, 100, null), postgres: run(7_000, 90, 40), postgresTwo: run(8_400, 180, 60), claim: null, failover: null, postgresVersion: '15', problems: [], ...overrides,
  };
}

const row = (rows: string[][], start: string) => rows.find((r) => r[0]!.startsWith(start))!;

test('the PostgreSQL run is judged against the SQLite run of the same bench', () => {
  const figures = storeFigures(results({}));
  assert.equal(figures.postgresRatio, 0.7);
  assert.equal(figures.twoEnginesRatio, 1.2);
  assert.equal(figures.storeCpuRatio, 1.3, 'engine and server CPU on PostgreSQL against the engine alone on SQLite');
  assert.deepEqual(row(storeReportRows(results({})), 'ratio PostgreSQL / SQLite').slice(1), ['0.70', '>= 0.6', 'PASS']);
  assert.deepEqual(row(storeReportRows(results({ postgres: run(5_000, 90, 40) })), 'ratio PostgreSQL / SQLite').slice(1), ['0.50', '>= 0.6', 'MISS']);
});

test('a run that failed leaves its ratios not measured, and fail-over says why it is not measured', () => {
  const rows = storeReportRows(results({ sqlite: null }));
  assert.deepEqual(row(rows, 'ratio PostgreSQL / SQLite').slice(1), ['n/a', '>= 0.6', 'n/a']);
  assert.equal(row(rows, '(p5) fail-over')[1], 'not measured');
});

test('fail-over shows its time with the bench lease and the default lease, and judges duplicates and the survivor\'s ingest', () => {
  const failover = { leaseMs: 5_000, leaseRenewMs: 1_000, defaultLeaseMs: 30_000, heldAtKill: 120, heldUndelivered: 0, failoverMs: 5_400, impliedDefaultLeaseMs: 30_400, duplicatedDeliveries: 3, duplicatedNotHeld: 0, duplicatedBeforeKill: 0, survivorAckedAfterKill: 9_000, survivorFailedEvents: 0 };
  const rows = storeReportRows(results({ failover }));
  assert.deepEqual(row(rows, '(p5) fail-over after a SIGKILL, --lease 5 s').slice(1), ['5.4 s', '< lease + sweep', '120 held at the kill']);
  assert.equal(row(rows, '    the same with the default --lease 30 s')[1], '30.4 s');
  assert.deepEqual(row(rows, '    deliveries sent twice').slice(1), ['3 / 0 (0)', '0 not held', 'PASS']);
  assert.deepEqual(row(rows, '    the survivor').slice(1), ['9,000 / 0', '0 failed', 'PASS']);
  const broken = storeReportRows(results({ failover: { ...failover, duplicatedNotHeld: 1, survivorFailedEvents: 2, heldUndelivered: 4, failoverMs: null } }));
  assert.deepEqual(row(broken, '(p5)').slice(1), ['n/a', '< lease + sweep', '4 of 120 held never delivered']);
  assert.equal(row(broken, '    deliveries sent twice')[3], 'MISS');
  assert.equal(row(broken, '    the survivor')[3], 'MISS');
});

test('the claim is judged on the query against 20 ms', () => {
  const claim = { rows: 1_000_000, seedSeconds: 20, batch: 500, claimed: 500, firstMs: 40, medianMs: 30, maxMs: 50, queryMedianMs: 12, queryMaxMs: 19, queryServerCpuMedianMs: 7.25 };
  assert.deepEqual(row(storeReportRows(results({ claim })), '(p4)').slice(1), ['12.0 / 19.0 ms', '< 20 ms', 'PASS']);
});

test('the claim reports the server backend\'s CPU for its statements, or n/a where it could not be read', () => {
  const claim = { rows: 1_000_000, seedSeconds: 20, batch: 500, claimed: 500, firstMs: 40, medianMs: 30, maxMs: 50, queryMedianMs: 12, queryMaxMs: 19, queryServerCpuMedianMs: 7.25 };
  assert.equal(row(storeReportRows(results({ claim })), '    the server backend')[1], '7.3 ms');
  assert.equal(row(storeReportRows(results({ claim: { ...claim, queryServerCpuMedianMs: null } })), '    the server backend')[1], 'n/a');
});

test('--store takes sqlite or postgres only', () => {
  assert.equal(parseBenchOptions([]).store, 'sqlite');
  assert.throws(() => parseBenchOptions(['--store', 'mysql']), /--store must be sqlite or postgres/);
});
