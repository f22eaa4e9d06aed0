import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat, { type ParsedFamily, type ParsedSample } from 'parse-prometheus-text-format';
import { buildServer } from '../../engine/api/server.js';
import { MIXED_OUTCOMES_CONNECTOR, mixedOutcomes } from '../helpers/mixed-outcomes.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startTestEngine, type TestEngine } from '../helpers/test-engine.js';

const API_TOKEN = 'api-token-4d1c9e';
const METRICS_TOKEN = 'metrics-token-8b2f7a';
const api = { authorization: `Bearer ${API_TOKEN}` };
const scraper = { authorization: `Bearer ${METRICS_TOKEN}` };

/** A target nothing listens on: every attempt is a network failure. */
const OUTBOX = `
name: outbox
target:
  url: http://127.0.0.1:9
routes:
  - { name: copy, on: ok }
`;

/** Every metric of issue 12 (section 2): its type and label names. */
const EXPECTED: Record<string, { type: ParsedFamily['type']; labels: readonly string[] }> = {
  hms_sync_events_accepted_total: { type: 'COUNTER', labels: ['via'] },
  hms_sync_events_rejected_total: { type: 'COUNTER', labels: ['reason'] },
  hms_sync_deliveries_total: { type: 'COUNTER', labels: ['connector', 'outcome'] },
  hms_sync_attempts_total: { type: 'COUNTER', labels: ['connector', 'status_class'] },
  hms_sync_attempt_duration_seconds: { type: 'HISTOGRAM', labels: ['connector'] },
  hms_sync_delivery_latency_seconds: { type: 'HISTOGRAM', labels: ['connector'] },
  hms_sync_deliveries: { type: 'GAUGE', labels: ['connector', 'state'] },
  hms_sync_oldest_pending_age_seconds: { type: 'GAUGE', labels: ['connector'] },
  hms_sync_connector_up: { type: 'GAUGE', labels: ['connector'] },
  hms_sync_store_size_bytes: { type: 'GAUGE', labels: [] },
  hms_sync_store_writable: { type: 'GAUGE', labels: [] },
  hms_sync_config_problems: { type: 'GAUGE', labels: [] },
  hms_sync_config_info: { type: 'GAUGE', labels: ['revision'] },
  hms_sync_config_revisions: { type: 'GAUGE', labels: ['revision'] },
  hms_sync_build_info: { type: 'GAUGE', labels: ['version', 'node'] },
  // Two of prom-client's default process and Node.js metrics.
  process_cpu_seconds_total: { type: 'COUNTER', labels: [] },
  nodejs_eventloop_lag_seconds: { type: 'GAUGE', labels: [] },
};

