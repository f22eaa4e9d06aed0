/**
 * Scenarios (a) and (d): a sender child process posts `events` bodies straight to the receiver.
 * Throughput runs from the child's first request to the last arrival at the receiver, the same
 * span as scenario (b) measures for the engine.
 */
import { scenarioBudgetMs } from './bench-options.js';
import type { CountingReceiver } from './counting-receiver.js';
import { runSenderChild } from './sender-child.js';
import { ownCpuMs } from './process-cpu.js';
import { perEventUs, percentile, perSecond } from './stats.js';

/** Extra time for a sender child to start and exit around its own deadline. */
const CHILD_GRACE_MS = 10_000;
/** How long to wait for requests still on the wire once the sender has its last answer. */
const ARRIVAL_GRACE_MS = 2_000;

export interface SenderScenarioResult {
  readonly eventsPerSecond: number | null;
  readonly expected: number;
  readonly received: number;
  readonly ok: number;
  readonly failed: number;
  readonly firstError: string | null;
  readonly seconds: number | null;
  /** sentAt → arrival, ms: the wire and the receiver alone. */
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  /** CPU per request, µs: the sender child, and the bench process (the receiver) over the same span. */
  readonly senderCpuUs: number | null;
  readonly receiverCpuUs: number | null;
}

export async function runSenderScenario(
  receiver: CountingReceiver,
  script: 'raw-sender.js' | 'naive-sender.js',
  events: number,
  concurrency: number,
): Promise<SenderScenarioResult> {
  const budgetMs = scenarioBudgetMs(events);
  receiver.startWindow(events);
  const receiverCpuAtStart = process.cpuUsage();
  const report = await runSenderChild(script, { url: receiver.url, count: events, concurrency, deadline: Date.now() + budgetMs }, budgetMs + CHILD_GRACE_MS);
  receiver.setExpected(report.ok + report.failed);
  const window = await receiver.waitForWindow(ARRIVAL_GRACE_MS);
  const receiverCpuMs = ownCpuMs(receiverCpuAtStart);
  return {
    eventsPerSecond: perSecond(window.received, report.startedAt, window.lastAt),
    expected: events,
    received: window.received,
    ok: report.ok,
    failed: report.failed,
    firstError: report.firstError,
    seconds: window.lastAt === null ? null : (window.lastAt - report.startedAt) / 1000,
    latencyP50Ms: percentile(window.latenciesMs, 50),
    latencyP99Ms: percentile(window.latenciesMs, 99),
    senderCpuUs: perEventUs(report.cpuMs, window.received),
    receiverCpuUs: perEventUs(receiverCpuMs, window.received),
  };
}
