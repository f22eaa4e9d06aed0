/**
 * A Redis 7 for the peer scenario: Debian's `redis-server` on a free port of 127.0.0.1, in a temp
 * directory, with the durability a BullMQ user would pick (AOF, fsync every second; no RDB
 * snapshots). stop() shuts it down (SIGTERM: Redis syncs the AOF and exits) and removes the files.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { processCpuReader } from './process-cpu.js';

/** Found on PATH; Debian installs it at /usr/bin/redis-server. */
export const REDIS_SERVER_COMMAND = 'redis-server';
/** How long Redis may take to say it accepts connections. */
const REDIS_START_TIMEOUT_MS = 10_000;
/** How long stop() waits after SIGTERM before SIGKILL. */
const REDIS_STOP_TIMEOUT_MS = 10_000;
const READY_LINE = 'Ready to accept connections';
/** Output kept for error messages, in characters. */
const OUTPUT_TAIL_CHARS = 4_000;

export interface RedisServer {
  readonly port: number;
  readonly pid: number;
  /** What `redis-server --version` says of itself, from its start-up log (e.g. "7.0.15"). */
  readonly version: string | null;
  /** CPU time Redis has used so far, ms (null where /proc is unavailable). */
  cpuMs(): number | null;
  /** Idempotent. */
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'hms-sync-bench-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--logfile', ''];
  const child = spawn(REDIS_SERVER_COMMAND, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let output = '';
  let version: string | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${REDIS_START_TIMEOUT_MS} ms:\n${output}`)), REDIS_START_TIMEOUT_MS);
    const settle = (error?: Error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    child.once('error', (error) => settle(new Error(`cannot run ${REDIS_SERVER_COMMAND} (${error.message}); the peer scenario needs Debian's redis-server: apt-get install redis-server`)));
    child.once('exit', (code) => settle(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        output = (output + chunk).slice(-OUTPUT_TAIL_CHARS);
        version ??= /version=(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? null;
        if (output.includes(READY_LINE)) settle();
      });
    }
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), REDIS_STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  const readCpuMs = processCpuReader();
  return { port, pid: child.pid!, version, cpuMs: () => readCpuMs(child.pid!), stop };
}
