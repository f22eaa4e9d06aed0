/**
 * The claim on PostgreSQL with a large backlog: DEFAULT_PG_CLAIM_ROWS pending deliveries (and their
 * events) seeded with INSERT … SELECT generate_series in a fresh schema, then the sweep's claim
 * (Store.claimDue, SWEEP_BATCH_SIZE deliveries, as the sweep calls it: through the store's group
 * commit, SELECT … FOR UPDATE SKIP LOCKED and the lease in one transaction) timed CLAIM_REPEATS
 * times. Each claim leases the oldest due deliveries, so the next one skips past them, as
 * successive sweeps do. Then the claim's statements alone (claim-due.ts: the SELECT … FOR UPDATE
 * SKIP LOCKED and the lease's UPDATE) on a connection of their own, each in a transaction rolled
 * back, so every repeat claims the same oldest deliveries: the query's time without the commit's
 * WAL flush and the write queue.
 */
import pg from 'pg';
import { systemClock } from '../engine/clock.js';
import { DEFAULT_LEASE_MS } from '../engine/engine.js';
import { claimDue } from '../engine/store/postgres/claim-due.js';
import { createStorePool } from '../engine/store/postgres/connection.js';
import { openPostgresStore } from '../engine/store/postgres/postgres-store.js';
import { SWEEP_BATCH_SIZE } from '../engine/sweep/sweep.js';
import { backendCpuReader } from './postgres-cpu.js';

/** Claims timed; the report gives the first, the median and the slowest. */
export const CLAIM_REPEATS = 20;

export interface PgClaimResult {
  readonly rows: number;
  readonly seedSeconds: number;
  readonly batch: number;
  /** Deliveries the first claim took (less than `batch` means fewer were due). */
  readonly claimed: number;
  readonly firstMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
  /** The statements alone, rolled back: median and max. */
  readonly queryMedianMs: number;
  readonly queryMaxMs: number;
  /** The server backend's CPU for the statements alone (median, ms): unlike their time, it hardly
   * moves with the machine's load. Null where the server's processes are not readable. */
  readonly queryServerCpuMedianMs: number | null;
}

export async function runPgClaimScenario(url: string, schema: string, rows: number): Promise<PgClaimResult> {
  const seedStarted = Date.now();
  const store = await openPostgresStore({ url, schema, clock: systemClock });
  try {
    await seed(url, schema, rows, Date.now() - rows - 1);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    const times: number[] = [];
    let claimed = 0;
    for (let repeat = 0; repeat < CLAIM_REPEATS; repeat++) {
      const started = performance.now();
      const batch = await store.claimDue({ now: Date.now(), limit: SWEEP_BATCH_SIZE, leaseMs: DEFAULT_LEASE_MS, skip: new Set(), connectors: new Set(['sink']) });
      times.push(performance.now() - started);
      if (repeat === 0) claimed = batch.length;
    }
    const query = await timeClaimStatements(url, schema);
    const serverCpu = query.serverCpu.every((ms): ms is number => ms !== null) ? median(query.serverCpu) : null;
    return { rows, seedSeconds, batch: SWEEP_BATCH_SIZE, claimed, firstMs: times[0]!, medianMs: median(times), maxMs: Math.max(...times), queryMedianMs: median(query.times), queryMaxMs: Math.max(...query.times), queryServerCpuMedianMs: serverCpu };
  } finally {
    await store.close();
  }
}

async function timeClaimStatements(url: string, schema: string): Promise<{ times: number[]; serverCpu: (number | null)[] }> {
  const pool = createStorePool(url, schema, () => undefined);
  const client = await pool.connect();
  const times: number[] = [];
  const serverCpu: (number | null)[] = [];
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const backendCpu = backendCpuReader(rows[0]!.pid);
    for (let repeat = 0; repeat < CLAIM_REPEATS; repeat++) {
      await client.query('BEGIN');
      const cpuBefore = backendCpu();
      const started = performance.now();
      await claimDue(client, { now: Date.now(), limit: SWEEP_BATCH_SIZE, leaseMs: DEFAULT_LEASE_MS, skip: new Set(), connectors: new Set(['sink']) }, 'bench-claim');
      times.push(performance.now() - started);
      const cpuAfter = backendCpu();
      serverCpu.push(cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore);
      await client.query('ROLLBACK');
    }
    return { times, serverCpu };
  } finally {
    client.release();
    await pool.end();
  }
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** `rows` events and a pending delivery each, due one millisecond apart from `from`, then ANALYZE. */
async function seed(url: string, schema: string, rows: number, from: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query(`INSERT INTO events (id, type, body, received_at)
      SELECT 'e-' || g, 'permitApproved', '{"type":"permitApproved","id":"e-' || g || '","inspectionRequired":true}', $1::bigint + g
      FROM generate_series(1, $2::int) g`, [from, rows]);
    await client.query(`INSERT INTO deliveries (id, event_id, connector, route, state, next_attempt_at, created_at, updated_at)
      SELECT 'd-' || g, 'e-' || g, 'sink', 'permit', 'pending', $1::bigint + g, $1::bigint + g, $1::bigint + g
      FROM generate_series(1, $2::int) g`, [from, rows]);
    await client.query('ANALYZE events; ANALYZE deliveries');
  } finally {
    await client.end();
  }
}
