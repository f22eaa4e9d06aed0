/**
 * Runs a sender (raw-sender.js or naive-sender.js) as a child process, so the sender and the
 * receiver sit in different processes exactly as the engine and the receiver do in scenario (b).
 *
 * Protocol: the child gets --url, --count, --concurrency and --deadline (ms since the epoch), and
 * sends one SenderReport over IPC when it is done, then exits.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SenderReport {
  /** Date.now() before the first request and after the last answer. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** Requests answered 2xx, and the rest (non-2xx or network errors). */
  readonly ok: number;
  readonly failed: number;
  readonly firstError: string | null;
  /** CPU time the sender used from its first request to its last answer, ms. */
  readonly cpuMs: number;
}

export interface SenderArgs {
  readonly url: string;
  readonly count: number;
  readonly concurrency: number;
  readonly deadline: number;
}

/** Parses the child's argv (the flags `runSenderChild` passes). */
export function parseSenderArgs(argv: readonly string[]): SenderArgs {
  const value = (flag: string): string => {
    const index = argv.indexOf(flag);
    const text = index >= 0 ? argv[index + 1] : undefined;
    if (text === undefined) throw new Error(`sender: missing ${flag}`);
    return text;
  };
  return { url: value('--url'), count: Number(value('--count')), concurrency: Number(value('--concurrency')), deadline: Number(value('--deadline')) };
}

/** Sends the report to the parent (or prints it when run by hand), then lets the child exit. */
export function reportToParent(report: SenderReport): void {
  if (process.send) process.send(report, () => process.disconnect());
  else process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Resolves with the child's report; rejects if it exits without one or outlives `timeoutMs` (then it is killed). */
export function runSenderChild(script: 'raw-sender.js' | 'naive-sender.js', args: SenderArgs, timeoutMs: number): Promise<SenderReport> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = fork(path, ['--url', args.url, '--count', String(args.count), '--concurrency', String(args.concurrency), '--deadline', String(args.deadline)], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let report: SenderReport | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', (message) => (report = message as SenderReport));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (report) resolve(report);
      else reject(new Error(`${script} exited (${code ?? signal}) without a report`));
    });
  });
}
