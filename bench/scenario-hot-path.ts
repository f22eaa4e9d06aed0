/**
 * Scenario (l), in this process: what the metrics cost a delivery. `attempt()` is what every
 * attempt calls (two counters and two histograms of its connector); beside it, prom-client's own
 * labelled `inc` and `observe`, which the engine does not use on this path because each call
 * builds and hashes a key from its label object. Nanoseconds per call over CALLS calls, after a
 * warm-up, on this machine.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { systemClock } from '../engine/clock.js';
import { createEngineMetrics, DELIVERY_LATENCY_BUCKETS_S } from '../engine/metrics/engine-metrics.js';

const CALLS = 2_000_000;
const CONNECTORS = ['scheduling', 'warehouse', 'permit-registry'];

export interface HotPathResult {
  /** metrics.attempt(): 2 counters + 2 histograms. */
  readonly attemptNs: number;
  readonly promClientCounterNs: number;
  readonly promClientHistogramNs: number;
}

export function runHotPathScenario(): HotPathResult {
  const store = { backlog: async () => [], size: async () => ({ sizeBytes: 0, dataBytes: 0, freeBytes: 0 }), health: () => ({ writable: true, lastFailure: null }) };
  const sources = { store, sending: () => ({}), configProblems: () => 0, revision: () => 'r' };
  const metrics = createEngineMetrics({ clock: systemClock, sources, version: 'bench', processMetrics: false });
  const now = Date.now();
  const observations = CONNECTORS.map((connector) => ({ connector, statusClass: '2xx' as const, durationMs: 12, state: 'delivered' as const, acceptedAt: now - 40 }));
  const registry = new Registry();
  const counter = new Counter({ name: 'c_total', help: 'c', labelNames: ['connector', 'status_class'], registers: [registry] });
  const histogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['connector'], buckets: DELIVERY_LATENCY_BUCKETS_S, registers: [registry] });
  return {
    attemptNs: timePerCall((i) => metrics.attempt(observations[i % 3]!)),
    promClientCounterNs: timePerCall((i) => counter.inc({ connector: CONNECTORS[i % 3]!, status_class: '2xx' })),
    promClientHistogramNs: timePerCall((i) => histogram.observe({ connector: CONNECTORS[i % 3]! }, 0.04)),
  };
}

function timePerCall(call: (i: number) => void): number {
  for (let i = 0; i < CALLS / 10; i++) call(i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) call(i);
  return Number(process.hrtime.bigint() - started) / CALLS;
}
