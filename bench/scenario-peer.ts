/**
 * Scenario (f), the peer: what a team would build instead of hms-sync, on BullMQ 5 and Redis 7
 * (AOF, fsync every second: weaker durability than the engine's fsync before every 202). The
 * same events go in the same way (`posters` loops, batches of `batchSize`, each acknowledged once
 * `addBulk` resolves), and a worker in its own process (bullmq-worker.ts, as the engine is one
 * process) does the same `when`, map and POST to the same receiver at the same concurrency.
 * Throughput runs from the first addBulk to the last arrival, the span scenario (b) measures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { scenarioBudgetMs, type BenchOptions } from './bench-options.js';
import { sharedBatches, type BenchEvent } from './bench-workload.js';
import type { CountingReceiver } from './counting-receiver.js';
import { ownCpuMs, processCpuReader } from './process-cpu.js';
import { startRedisServer } from './redis-server.js';
import { perEventUs, percentile, perSecond } from './stats.js';
import type { WorkerReport } from './bullmq-worker.js';

const QUEUE_NAME = 'bench-deliveries';
/** What a team would set: finished jobs leave Redis, failed ones stay to look at, retries back off as the engine's do. */
const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: 1_000, attempts: 11, backoff: { type: 'exponential', delay: 5_000 } } as const;
/** How long the worker may take to connect, and to stop. */
const WORKER_START_TIMEOUT_MS = 15_000;
const WORKER_STOP_TIMEOUT_MS = 15_000;

export interface PeerScenarioResult {
  readonly concurrency: number;
  readonly redisVersion: string | null;
  readonly eventsPerSecond: number | null;
  readonly expected: number;
  readonly acked: number;
  readonly delivered: number;
  readonly seconds: number | null;
  /** Events per second acknowledged by addBulk while the worker was delivering. */
  readonly ingestEventsPerSecond: number | null;
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  /** CPU per delivered event, µs: the worker process, Redis, and the bench process (producer and receiver). */
  readonly workerCpuUs: number | null;
  readonly redisCpuUs: number | null;
  readonly benchCpuUs: number | null;
  readonly failedJobs: number;
  readonly firstError: string | null;
}

export async function runPeerScenario(receiver: CountingReceiver, options: BenchOptions): Promise<PeerScenarioResult> {
  const redis = await startRedisServer();
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue<BenchEvent>(QUEUE_NAME, { connection, defaultJobOptions: JOB_OPTIONS });
  let worker: ChildProcess | undefined;
  try {
    await queue.waitUntilReady();
    worker = fork(fileURLToPath(new URL('bullmq-worker.js', import.meta.url)), ['--redis-port', String(redis.port), '--receiver', receiver.url, '--queue', QUEUE_NAME, '--concurrency', String(options.peerConcurrency)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await messageFrom(worker, 'ready', WORKER_START_TIMEOUT_MS);
    const readCpuMs = processCpuReader();
    const workerPid = worker.pid!;
    const deadline = Date.now() + scenarioBudgetMs(options.events);
    receiver.startWindow(options.events);
    const cpuAtStart = { worker: readCpuMs(workerPid), redis: redis.cpuMs(), bench: process.cpuUsage() };

    const batches = sharedBatches(options.events, options.batchSize, 'f');
    const firstAddAt = Date.now();
    let acked = 0;
    let lastAckAt: number | null = null;
    let producerError: string | null = null;
    await Promise.all(
      Array.from({ length: options.posters }, async (_, poster) => {
        for (let batch = batches(poster, Date.now()); batch !== null && Date.now() < deadline; batch = batches(poster, Date.now())) {
          try {
            await queue.addBulk(batch.map((event) => ({ name: event.type, data: event })));
            acked += batch.length;
            lastAckAt = Date.now();
          } catch (error) {
            producerError ??= error instanceof Error ? error.message : String(error);
          }
        }
      }),
    );
    receiver.setExpected(acked);
    const window = await receiver.waitForWindow(Math.max(0, deadline - Date.now()), new Promise((resolve) => worker!.once('exit', resolve)));
    const used = (at: number | null, end: number | null) => (at === null || end === null ? null : end - at);
    const workerCpuMs = used(cpuAtStart.worker, readCpuMs(workerPid));
    const redisCpuMs = used(cpuAtStart.redis, redis.cpuMs());
    const benchCpuMs = ownCpuMs(cpuAtStart.bench);
    const report = await stopWorker(worker);
    return {
      concurrency: options.peerConcurrency,
      redisVersion: redis.version,
      eventsPerSecond: window.complete ? perSecond(window.received, firstAddAt, window.lastAt) : null,
      expected: options.events,
      acked,
      delivered: window.received,
      seconds: window.lastAt === null ? null : (window.lastAt - firstAddAt) / 1000,
      ingestEventsPerSecond: perSecond(acked, firstAddAt, lastAckAt),
      latencyP50Ms: percentile(window.latenciesMs, 50),
      latencyP99Ms: percentile(window.latenciesMs, 99),
      workerCpuUs: perEventUs(workerCpuMs, window.received),
      redisCpuUs: perEventUs(redisCpuMs, window.received),
      benchCpuUs: perEventUs(benchCpuMs, window.received),
      failedJobs: report?.failed ?? 0,
      firstError: producerError ?? report?.firstError ?? (window.complete ? null : `only ${window.received} of ${acked} jobs were delivered in time`),
    };
  } finally {
    if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await queue.close();
    await redis.stop();
  }
}

/** Resolves when `child` sends {type}; rejects when it exits first or `timeoutMs` passes. */
function messageFrom<T extends { type: string }>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`bullmq-worker sent no "${type}" within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type === type) finish(undefined, message as T);
    };
    const onExit = (code: number | null) => finish(new Error(`bullmq-worker exited (${code}) before it sent "${type}"`));
    const finish = (error?: Error, message?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Asks the worker to stop; null when it does not report in time (it is then killed). */
async function stopWorker(child: ChildProcess): Promise<WorkerReport | null> {
  const stopped = messageFrom<WorkerReport>(child, 'stopped', WORKER_STOP_TIMEOUT_MS).catch(() => null);
  child.send('stop');
  const report = await stopped;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (report === null) child.kill('SIGKILL');
    await exited;
  }
  return report;
}
