/**
 * The figures issue 13 asks of `npm run bench`, each a ratio against a baseline measured in the
 * same run where it has one, and the targets they are judged by: PASS / MISS in the report, never
 * asserted. A target whose figure was not measured (scenario off or failed) is n/a.
 */
import type { BenchResults } from './report.js';

/** End to end against the raw undici loop: a figure since issue 13, the target of issue 2. */
export const RAW_RATIO_OF_ISSUE_2 = 0.5;
/** Engine CPU per delivered event against the raw sender's CPU per request. */
export const TARGET_MAX_CPU_RATIO = 1.6;
/** Acknowledged events per second with the receiver down, JSON arrays. */
export const TARGET_MIN_DURABLE_EVENTS_PER_S = 20_000;
/** One event per request, durable, from many clients. */
export const TARGET_MIN_SINGLE_REQUESTS_PER_S = 5_000;
/** Engine peak RSS through the whole of scenario (b). */
export const TARGET_MAX_PEAK_RSS_MB = 200;
/** Open loop at half (b)'s rate: scheduled POST to delivered. */
export const TARGET_MAX_LATENCY_P99_MS = 50;
/** hms-sync end to end against BullMQ on Redis, same concurrency. */
export const TARGET_MIN_PEER_RATIO = 1.5;
/** An ordered connector against the same one without orderingKey, live and draining. */
export const TARGET_MIN_ORDERED_RATIO = 0.7;
/** Draining the backlog against (b)'s end-to-end rate. */
export const TARGET_MIN_DRAIN_RATIO = 0.8;
/** Peak RSS through the backlog's ingest, restart and drain. */
export const TARGET_MAX_BACKLOG_RSS_MB = 250;
/** With the backlog in place; and GET /metrics with a million deliveries stored (k, issue 12). */
export const TARGET_MAX_API_MS = 100;
export const TARGET_MAX_CLAIM_MS = 50;
/** Longest write transaction of retention's run in scenario (m) (issue 12). */
export const TARGET_MAX_RETENTION_HOLD_MS = 50;
/** --store postgres: one engine on PostgreSQL against one on SQLite, end to end (issue 16). */
export const TARGET_MIN_POSTGRES_RATIO = 0.6;
/** --store postgres: the sweep's claim of 500 with a million pending deliveries (issue 16). */
export const TARGET_MAX_PG_CLAIM_MS = 20;
/** Restart with the backlog waiting: to GET /healthz 200 and to the first 202. */
export const TARGET_MAX_RESTART_MS = 5_000;

export interface BenchFigures {
  /** (b) / (a) events per second. */
  readonly rawRatio: number | null;
  /** (b) engine CPU per delivered event / (a) sender CPU per request. */
  readonly cpuRatio: number | null;
  /** (f): hms-sync / BullMQ events per second, and hms-sync at (f)'s concurrency / (a). */
  readonly peerRatio: number | null;
  readonly peerRawRatio: number | null;
  /** (g): ordered / unordered events per second. */
  readonly orderedLiveRatio: number | null;
  readonly orderedDrainRatio: number | null;
  /** (g): deliveries of the ordered runs that arrived after a later one of their key. */
  readonly orderViolations: number | null;
  /** (h): last ingest window / first, and drain / (b). */
  readonly backlogIngestRatio: number | null;
  readonly drainRatio: number | null;
}

export interface TargetResult {
  readonly name: string;
  readonly target: string;
  readonly value: number | null;
  /** null when the figure could not be measured. */
  readonly pass: boolean | null;
}

type Measured = Omit<BenchResults, 'figures' | 'targets'>;

