/**
 * Runs `hms-sync run` as a real child process (the same command the container's entrypoint runs)
 * and finds its HTTP address from the "listening on" log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runProcess, type ProcessResult } from './run-process.js';

export const CLI_PATH = fileURLToPath(new URL('../../engine/cli/main.js', import.meta.url));

export interface EngineProcess {
  readonly child: ChildProcess;
  readonly url: string;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export type CliResult = ProcessResult;

/** Runs the CLI to completion, with `input` on its standard input when given. */
export function runCli(args: readonly string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return runProcess(process.execPath, [CLI_PATH, ...args], { env, input });
}

export interface EngineProcessOptions {
  readonly timeoutMs?: number;
  /** A command that runs the engine's command line, e.g. `['prlimit', '--fsize=1048576:unlimited', '--']`. */
  readonly launcher?: readonly string[];
  /** What starts the engine, in place of `node CLI_PATH run` (e.g. `['npm', 'start']`); `args` follow it. */
  readonly command?: readonly string[];
  readonly cwd?: string;
}

export function startEngineProcess(args: readonly string[], env: Record<string, string> = {}, options: EngineProcessOptions = {}): Promise<EngineProcess> {
  const { timeoutMs = 15_000, launcher = [], command: start = [process.execPath, CLI_PATH, 'run'], cwd } = options;
  // Any free port, unless the test chose one through the environment.
  const port = env.HMS_SYNC_PORT === undefined ? ['--port', '0'] : [];
  const command = [...launcher, ...start, ...port, ...args];
  const child = spawn(command[0]!, command.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return new Promise((resolve, reject) => {
    // An engine that does not start in time is killed, so no test leaves one running behind it.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`engine did not start within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/[^"\s]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1]!,
          stdout: () => stdout,
          stderr: () => stderr,
          stop(signal = 'SIGTERM') {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`engine exited (${code}) before listening\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
}

/** The arguments and environment of one engine to start. */
export type EngineStart = readonly [args: readonly string[], env?: Record<string, string>];

/**
 * Starts engines one after another, each with its own arguments and environment. When one does not
 * start, those already started are killed before the error is thrown, so no engine outlives its test.
 */
export async function startEngineProcesses<const Starts extends ReadonlyArray<EngineStart>>(starts: Starts): Promise<{ -readonly [K in keyof Starts]: EngineProcess }> {
  const started: EngineProcess[] = [];
  try {
    for (const [args, env] of starts) started.push(await startEngineProcess(args, env));
    return started as { -readonly [K in keyof Starts]: EngineProcess };
  } catch (error) {
    await Promise.all(started.map((engine) => engine.stop('SIGKILL')));
    throw error;
  }
}
