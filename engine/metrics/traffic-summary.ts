/**
 * The delivery summary: every minute, one info line per connector that had traffic in it, saying
 * how many deliveries were delivered, how many attempts failed, how many were scheduled for a
 * retry and how many died, with the p50 and p99 of the accepted → delivered latency. It reads the
 * counters and the latency histogram the metrics keep anyway (the difference since the last line),
 * so a delivery costs nothing more for it, and the single lines of successful deliveries can stay
 * at debug. `close` writes the lines of the last, shorter window.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { STATUS_CLASSES } from '../model.js';
import { bucketQuantile } from './bucket-quantile.js';
import type { ConnectorSeries } from './engine-metrics.js';

export const SUMMARY_INTERVAL_MS = 60_000;

/** The repeating timer the summary runs on; tests pass one they fire by hand. */
export interface SummaryTimers {
  setInterval(callback: () => void, intervalMs: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Real intervals that never keep the process alive on their own. */
const realIntervals: SummaryTimers = {
  setInterval: (callback, intervalMs) => setInterval(callback, intervalMs).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface TrafficSummaryOptions {
  /** The series the metrics keep, by connector (EngineMetrics.connectors). */
  readonly connectors: () => ReadonlyMap<string, ConnectorSeries>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly timers?: SummaryTimers;
  readonly intervalMs?: number;
}

export interface TrafficSummary {
  start(): void;
  /** Logs the window that ends now. */
  flush(): void;
  /** Stops the timer and logs the last window. Idempotent. */
  close(): void;
}

/** A connector's totals at the start of a window. */
interface Totals {
  readonly attempts: number;
  readonly succeeded: number;
  readonly delivered: number;
  readonly retried: number;
  readonly dead: number;
  readonly latency: Float64Array;
}

export function createTrafficSummary(options: TrafficSummaryOptions): TrafficSummary {
  const { logger, clock } = options;
  const timers = options.timers ?? realIntervals;
  const previous = new Map<string, Totals>();
  let since = clock.now();
  let timer: unknown;
  let closed = false;

  function flush(): void {
    const until = clock.now();
    for (const [connector, series] of options.connectors()) {
      const now = totalsOf(series);
      const before = previous.get(connector);
      previous.set(connector, now);
      const attempts = now.attempts - (before?.attempts ?? 0);
      if (attempts === 0 && now.dead === (before?.dead ?? 0)) continue;
      const latency = now.latency.map((n, i) => n - (before?.latency[i] ?? 0));
      const bounds = series.latency.bounds;
      logger.info(
        {
          connector,
          delivered: now.delivered - (before?.delivered ?? 0),
          failed: attempts - (now.succeeded - (before?.succeeded ?? 0)),
          retried: now.retried - (before?.retried ?? 0),
          dead: now.dead - (before?.dead ?? 0),
          latencyP50Ms: milliseconds(bucketQuantile(bounds, latency, 0.5)),
          latencyP99Ms: milliseconds(bucketQuantile(bounds, latency, 0.99)),
          since: new Date(since).toISOString(),
          until: new Date(until).toISOString(),
        },
        'delivery summary',
      );
    }
    since = until;
  }

  return {
    start() {
      if (timer !== undefined || closed) return;
      since = clock.now();
      timer = timers.setInterval(flush, options.intervalMs ?? SUMMARY_INTERVAL_MS);
    },
    flush,
    close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) timers.clearInterval(timer);
      flush();
    },
  };
}

function totalsOf(series: ConnectorSeries): Totals {
  let attempts = 0;
  for (const statusClass of STATUS_CLASSES) attempts += series.attempts[statusClass].value;
  return {
    attempts,
    succeeded: series.attempts['2xx'].value,
    delivered: series.outcomes.delivered.value,
    retried: series.outcomes.retried.value,
    dead: series.outcomes.dead.value,
    latency: series.latency.counts.slice(),
  };
}

/** Seconds (a bucket estimate) as whole milliseconds; null without deliveries. */
function milliseconds(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 1000);
}
