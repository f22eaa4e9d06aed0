/**
 * What scenario (h) measures with the backlog in place: how long the API takes to answer, how
 * big the store is, and how long one sweep claim takes.
 *
 * The engine holds its database under an exclusive lock, so the claim cannot be timed from
 * outside while it runs, and its debug log only marks the end of a whole sweep run (several
 * claims). Instead, a copy of the data directory, taken while the killed engine is gone, is opened
 * in this process with the engine's own store code (migrations and crash recovery included, timed
 * as `openMs`), and `claimDue` is called as the sweep calls it. The copy leaves the original as
 * the crash left it for the restart.
 */
import { cp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_LEASE_MS } from '../engine/engine.js';
import { openSqliteStore } from '../engine/store/sqlite/sqlite-store.js';
import { SWEEP_BATCH_SIZE } from '../engine/sweep/sweep.js';
import { requestJson } from './http-json.js';
import { percentile } from './stats.js';

/** Times each API request is made; the report gives the median and the slowest. */
export const PROBE_REPEATS = 5;
/** Claims of SWEEP_BATCH_SIZE timed one after another on the copy. */
export const CLAIM_REPEATS = 5;

export interface TimedRequest {
  readonly path: string;
  /** HTTP status of the first answer (or "error"). */
  readonly status: number | 'error';
  readonly medianMs: number | null;
  readonly maxMs: number | null;
}

export async function timeRequest(baseUrl: string, path: string, method: 'GET' | 'POST' = 'GET'): Promise<TimedRequest> {
  const times = new Float64Array(PROBE_REPEATS);
  let status: number | 'error' | undefined;
  for (let index = 0; index < PROBE_REPEATS; index++) {
    const started = performance.now();
    const answer = await requestJson(method, `${baseUrl}${path}`, undefined, 60_000).catch(() => null);
    times[index] = performance.now() - started;
    status ??= answer?.status ?? 'error';
  }
  return { path, status: status ?? 'error', medianMs: percentile(times, 50), maxMs: percentile(times, 100) };
}

/** Bytes of every file directly in `dir` (the database and its WAL). */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(dir, entry.name))).size;
  }
  return total;
}

export interface ClaimTiming {
  readonly batch: number;
  /** Opening the copy: schema check and crash recovery over the whole backlog. */
  readonly openMs: number;
  /** The first claim after opening, and the median of all CLAIM_REPEATS. */
  readonly firstMs: number;
  readonly medianMs: number | null;
  /** Deliveries the first claim took (less than `batch` means fewer were due). */
  readonly claimed: number;
}

/** Copies `dataDir` to `copyDir` (the engine must not be running), times claims there, removes the copy. */
export async function timeSweepClaims(dataDir: string, copyDir: string, connector: string): Promise<ClaimTiming> {
  await cp(dataDir, copyDir, { recursive: true });
  try {
    const opening = performance.now();
    const store = await openSqliteStore({ dataDir: copyDir });
    const openMs = performance.now() - opening;
    try {
      const times = new Float64Array(CLAIM_REPEATS);
      let claimed = 0;
      for (let index = 0; index < CLAIM_REPEATS; index++) {
        const started = performance.now();
        const batch = await store.claimDue({ now: Date.now(), limit: SWEEP_BATCH_SIZE, leaseMs: DEFAULT_LEASE_MS, skip: new Set(), connectors: new Set([connector]) });
        times[index] = performance.now() - started;
        if (index === 0) claimed = batch.length;
      }
      return { batch: SWEEP_BATCH_SIZE, openMs, firstMs: times[0]!, medianMs: percentile(times, 50), claimed };
    } finally {
      await store.close();
    }
  } finally {
    await rm(copyDir, { recursive: true, force: true });
  }
}
