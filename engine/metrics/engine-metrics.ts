/**
 * The engine's Prometheus metrics: one registry per engine, the counters and histograms the
 * stages feed through their signals (engine.ts subscribes them), and the gauges computed when
 * `/metrics` is scraped (scrape-gauges.ts). Labels come from configuration only (connector,
 * route, source) or from a small fixed set (status class, outcome, error code), never from ids,
 * so the number of series stays bounded.
 *
 * The feeding functions run for every attempt and every batch: each finds its connector's series
 * in one map lookup and adds to numbers (see instruments.ts); nothing here allocates per call
 * except the first time a connector is seen.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { STATUS_CLASSES, type StatusClass } from '../model.js';
import { CounterFamily, HistogramFamily, register, type CounterSeries, type HistogramSeries } from './instruments.js';
import { createScrapeGauges, type ScrapeSources } from './scrape-gauges.js';

/** Upper bounds of the attempt duration buckets, seconds: a target's answer time, up to the longest timeouts. */
export const ATTEMPT_DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Upper bounds of the accepted → delivered latency buckets, seconds: from a direct delivery to a day of retries. */
export const DELIVERY_LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 10800, 43200, 86400];

/** prom-client default metrics left out (see createEngineMetrics). */
const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** How a delivery's attempt ended for it: `retried` means another attempt is scheduled. */
export const OUTCOMES = ['delivered', 'dead', 'retried', 'parked'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One attempt of one delivery, as the dispatcher reports it (its `attempt` signal). */
export interface AttemptObservation {
  readonly connector: string;
  readonly statusClass: StatusClass;
  readonly durationMs: number;
  readonly state: 'delivered' | 'retrying' | 'dead';
  /** When the delivery's event was accepted (epoch ms, the engine's clock). */
  readonly acceptedAt: number;
}

/** The series of one connector, resolved once. */
export interface ConnectorSeries {
  readonly attempts: Readonly<Record<StatusClass, CounterSeries>>;
  readonly outcomes: Readonly<Record<Outcome, CounterSeries>>;
  readonly duration: HistogramSeries;
  readonly latency: HistogramSeries;
}

export interface EngineMetricsOptions {
  readonly clock: Clock;
  readonly sources: ScrapeSources;
  readonly version: string;
  /** Also export prom-client's default process and Node.js metrics (default true). */
  readonly processMetrics?: boolean;
}

export interface EngineMetrics {
  readonly registry: Registry;
  eventsAccepted(via: string, events: number): void;
  eventsRejected(reason: string, events: number): void;
  attempt(observation: AttemptObservation): void;
  /** Deliveries parked, by connector. */
  parked(byConnector: Readonly<Record<string, number>>): void;
  /** A delivery that died at ingest (its `when` or orderingKey failed). */
  deadAtIngest(connector: string): void;
  /** Every connector seen so far with its series (for the traffic summary). */
  connectors(): ReadonlyMap<string, ConnectorSeries>;
  /** The exposition text: gauges computed now, then everything rendered. Scrapes run one at a time. */
  scrape(): Promise<{ readonly contentType: string; readonly text: string }>;
}

export function createEngineMetrics(options: EngineMetricsOptions): EngineMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // Gauges named like counters, which `promtool check metrics` rejects; their twins by type
    // (nodejs_active_handles{type}, ...) carry the same counts.
    for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  const accepted = register(registry, new CounterFamily('hms_sync_events_accepted_total', 'Events acknowledged (stored, or duplicates of stored ones), by where they came from: http, emit, outcome, or a source name.', ['via']));
  const rejected = register(registry, new CounterFamily('hms_sync_events_rejected_total', 'Events refused, by error code; a request refused before its body was read counts as one.', ['reason']));
  const deliveries = register(registry, new CounterFamily('hms_sync_deliveries_total', 'Deliveries that were delivered, died, were scheduled for another attempt (retried) or parked.', ['connector', 'outcome']));
  const attempts = register(registry, new CounterFamily('hms_sync_attempts_total', 'Attempts per delivery, by the class of what the target answered (2xx, 3xx, 4xx, 5xx) or network, timeout, mapping.', ['connector', 'status_class']));
  const duration = register(registry, new HistogramFamily('hms_sync_attempt_duration_seconds', 'How long an attempt took, from the request to the end of the answer.', ['connector'], ATTEMPT_DURATION_BUCKETS_S));
  const latency = register(registry, new HistogramFamily('hms_sync_delivery_latency_seconds', 'From the acceptance of an event to the delivery of one of its deliveries, retries included.', ['connector'], DELIVERY_LATENCY_BUCKETS_S));
  const gauges = createScrapeGauges(registry, options.sources, options.clock, options.version);

  const byConnector = new Map<string, ConnectorSeries>();
  const seriesOf = (connector: string): ConnectorSeries => {
    let series = byConnector.get(connector);
    if (series === undefined) {
      series = {
        attempts: Object.fromEntries(STATUS_CLASSES.map((c) => [c, attempts.with(connector, c)])) as Record<StatusClass, CounterSeries>,
        outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, deliveries.with(connector, o)])) as Record<Outcome, CounterSeries>,
        duration: duration.with(connector),
        latency: latency.with(connector),
      };
      byConnector.set(connector, series);
    }
    return series;
  };

  let lastScrape: Promise<unknown> = Promise.resolve();
  return {
    registry,
    eventsAccepted: (via, events) => accepted.with(via).inc(events),
    eventsRejected: (reason, events) => rejected.with(reason).inc(events),
    attempt(observation) {
      const series = seriesOf(observation.connector);
      series.attempts[observation.statusClass].inc();
      series.duration.observe(observation.durationMs / 1000);
      if (observation.state === 'retrying') series.outcomes.retried.inc();
      else if (observation.state === 'dead') series.outcomes.dead.inc();
      else {
        series.outcomes.delivered.inc();
        series.latency.observe(Math.max(0, options.clock.now() - observation.acceptedAt) / 1000);
      }
    },
    parked(parked) {
      for (const [connector, n] of Object.entries(parked)) seriesOf(connector).outcomes.parked.inc(n);
    },
    deadAtIngest: (connector) => seriesOf(connector).outcomes.dead.inc(),
    connectors: () => byConnector,
    scrape() {
      const run = async () => {
        await gauges.update();
        return { contentType: registry.contentType, text: await registry.metrics() };
      };
      const scraped = lastScrape.then(run, run);
      lastScrape = scraped.catch(() => undefined);
      return scraped;
    },
  };
}
