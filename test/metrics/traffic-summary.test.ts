import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import { createEngineMetrics, type AttemptObservation } from '../../engine/metrics/engine-metrics.js';
import { createTrafficSummary, type SummaryTimers } from '../../engine/metrics/traffic-summary.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { scrapeSources } from '../helpers/metrics-sources.js';

/** A repeating timer the test fires by hand. */
function handTimer(): SummaryTimers & { fire(): void; running(): boolean } {
  let callback: (() => void) | undefined;
  return {
    setInterval(fn) {
      callback = fn;
      return 'handle';
    },
    clearInterval() {
      callback = undefined;
    },
    fire: () => callback?.(),
    running: () => callback !== undefined,
  };
}

function setup() {
  const clock = manualClock(Date.UTC(2026, 10, 27, 8, 0, 0));
  const logs = captureLogger('info');
  const metrics = createEngineMetrics({ clock, sources: scrapeSources(), version: '0.0.0', processMetrics: false });
  const timers = handTimer();
  const summary = createTrafficSummary({ connectors: metrics.connectors, logger: logs.logger, clock, timers });
  const attempt = (connector: string, fields: Partial<AttemptObservation>) =>
    metrics.attempt({ connector, statusClass: '2xx', durationMs: 20, state: 'delivered', acceptedAt: clock.now(), ...fields });
  const summaries = () => logs.lines().filter((line) => line.msg === 'delivery summary');
  return { clock, metrics, timers, summary, attempt, summaries };
}

describe('delivery summary', () => {
  test('logs one info line per connector with traffic each minute: delivered, failed, retried, dead and latency percentiles', () => {
    const { clock, timers, summary, attempt, summaries } = setup();
    summary.start();
    assert.ok(timers.running());
    // 98 delivered 40 ms after acceptance, 2 after 30 s; one 503 retried, one 400 dead.
    for (let i = 0; i < 100; i++) attempt('registry', { acceptedAt: clock.now() - (i < 98 ? 40 : 30_000) });
    attempt('registry', { statusClass: '5xx', state: 'retrying' });
    attempt('registry', { statusClass: '4xx', state: 'dead' });
    clock.advance(60_000);
    timers.fire();
    const [line, ...rest] = summaries();
    assert.deepEqual(rest, [], 'connectors without traffic get no line');
    const { level, connector, delivered, failed, retried, dead, latencyP50Ms, latencyP99Ms, since, until } = line!;
    assert.deepEqual({ level, connector, delivered, failed, retried, dead, since, until }, {
      level: 30, connector: 'registry', delivered: 100, failed: 2, retried: 1, dead: 1,
      since: '2026-11-27T08:00:00.000Z', until: '2026-11-27T08:01:00.000Z',
    });
    // Estimated within the latency buckets: 40 ms lies in (25 ms, 50 ms], 30 s in (10 s, 30 s].
    assert.ok(typeof latencyP50Ms === 'number' && latencyP50Ms > 25 && latencyP50Ms <= 50, `p50 ${String(latencyP50Ms)}`);
    assert.ok(typeof latencyP99Ms === 'number' && latencyP99Ms > 10_000 && latencyP99Ms <= 30_000, `p99 ${String(latencyP99Ms)}`);
  });

  test('counts each window on its own, and logs nothing for a quiet one', () => {
    const { clock, timers, summary, attempt, summaries } = setup();
    summary.start();
    attempt('registry', {});
    clock.advance(60_000);
    timers.fire();
    clock.advance(60_000);
    timers.fire();
    assert.equal(summaries().length, 1, 'the quiet minute has no line');
    attempt('registry', { statusClass: 'timeout', state: 'retrying' });
    attempt('outbox', {});
    clock.advance(60_000);
    timers.fire();
    const lines = summaries().slice(1).map(({ connector, delivered, failed, retried, latencyP50Ms, since }) => ({ connector, delivered, failed, retried, latencyP50Ms, since }));
    assert.deepEqual(lines, [
      { connector: 'registry', delivered: 0, failed: 1, retried: 1, latencyP50Ms: null, since: '2026-11-27T08:02:00.000Z' },
      // Delivered at once: half of the first bucket (5 ms) is the estimate.
      { connector: 'outbox', delivered: 1, failed: 0, retried: 0, latencyP50Ms: 3, since: '2026-11-27T08:02:00.000Z' },
    ]);
  });

  test('close stops the timer and logs the last, shorter window once', () => {
    const { clock, timers, summary, attempt, summaries } = setup();
    summary.start();
    attempt('registry', {});
    clock.advance(5_000);
    summary.close();
    summary.close();
    assert.equal(timers.running(), false);
    assert.deepEqual(summaries().map(({ delivered, until }) => ({ delivered, until })), [{ delivered: 1, until: '2026-11-27T08:00:05.000Z' }]);
  });

  test('counts a delivery that died at ingest in its window', () => {
    const { clock, metrics, timers, summary, summaries } = setup();
    summary.start();
    metrics.deadAtIngest('registry');
    clock.advance(60_000);
    timers.fire();
    assert.deepEqual(summaries().map(({ connector, dead, failed }) => ({ connector, dead, failed })), [{ connector: 'registry', dead: 1, failed: 0 }]);
  });
});
