/**
 * Runs `hms-sync run` as a child process, for the bench and the demo.
 *
 * It reserves a free port and passes it as --port rather than --port 0, and takes GET /healthz
 * answering 200 as ready, so it depends on neither the log level nor the log format (at
 * --log-level warn some engine versions print no "listening on" line). stdout and stderr are
 * always drained (a full pipe would block the engine's logging); only a short tail is kept.
 */
import { spawn } from 'node:child_process';
import { ENGINE_NODE_FLAGS } from '../engine/cli/node-flags.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { processCpuReader } from './process-cpu.js';
import { requestJson } from './http-json.js';

export const CLI_PATH = fileURLToPath(new URL('../engine/cli/main.js', import.meta.url));
/** How long the engine may take to answer GET /healthz after it is spawned. */
export const ENGINE_START_TIMEOUT_MS = 15_000;
/** How long stop() waits after SIGTERM before SIGKILL; above the engine's own 10 s drain. */
export const ENGINE_STOP_TIMEOUT_MS = 15_000;
const HEALTH_POLL_INTERVAL_MS = 20;
/** Output kept for error messages, in characters. */
const OUTPUT_TAIL_CHARS = 8_000;

export interface EngineChildOptions {
  readonly connectorsDir: string;
  /** --sources: the event sources to take events from (source scenarios). */
  readonly sourcesDir?: string;
  readonly dataDir: string;
  /** A PostgreSQL store instead of `dataDir` (--store URL --store-schema SCHEMA). */
  readonly store?: { readonly url: string; readonly schema: string };
  /** Added to this process's environment. */
  readonly env?: Record<string, string>;
  /** --log-level; without it the engine's default (info), as a user runs it and as the bench measures it. */
  readonly logLevel?: string;
  /** --sweep cron expression (with seconds); the engine's default when absent. */
  readonly sweep?: string;
  /** More flags for `hms-sync run` (e.g. --lease 5s). */
  readonly args?: readonly string[];
  /** Called with each complete line the engine writes to stdout or stderr. */
  readonly onLine?: (line: string) => void;
  /** A port reserved with freePort(), for a caller that must know it before the engine answers. */
  readonly port?: number;
  /** How long it may take to answer GET /healthz (default ENGINE_START_TIMEOUT_MS). */
  readonly startTimeoutMs?: number;
  /** Node flags added to the engine's own (e.g. --cpu-prof). */
  readonly nodeFlags?: readonly string[];
}

export interface EngineChild {
  readonly url: string;
  readonly pid: number;
  /** The exact command line, for printing. */
  readonly command: string;
  /** Date.now() just before the spawn, and when GET /healthz first answered 200 (within HEALTH_POLL_INTERVAL_MS). */
  readonly spawnedAt: number;
  readonly healthyAt: number;
  /** Peak resident set size so far (VmHWM), in bytes; null where /proc is unavailable. */
  peakRssBytes(): number | null;
  /** CPU time the engine has used so far (all threads), ms; null where /proc is unavailable. */
  cpuMs(): number | null;
  /** Resolves with the exit code or signal name once the engine has exited, for whatever reason. */
  readonly exited: Promise<number | string>;
  /** The last few KB of the engine's output. */
  outputTail(): string;
  /** Bytes the engine has written to stdout so far: its log. */
  stdoutBytes(): number;
  /** SIGTERM, then SIGKILL after ENGINE_STOP_TIMEOUT_MS; resolves with the exit code or signal. Idempotent. */
  stop(): Promise<number | string>;
  /** SIGKILL, as a crash would; resolves once the engine is gone. */
  kill(): Promise<number | string>;
}

export async function startEngineChild(options: EngineChildOptions): Promise<EngineChild> {
  const port = options.port ?? (await freePort());
  // The engine runs with the Node flags the Dockerfile's ENTRYPOINT and `npm start` give it.
  const args = [...ENGINE_NODE_FLAGS, ...(options.nodeFlags ?? []), CLI_PATH, 'run', '--port', String(port), '--host', '127.0.0.1', '--connectors', options.connectorsDir,
    ...(options.store ? ['--store', options.store.url, '--store-schema', options.store.schema] : ['--data', options.dataDir])];
  if (options.logLevel) args.push('--log-level', options.logLevel);
  if (options.sweep) args.push('--sweep', options.sweep);
  if (options.sourcesDir) args.push('--sources', options.sourcesDir);
  if (options.args) args.push(...options.args);
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let stdoutBytes = 0;
  child.stdout.on('data', (chunk: string | Buffer) => (stdoutBytes += Buffer.byteLength(chunk)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let exitedWith: number | string | undefined;
  void exited.then((code) => (exitedWith = code));
  child.once('error', () => undefined); // spawn failures show up as an early exit below

  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-OUTPUT_TAIL_CHARS);
      if (!options.onLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) options.onLine(line);
    });
  }

  let stopping: Promise<number | string> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (exitedWith !== undefined) return exitedWith;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ENGINE_STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    })();
    return stopping;
  };

  const readCpuMs = processCpuReader();
  const url = `http://127.0.0.1:${port}`;
  const startTimeoutMs = options.startTimeoutMs ?? ENGINE_START_TIMEOUT_MS;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exitedWith !== undefined) throw new Error(`engine exited (${exitedWith}) before it was healthy:\n${tail}`);
    const healthy = await requestJson('GET', `${url}/healthz`, undefined, 1_000).then((answer) => answer.status === 200, () => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`engine was not healthy within ${startTimeoutMs} ms:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_INTERVAL_MS));
  }

  const healthyAt = Date.now();

  return {
    url,
    pid: child.pid!,
    spawnedAt,
    healthyAt,
    command: ['node', ...args.map((arg) => (/[\s*"]/.test(arg) ? JSON.stringify(arg) : arg))].join(' '),
    peakRssBytes: () => readPeakRss(child.pid!),
    cpuMs: () => readCpuMs(child.pid!),
    outputTail: () => tail,
    stdoutBytes: () => stdoutBytes,
    exited,
    stop,
    kill() {
      if (exitedWith === undefined) child.kill('SIGKILL');
      return exited;
    },
  };
}

function readPeakRss(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