export function benchFigures(results: Measured): BenchFigures {
  const { raw, engine, peer, ordered, backlog } = results;
  const orderedRatio = (draining: boolean) => {
    const rate = (isOrdered: boolean) => ordered?.runs.find((run) => run.ordered === isOrdered && run.draining === draining)?.eventsPerSecond ?? null;
    return ratio(rate(true), rate(false));
  };
  return {
    rawRatio: ratio(engine?.eventsPerSecond, raw?.eventsPerSecond),
    cpuRatio: ratio(engine?.engineCpuUs, raw?.senderCpuUs),
    peerRatio: ratio(peer?.engine?.eventsPerSecond, peer?.bullmq?.eventsPerSecond),
    peerRawRatio: ratio(peer?.engine?.eventsPerSecond, raw?.eventsPerSecond),
    orderedLiveRatio: orderedRatio(false),
    orderedDrainRatio: orderedRatio(true),
    orderViolations: ordered ? ordered.runs.filter((run) => run.ordered).reduce((sum, run) => sum + (run.order?.outOfOrder ?? 0), 0) : null,
    backlogIngestRatio: ratio(backlog?.windows.at(-1)?.eventsPerSecond, backlog?.windows[0]?.eventsPerSecond),
    drainRatio: ratio(backlog?.drainEventsPerSecond, engine?.eventsPerSecond),
  };
}

export function judgeTargets(results: Measured, figures: BenchFigures): TargetResult[] {
  const { engine, ingest, latency, backlog, retention } = results;
  const atMost = (name: string, limit: number, unit: string, value: number | null | undefined): TargetResult => judge(name, `<= ${limit}${unit}`, value, (v) => v <= limit);
  const atLeast = (name: string, limit: number, unit: string, value: number | null | undefined): TargetResult => judge(name, `>= ${limit}${unit}`, value, (v) => v >= limit);
  const below = (name: string, limit: number, unit: string, value: number | null | undefined): TargetResult => judge(name, `< ${limit}${unit}`, value, (v) => v < limit);
  /** A request that did not answer 200 measured nothing the target is about. */
  const requestMs = (path: string) => {
    const request = backlog?.requests.find((timed) => timed.path.startsWith(path));
    return request?.status === 200 ? request.medianMs : null;
  };
  return [
    atMost('cpuRatio', TARGET_MAX_CPU_RATIO, '', figures.cpuRatio),
    atLeast('durableIngest', TARGET_MIN_DURABLE_EVENTS_PER_S, ' ev/s', ingest.json?.ackedEventsPerSecond),
    atLeast('singleEventIngest', TARGET_MIN_SINGLE_REQUESTS_PER_S, ' req/s', ingest.single?.requestsPerSecond),
    below('peakRss', TARGET_MAX_PEAK_RSS_MB, ' MB', engine?.peakRssMb),
    atMost('latencyP99', TARGET_MAX_LATENCY_P99_MS, ' ms', latency?.latencyP99Ms),
    atLeast('peerRatio', TARGET_MIN_PEER_RATIO, '', figures.peerRatio),
    atLeast('orderedLiveRatio', TARGET_MIN_ORDERED_RATIO, '', figures.orderedLiveRatio),
    atLeast('orderedDrainRatio', TARGET_MIN_ORDERED_RATIO, '', figures.orderedDrainRatio),
    atMost('orderKept', 0, ' out of order', figures.orderViolations),
    atLeast('drainRatio', TARGET_MIN_DRAIN_RATIO, '', figures.drainRatio),
    below('backlogPeakRss', TARGET_MAX_BACKLOG_RSS_MB, ' MB', backlog?.peakRssMb),
    below('statusMs', TARGET_MAX_API_MS, ' ms', requestMs('/status')),
    below('retryingListMs', TARGET_MAX_API_MS, ' ms', requestMs('/deliveries')),
    below('metricsMs', TARGET_MAX_API_MS, ' ms', requestMs('/metrics')),
    below('scrapeMs', TARGET_MAX_API_MS, ' ms', results.scrape?.scrapeP50Ms),
    below('claimMs', TARGET_MAX_CLAIM_MS, ' ms', backlog?.claim?.medianMs),
    below('restartHealthyMs', TARGET_MAX_RESTART_MS, ' ms', backlog?.restartHealthyMs),
    below('restartFirstAckMs', TARGET_MAX_RESTART_MS, ' ms', backlog?.restartFirstAckMs),
    below('retentionHold', TARGET_MAX_RETENTION_HOLD_MS, ' ms', retention?.longestWriteMs),
  ];
}

function judge(name: string, target: string, value: number | null | undefined, ok: (value: number) => boolean): TargetResult {
  return { name, target, value: value ?? null, pass: value === null || value === undefined ? null : ok(value) };
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || !b ? null : a / b;
}
