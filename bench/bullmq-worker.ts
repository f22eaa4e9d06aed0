/**
 * Child process: the peer's consumer, as a team would write it on BullMQ instead of hms-sync. A
 * BullMQ Worker takes each job (one bench event), evaluates the connector's `when` and map with
 * jsonata (the same expressions, compiled once), renders the same path and POSTs the result with
 * undici, `concurrency` jobs at once. A non-2xx answer fails the job, so BullMQ retries it.
 *
 * Protocol: argv --redis-port, --receiver, --queue, --concurrency. It sends {type: 'ready'} once
 * the worker is connected; on the message 'stop' it closes the worker and its pool, sends
 * {type: 'stopped', ...} and exits.
 */
import { Worker, type Job } from 'bullmq';
import jsonata from 'jsonata';
import { Pool } from 'undici';
import { SINK_MAP, SINK_WHEN, type BenchEvent } from './bench-workload.js';

export interface WorkerReport {
  readonly type: 'stopped';
  /** Jobs whose POST failed (non-2xx or network error), and the first such error. */
  readonly failed: number;
  readonly firstError: string | null;
}

const argv = process.argv.slice(2);
const arg = (flag: string): string => {
  const value = argv[argv.indexOf(flag) + 1];
  if (!argv.includes(flag) || value === undefined) throw new Error(`bullmq-worker: missing ${flag}`);
  return value;
};
const concurrency = Number(arg('--concurrency'));
const when = jsonata(SINK_WHEN);
const map = jsonata(SINK_MAP);
const pool = new Pool(arg('--receiver'), { connections: concurrency });
let failed = 0;
let firstError: string | null = null;

async function deliver(job: Job<BenchEvent>): Promise<void> {
  const event = job.data;
  if (!(await when.evaluate(event))) return;
  const body = JSON.stringify(await map.evaluate(event));
  try {
    const response = await pool.request({
      method: 'POST',
      path: `/ingest/${encodeURIComponent(event.type)}`,
      headers: { 'content-type': 'application/json', 'idempotency-key': job.id ?? '' },
      body,
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode >= 300) throw new Error(`HTTP ${response.statusCode}`);
  } catch (error) {
    failed += 1;
    firstError ??= error instanceof Error ? error.message : String(error);
    throw error;
  }
}

const worker = new Worker<BenchEvent>(arg('--queue'), deliver, {
  connection: { host: '127.0.0.1', port: Number(arg('--redis-port')), maxRetriesPerRequest: null },
  concurrency,
});
worker.on('error', (error) => {
  firstError ??= error.message;
});
await worker.waitUntilReady();
process.send?.({ type: 'ready' });
process.on('message', (message) => {
  if (message !== 'stop') return;
  void (async () => {
    await worker.close();
    await pool.close();
    const report: WorkerReport = { type: 'stopped', failed, firstError };
    process.send?.(report, () => process.disconnect());
  })();
});
