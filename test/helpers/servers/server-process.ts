/**
 * A server started as a child process for tests and the bench: its output kept for error
 * messages, readiness awaited (a line it prints, or a check that passes), stopped with a signal
 * and waited for. Only the child started here is ever signalled.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { connect } from 'node:net';

/** Output kept per server for error messages, in characters. */
const OUTPUT_TAIL_CHARS = 8_000;

export interface ServerProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Sends `signal` (default SIGTERM), then SIGKILL after `timeoutMs`; resolves once it exited. Idempotent. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

export interface StartOptions extends SpawnOptions {
  /** Ready once this appears in its output... */
  readonly readyLine?: RegExp;
  /** ...or once this resolves true (polled). */
  readonly readyCheck?: () => Promise<boolean>;
  readonly timeoutMs: number;
  /** Names the server in errors. */
  readonly what: string;
}

export async function startServerProcess(command: string, args: readonly string[], options: StartOptions): Promise<ServerProcess> {
  const { readyLine, readyCheck, timeoutMs, what, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
  let output = '';
  let exitCode: number | string | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exitCode = code ?? signal ?? 'unknown';
    resolve();
  }));
  child.once('error', (error) => (output += `\nspawn failed: ${error.message}`));
  const lines: (() => void)[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      output = (output + chunk).slice(-OUTPUT_TAIL_CHARS);
      for (const check of lines) check();
    });
  }
  let stopping: Promise<void> | undefined;
  const server: ServerProcess = {
    child,
    output: () => output,
    stop(signal = 'SIGTERM', stopTimeoutMs = 20_000) {
      stopping ??= (async () => {
        if (exitCode !== undefined) return;
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };

  const deadline = Date.now() + timeoutMs;
  let settled = false;
  const ready = new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve();
    };
    const fail = (why: string) => done(new Error(`${what} ${why}\n${output}`));
    if (readyLine) lines.push(() => readyLine.test(output) && done());
    void exited.then(() => fail(`exited (${String(exitCode)}) before it was ready`));
    const poll = async () => {
      while (!settled && Date.now() < deadline) {
        if (readyCheck && (await readyCheck().catch(() => false))) return done();
        await new Promise((wait) => setTimeout(wait, 50));
      }
      fail(`was not ready within ${timeoutMs} ms`);
    };
    void poll();
  });
  try {
    await ready;
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }
  return server;
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
