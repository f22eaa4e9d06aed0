/**
 * (p5) of the store bench: fail-over after a SIGKILL. Two engines on one PostgreSQL schema with a
 * short lease (FAILOVER_LEASE_MS), each fed a steady open-loop stream of scenario (b)'s events.
 * As the victim's stream ends it is SIGKILLed, holding what it accepted last; the survivor's
 * stream goes on past the lease. The store says what the
 * killed one held (inflight under its lease), and when each of those was delivered; the receiver
 * counts requests per Idempotency-Key. Figures: failover-figures.ts.
 */
import pg from 'pg';
import { DEFAULT_LEASE_MS } from '../engine/engine.js';
import type { BenchOptions } from './bench-options.js';
import { makeBenchDirs } from './bench-dirs.js';
import type { CountingReceiver } from './counting-receiver.js';
import { startEngineChild, type EngineChild } from './engine-process.js';
import { failoverFigures, type FailoverResult } from './failover-figures.js';
import { requestJson } from './http-json.js';
import { sendOpenLoop } from './open-loop.js';

/** The bench's lease: short, so that the run takes seconds; its renewal; a sweep every second. */
export const FAILOVER_LEASE_MS = 5_000;
export const FAILOVER_LEASE_RENEW_MS = 1_000;
const FAILOVER_SWEEP = '*/1 * * * * *';
/** The steady stream, per engine: below what two engines deliver on the shared two cores, so
 * what the fail-over costs is not hidden behind a backlog. */
export const FAILOVER_RATE_PER_ENGINE = 300;
/** The stream to both before the kill, and to the survivor after it: past the lease and a sweep. */
export const FAILOVER_BEFORE_KILL_MS = 5_000;
export const FAILOVER_AFTER_KILL_MS = FAILOVER_LEASE_MS + 7_000;
/** How long the deliveries may take to settle after the stream: the lease a few times over. */
const SETTLE_BUDGET_MS = 3 * FAILOVER_LEASE_MS + 30_000;
const POLL_MS = 20;

export async function runFailoverScenario(receiver: CountingReceiver, options: BenchOptions, store: { url: string; schema: string }, log: (line: string) => void): Promise<FailoverResult> {
  const dirs = await Promise.all([0, 1].map(() => makeBenchDirs({ concurrency: options.concurrency })));
  const engines: EngineChild[] = [];
  const db = new pg.Client({ connectionString: store.url });
  await db.connect();
  const arrivalsByKey = new Map<string, number[]>();
  try {
    // One at a time: each engine's start ends the leases in the schema, and none is held yet.
    for (const dir of dirs) {
      engines.push(await startEngineChild({
        connectorsDir: dir.connectorsDir,
        dataDir: dir.dataDir,
        store,
        sweep: FAILOVER_SWEEP,
        args: ['--lease', `${FAILOVER_LEASE_MS / 1000}s`, '--lease-renew', `${FAILOVER_LEASE_RENEW_MS / 1000}s`],
        env: { RECEIVER_URL: receiver.url },
      }));
    }
    const [victim, survivor] = engines as [EngineChild, EngineChild];
    const victimId = await replicaIdOf(victim);
    // The window only counts here (the figures come from the observer); 0 keeps its latency array empty.
    receiver.startWindow(0);
    receiver.observe((request) => arrivalsByKey.set(request.idempotencyKey, [...(arrivalsByKey.get(request.idempotencyKey) ?? []), request.at]));
    const stream = (engine: EngineChild, durationMs: number, idPrefix: string) => sendOpenLoop({ url: engine.url, ratePerSecond: FAILOVER_RATE_PER_ENGINE, durationMs, idPrefix });

    // The kill comes as the victim's stream ends: it holds what it accepted last.
    const survivorBefore = stream(survivor, FAILOVER_BEFORE_KILL_MS, 'p5-survivor');
    const victimStream = await stream(victim, FAILOVER_BEFORE_KILL_MS, 'p5-victim');
    const killAt = Date.now();
    await victim.kill();
    const held = (await db.query<{ id: string }>(`SELECT id FROM ${store.schema}.deliveries WHERE owner = $1 AND state = 'inflight'`, [victimId])).rows.map((row) => row.id);
    log(`    SIGKILLed one engine holding ${held.length} deliveries (it acknowledged ${victimStream.acked} events); streaming to the survivor alone`);
    const before = await survivorBefore;
    const after = await stream(survivor, FAILOVER_AFTER_KILL_MS, 'p5-after');

    // Past the deadline the figures say what was left undelivered.
    const deadline = Date.now() + SETTLE_BUDGET_MS;
    await until(async () => (await unfinished(db, store.schema)) === 0 || Date.now() > deadline);
    const deliveredAt = new Map(
      (await db.query<{ id: string; updated_at: string }>(`SELECT id, updated_at FROM ${store.schema}.deliveries WHERE id = ANY($1::text[]) AND state = 'delivered'`, [held])).rows.map((row) => [row.id, Number(row.updated_at)]),
    );
    return failoverFigures({
      leaseMs: FAILOVER_LEASE_MS,
      leaseRenewMs: FAILOVER_LEASE_RENEW_MS,
      defaultLeaseMs: DEFAULT_LEASE_MS,
      killAt,
      held,
      deliveredAt,
      arrivalsByKey,
      survivorAckedAfterKill: after.acked,
      survivorFailedEvents: before.failed + after.failed,
    });
  } finally {
    receiver.observe(null);
    await db.end().catch(() => undefined);
    await Promise.all(engines.map((engine) => engine.stop()));
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  }
}
async function replicaIdOf(engine: EngineChild): Promise<string> {
  const answer = await requestJson('GET', `${engine.url}/status`);
  const self = (answer.body as { replicas?: { id: string; self: boolean }[] } | undefined)?.replicas?.find((replica) => replica.self);
  if (self === undefined) throw new Error(`GET /status named no replica (HTTP ${answer.status})`);
  return self.id;
}

async function unfinished(db: pg.Client, schema: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.deliveries WHERE state <> 'delivered'`);
  return Number(rows[0]!.n);
}


/** Polls `check` until it holds; each caller's check includes its deadline. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}
