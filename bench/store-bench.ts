/**
 * `npm run bench -- --store postgres`: the PostgreSQL store against SQLite, in one run on one
 * machine (issue 16). The bench starts its own PostgreSQL (fsync on, as in production; SQLite runs
 * with synchronous=FULL), then:
 *   (p1) scenario (b)'s workload through one engine on SQLite          the baseline
 *   (p2) the same through one engine on PostgreSQL                     target >= 0.6 x (p1)
 *   (p3) the same through two engines on one PostgreSQL schema, the posters split between them
 *   (p4) the sweep's claim with --claim-rows pending deliveries         target < 20 ms
 *   (p5) fail-over after a SIGKILL: two engines, a 5 s lease, one killed while it holds deliveries
 *        (scenario-failover.ts); run before (p4), whose million rows would weigh on it
 * Targets are reported, never asserted.
 */
import { scenarioRunner } from './scenario-runner.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { startPostgres } from '../test/helpers/servers/postgres-server.js';
import type { BenchOptions } from './bench-options.js';
import { startCountingReceiver } from './counting-receiver.js';
import type { MachineInfo } from './machine-info.js';
import { postgresCpuReader } from './postgres-cpu.js';
import type { FailoverResult } from './failover-figures.js';
import { runFailoverScenario } from './scenario-failover.js';
import { runPgClaimScenario, type PgClaimResult } from './scenario-pg-claim.js';
import { runStoreEngines, type BenchStore, type StoreRunResult } from './scenario-store-engines.js';
import { formatStoreReport } from './store-report.js';

export interface StoreBenchResults {
  readonly command: string;
  readonly npmCommand: string;
  readonly machine: MachineInfo;
  readonly options: BenchOptions;
  readonly sqlite: StoreRunResult | null;
  readonly postgres: StoreRunResult | null;
  readonly postgresTwo: StoreRunResult | null;
  readonly claim: PgClaimResult | null;
  readonly failover: FailoverResult | null;
  readonly postgresVersion: string | null;
  readonly problems: readonly string[];
}

export async function runStoreBench(options: BenchOptions, header: { command: string; npmCommand: string; machine: MachineInfo }, resultsPath: string, log: (line: string) => void): Promise<void> {
  const problems: string[] = [];
  const scenario = scenarioRunner(problems, log);
  const n = (value: number) => value.toLocaleString('en-US');
  const receiver = await startCountingReceiver();
  const server = await startPostgres({ durable: true });
  let results: StoreBenchResults;
  try {
    const database = await server.createDatabase('bench');
    const postgresStore = (schema: string): BenchStore => ({ kind: 'postgres', url: database.url, schema, serverCpuMs: postgresCpuReader(server.dataDir) });
    const sqlite = await scenario(`(p1) one engine on SQLite: ${n(options.events)} events`, () => runStoreEngines(receiver, options, { label: 'SQLite, one engine', engines: 1, store: { kind: 'sqlite' }, idPrefix: 'p1' }, log));
    const postgres = await scenario(`(p2) one engine on PostgreSQL: ${n(options.events)} events`, () => runStoreEngines(receiver, options, { label: 'PostgreSQL, one engine', engines: 1, store: postgresStore('bench_one'), idPrefix: 'p2' }, log));
    const postgresTwo = await scenario(`(p3) two engines on one PostgreSQL schema: ${n(options.events)} events`, () => runStoreEngines(receiver, options, { label: 'PostgreSQL, two engines', engines: 2, store: postgresStore('bench_two'), idPrefix: 'p3' }, log));
    const failover = await scenario('(p5) fail-over after a SIGKILL: two engines on one PostgreSQL schema, one killed', () => runFailoverScenario(receiver, options, { url: database.url, schema: 'bench_failover' }, log));
    const claim = options.claimRows > 0 ? await scenario(`(p4) claim with ${n(options.claimRows)} pending deliveries`, () => runPgClaimScenario(database.url, 'bench_claim', options.claimRows)) : null;
    for (const run of [sqlite, postgres, postgresTwo]) if (run?.firstError) problems.push(`${run.label}: ${run.firstError}`);
    results = { ...header, options, sqlite, postgres, postgresTwo, claim, failover, postgresVersion: await serverVersion(database.url), problems };
  } finally {
    await server.stop();
    await receiver.close();
  }
  process.stdout.write(formatStoreReport(results));
  await mkdir(dirname(resultsPath), { recursive: true });
  await writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
}

async function serverVersion(url: string): Promise<string | null> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}