describe('GET /metrics', () => {
  let receiver: Receiver;
  let harness: TestEngine;
  let app: ReturnType<typeof buildServer>;
  /** Each metric family as the parser reads it (names and types). */
  let families: Map<string, ParsedFamily>;
  /** Every sample with its labels, by sample name. The parser folds a labelled histogram's series
   * into one, so histograms are read a second time as untyped: their _bucket, _sum and _count
   * lines are then families of their own, labels intact. */
  let series: Map<string, ParsedFamily>;
  let text: string;
  const eventIds: string[] = [];

  before(async () => {
    receiver = await startReceiver(mixedOutcomes());
    harness = await startTestEngine({ 'registry.yaml': MIXED_OUTCOMES_CONNECTOR, 'outbox.yaml': OUTBOX }, { RECEIVER_URL: receiver.url });
    app = buildServer({ engine: harness.engine, logger: harness.logs.logger, apiToken: API_TOKEN, metricsToken: METRICS_TOKEN });
    await app.ready();

    // A run with delivered, retried and dead deliveries: ok is delivered (and fails in outbox),
    // flaky gets a 503 and is delivered by the retry, bad gets a 400 and dies.
    const posted = await app.inject({ method: 'POST', url: '/events', headers: { ...api, 'content-type': 'application/json' }, payload: [{ type: 'ok' }, { type: 'flaky' }, { type: 'bad' }] });
    assert.equal(posted.statusCode, 202, posted.body);
    eventIds.push(...posted.json<{ accepted: { id: string }[] }>().accepted.map((a) => a.id));
    for (const id of eventIds) await harness.settled(id);
    harness.clock.advance(10_000);
    await harness.engine.sweep();
    await harness.settled(eventIds[1]!, (d) => d.state === 'delivered');
    await harness.engine.emit({ type: 'neither' });
    const refused = await app.inject({ method: 'POST', url: '/events', headers: { ...api, 'content-type': 'application/json' }, payload: '{"type":' });
    assert.equal(refused.statusCode, 400);

    const scraped = await app.inject({ method: 'GET', url: '/metrics', headers: scraper });
    assert.equal(scraped.statusCode, 200, scraped.body);
    assert.match(String(scraped.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    text = scraped.body;
    families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
    series = new Map(parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped')).map((family) => [family.name, family]));
  });
  after(async () => {
    await app.close();
    await harness.close();
    await receiver.close();
  });

  const samples = (name: string): readonly ParsedSample[] => series.get(name)?.metrics ?? assert.fail(`${name} is missing`);
  const value = (name: string, labels: Record<string, string> = {}): number => {
    const sample = samples(name).find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
    if (sample === undefined) assert.fail(`no ${name} with ${JSON.stringify(labels)}`);
    return Number(sample.value);
  };

  test('has every metric with its type and exactly its labels', () => {
    for (const [name, { type, labels }] of Object.entries(EXPECTED)) {
      assert.equal(families.get(name)?.type, type, `${name} is exported as a ${type}`);
      const lines = type === 'HISTOGRAM' ? { [`${name}_bucket`]: [...labels, 'le'], [`${name}_sum`]: labels, [`${name}_count`]: labels } : { [name]: labels };
      for (const [sampleName, names] of Object.entries(lines)) {
        assert.ok(samples(sampleName).length > 0, `${sampleName} has a series`);
        for (const sample of samples(sampleName)) assert.deepEqual(Object.keys(sample.labels ?? {}).sort(), [...names].sort(), `labels of ${sampleName}`);
      }
    }
  });

  test('counts events by where they came from and refusals by error code', () => {
    assert.equal(value('hms_sync_events_accepted_total', { via: 'http' }), 3);
    assert.equal(value('hms_sync_events_accepted_total', { via: 'emit' }), 1);
    assert.equal(value('hms_sync_events_rejected_total', { reason: 'INGEST_INVALID_JSON' }), 1);
  });

  test('counts deliveries by outcome and attempts by status class, per connector', () => {
    const registry = (outcome: string) => value('hms_sync_deliveries_total', { connector: 'registry', outcome });
    assert.deepEqual(['delivered', 'retried', 'dead', 'parked'].map(registry), [2, 1, 1, 0]);
    const attempts = (connector: string, status_class: string) => value('hms_sync_attempts_total', { connector, status_class });
    assert.deepEqual(['2xx', '4xx', '5xx', 'network', 'timeout'].map((c) => attempts('registry', c)), [2, 1, 1, 0, 0]);
    // Its first attempt failed, and its retry when the clock had moved 10 s.
    assert.equal(attempts('outbox', 'network'), 2);
    assert.equal(value('hms_sync_deliveries_total', { connector: 'outbox', outcome: 'retried' }), 2);
  });

  test('measures attempt durations and accepted → delivered latency as histograms', () => {
    assert.equal(value('hms_sync_attempt_duration_seconds_count', { connector: 'registry' }), 4);
    const latency = (le: string) => value('hms_sync_delivery_latency_seconds_bucket', { connector: 'registry', le });
    assert.equal(value('hms_sync_delivery_latency_seconds_count', { connector: 'registry' }), 2);
    // ok was delivered at once; flaky 10 s later, when the clock had moved and the retry went.
    assert.deepEqual(['5', '10', '+Inf'].map(latency), [1, 2, 2]);
    assert.ok(value('hms_sync_delivery_latency_seconds_sum', { connector: 'registry' }) >= 10);
  });

  test('shows what waits in the store, whether each connector sends, and the store and config', async () => {
    const deliveries = (connector: string, state: string) => value('hms_sync_deliveries', { connector, state });
    assert.deepEqual(['pending', 'inflight', 'retrying', 'parked', 'dead'].map((s) => deliveries('registry', s)), [0, 0, 0, 0, 1]);
    assert.equal(deliveries('outbox', 'retrying'), 1);
    assert.equal(value('hms_sync_oldest_pending_age_seconds', { connector: 'outbox' }), 10, 'its event was accepted 10 s ago by the clock');
    assert.equal(value('hms_sync_oldest_pending_age_seconds', { connector: 'registry' }), 0);
    assert.equal(value('hms_sync_connector_up', { connector: 'registry' }), 1);
    assert.ok(value('hms_sync_store_size_bytes') > 0);
    assert.equal(value('hms_sync_store_writable'), 1);
    assert.equal(value('hms_sync_config_problems'), 0);
    assert.equal(samples('hms_sync_config_info')[0]!.labels?.revision, (await harness.engine.status()).revision.label);
    // One engine on SQLite: one replica, on the revision in force.
    assert.deepEqual(samples('hms_sync_config_revisions').map((s) => [s.labels?.revision, Number(s.value)]), [[(await harness.engine.status()).revision.label, 1]]);
    assert.equal(samples('hms_sync_build_info')[0]!.labels?.node, process.version);
  });

  test('never uses an id as a label', () => {
    for (const id of eventIds) assert.ok(!text.includes(id), `event id ${id} in the exposition`);
  });

  test('passes promtool check metrics', () => {
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(promtool.error, undefined, 'promtool is installed (Debian package prometheus)');
    assert.equal(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);
  });

  test('the metrics token reads /metrics and nothing else; the API token reads it too; no token reads nothing', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/metrics', headers: api })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    for (const [method, url] of [['GET', '/status'], ['POST', '/events'], ['POST', '/deliveries/retry'], ['GET', '/events/x']] as const) {
      const response = await app.inject({ method, url, headers: { ...scraper, 'content-type': 'application/json' }, payload: method === 'POST' ? '{"type":"ok"}' : undefined });
      assert.equal(response.statusCode, 403, `${method} ${url} with the metrics token: known, without the right`);
      assert.equal(response.json().error.code, 'FORBIDDEN');
    }
  });
});

describe('GET /metrics after a connector is removed', () => {
  test('counts its unfinished deliveries as parked and shows them parked', async () => {
    const harness = await startTestEngine({ 'outbox.yaml': OUTBOX });
    try {
      const id = await harness.engine.emit({ type: 'ok' });
      await harness.settled(id);
      harness.clock.advance(3_000);
      await rm(join(harness.dataDir, '..', 'connectors.d', 'outbox.yaml'));
      await harness.engine.reload();
      const families = new Map(parsePrometheusTextFormat((await harness.engine.metrics()).text).map((f) => [f.name, f]));
      const sample = (name: string, labels: Record<string, string>) =>
        Number(families.get(name)?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))?.value);
      assert.equal(sample('hms_sync_deliveries_total', { connector: 'outbox', outcome: 'parked' }), 1);
      assert.equal(sample('hms_sync_deliveries', { connector: 'outbox', state: 'parked' }), 1);
      assert.equal(sample('hms_sync_deliveries', { connector: 'outbox', state: 'retrying' }), 0);
      assert.equal(families.get('hms_sync_connector_up')?.metrics.length, 0, 'a removed connector has no up series');
    } finally {
      await harness.close();
    }
  });
});
