/** The rows of the bench's table: figure, value, target, result. A scenario that did not run shows no rows; one that failed shows n/a. */
import { PROBE_REPEATS } from './backlog-probes.js';
import { RAW_RATIO_OF_ISSUE_2, type TargetResult } from './bench-targets.js';
import type { BenchResults } from './report.js';
import type { DurableScenarioResult } from './scenario-durable.js';
import { REPLAY_LIVE_SECONDS, type ReplayScenarioResult } from './scenario-replay.js';
import type { RetentionScenarioResult } from './scenario-retention.js';

export type Row = [figure: string, value: string, target: string, result: string];

export function reportRows(results: BenchResults): Row[] {
  const { options, raw, engine, ingest, naive, latency, peer, ordered, backlog, engineDebug, scrape, hotPath, figures } = results;
  const judged = (name: string): [string, string] => {
    const target = results.targets.find((candidate) => candidate.name === name);
    return [target?.target ?? '', verdict(target)];
  };
  const rows: Row[] = [
    ['figure', 'value', 'target', 'result'],
    [`(a) raw undici POST loop (child -> receiver), ${options.concurrency} in flight`, rate(raw?.eventsPerSecond), '', ''],
    ['    CPU per request: sender / receiver', `${us(raw?.senderCpuUs)} / ${us(raw?.receiverCpuUs)} µs`, '', cores(raw?.senderCpuUs, raw?.receiverCpuUs, raw?.eventsPerSecond)],
    ['(b) engine end to end (POST -> store -> map -> receiver)', rate(engine?.eventsPerSecond), '', ''],
    ['    CPU per event: engine / receiver and posters', `${us(engine?.engineCpuUs)} / ${us(engine?.benchCpuUs)} µs`, '', cores(engine?.engineCpuUs, engine?.benchCpuUs, engine?.eventsPerSecond)],
    ['    engine CPU per event / raw sender CPU per request', fixed(figures.cpuRatio), ...judged('cpuRatio')],
    [`    ratio b / a (issue 2 asked >= ${RAW_RATIO_OF_ISSUE_2}; a figure now)`, fixed(figures.rawRatio), '', ''],
    ['    latency POST -> delivered (saturated), p50 / p99', `${ms(engine?.latencyP50Ms)} / ${ms(engine?.latencyP99Ms)} ms`, '', ''],
    ['    engine peak RSS (VmHWM)', `${mb(engine?.peakRssMb)} MB`, ...judged('peakRss')],
    ['    ingest acknowledged while delivering', rate(engine?.ingestEventsPerSecond), '', ''],
    ['(c) durable ingest, receiver down (202s only; breaker open: ingest alone)', '', '', ''],
    ...ingestRow(`    JSON arrays of ${options.batchSize}, ${options.posters} posters`, ingest.json, judged('durableIngest')),
    ...ingestRow(`    NDJSON, ${options.batchSize} lines, ${options.posters} posters`, ingest.ndjson, ['', '']),
    ...ingestRow(`    one event per request, ${options.clients} clients`, ingest.single, judged('singleEventIngest'), true),
    ['    deliveries stored (GET /events/:id sample, JSON run)', ingest.json ? `${ingest.json.confirmed}/${ingest.json.sampled} waiting` : 'n/a', '', ingest.json ? states(ingest.json.sampleStates) : ''],
    ['    engine peak RSS (VmHWM, JSON run)', `${mb(ingest.json?.peakRssMb)} MB`, '', ''],
  ];
  if (options.naive) rows.push(['(d) reference: naive "loop connectors, await fetch"', rate(naive?.eventsPerSecond), '', '']);
  if (options.latencySeconds > 0) {
    rows.push(
      [`(e) open loop at half of (b) for ${options.latencySeconds} s, a POST every ${latency?.tickMs ?? '?'} ms`, latency ? `${rate(latency.offeredEventsPerSecond)} offered` : 'n/a', '', latency ? `${count(latency.delivered)} of ${count(latency.scheduled)} delivered` : ''],
      ['    latency scheduled POST -> delivered, p50 / p99 / max', `${ms(latency?.latencyP50Ms)} / ${ms(latency?.latencyP99Ms)} / ${ms(latency?.latencyMaxMs)} ms`, ...judged('latencyP99')],
      ['    CPU per event: engine; sender behind schedule at most', `${us(latency?.engineCpuUs)} µs; ${ms(latency?.maxSendLagMs)} ms`, '', ''],
    );
  }
  if (peer) {
    const { bullmq, engine: hms } = peer;
    rows.push(
      [`(f) peer: BullMQ 5 on Redis ${bullmq?.redisVersion ?? '7'} (AOF everysec), ${options.peerConcurrency} in flight`, rate(bullmq?.eventsPerSecond), '', ''],
      ['    CPU per event: worker / Redis / producer and receiver', `${us(bullmq?.workerCpuUs)} / ${us(bullmq?.redisCpuUs)} / ${us(bullmq?.benchCpuUs)} µs`, '', ''],
      [`    hms-sync end to end, concurrency ${options.peerConcurrency}`, rate(hms?.eventsPerSecond), '', ''],
      ['    CPU per event: engine / receiver and posters', `${us(hms?.engineCpuUs)} / ${us(hms?.benchCpuUs)} µs`, '', ''],
      ['    ratio hms-sync / BullMQ', fixed(figures.peerRatio), ...judged('peerRatio')],
      ['    ratio hms-sync / raw loop (a)', fixed(figures.peerRawRatio), '', ''],
    );
  }
  if (ordered) {
    rows.push([`(g) ${count(ordered.events)} events over ${count(ordered.keys)} keys, concurrency ${ordered.concurrency}`, '', '', '']);
    for (const draining of [false, true]) {
      for (const isOrdered of [false, true]) {
        const run = ordered.runs.find((candidate) => candidate.ordered === isOrdered && candidate.draining === draining);
        const order = run?.order ? `${run.order.outOfOrder} out of order, ${run.order.repeated} repeated` : '';
        const wait = draining && run?.upToFirstDeliveryMs != null ? `; first after ${ms(run.upToFirstDeliveryMs)} ms` : '';
        rows.push([`    ${isOrdered ? 'orderingKey' : 'no key     '} ${draining ? 'draining' : 'live'}, CPU ${us(run?.engineCpuUs)} µs/event`, rate(run?.eventsPerSecond), '', `${order}${wait}`]);
      }
      rows.push([`    ratio ordered / unordered, ${draining ? 'draining' : 'live'}`, fixed(draining ? figures.orderedDrainRatio : figures.orderedLiveRatio), ...judged(draining ? 'orderedDrainRatio' : 'orderedLiveRatio')]);
    }
    rows.push(['    order kept (ordered runs)', figures.orderViolations === null ? 'n/a' : `${figures.orderViolations} out of order`, ...judged('orderKept')]);
  }
  if (backlog) rows.push(...backlogRows(backlog, judged, figures.backlogIngestRatio, figures.drainRatio));
  rows.push(
    ['(j) engine end to end at --log-level debug (a line per delivery)', rate(engineDebug?.eventsPerSecond), '', ''],
    ['    CPU per event: engine at debug / at info (b)', `${us(engineDebug?.engineCpuUs)} / ${us(engine?.engineCpuUs)} µs`, '', ''],
    ['    log per event: at debug / at info (b)', `${us(engineDebug?.logBytesPerEvent)} / ${us(engine?.logBytesPerEvent)} B`, '', ''],
  );
  if (options.scrapeRows > 0) {
    rows.push(
      [`(k) GET /metrics, ${count(options.scrapeRows)} deliveries stored, ${count(scrape?.waiting ?? options.scrapeWaiting)} waiting, ${count(scrape?.dead ?? 0)} dead`, `${ms1(scrape?.scrapeP50Ms)} / ${ms1(scrape?.scrapeMaxMs)} ms`, ...judged('scrapeMs')],
      ['    (p50 / max of 20 scrapes) engine CPU per scrape', `${ms1(scrape?.engineCpuMsPerScrape)} ms`, '', `seeding the store took ${scrape?.seedSeconds.toFixed(1) ?? 'n/a'} s`],
      [`    GET /deliveries on the same store, median / max of ${PROBE_REPEATS}:`, '', '', ''],
      ...(scrape?.finds ?? []).map((find): Row => [`      ${find.label}${find.status === 200 ? '' : ` (HTTP ${find.status})`}`, `${ms1(find.medianMs)} / ${ms1(find.maxMs)} ms`, '', '']),
    );
  }
  rows.push(
    ['(l) metrics per attempt (2 counters, 2 histograms)', `${ms(hotPath?.attemptNs)} ns`, '< 1,000 ns each', ''],
    ["    prom-client's own labelled inc / observe, for comparison", `${ms(hotPath?.promClientCounterNs)} / ${ms(hotPath?.promClientHistogramNs)} ns`, '', ''],
  );
  if (results.retention) rows.push(...retentionRows(results.retention, judged));
  if (results.replay) rows.push(...replayRows(results.replay));
  return rows;
}

function replayRows(replay: ReplayScenarioResult): Row[] {
  const window = (label: string, live: ReplayScenarioResult['alone']): Row => [
    `    ${label}: live latency p50 / p99 / max`,
    `${ms(live.latencyP50Ms)} / ${ms(live.latencyP99Ms)} / ${ms(live.latencyMaxMs)} ms`,
    '',
    `${count(live.delivered)} of ${count(live.scheduled)} delivered`,
  ];
  return [
    [`(n) live load at ${rate(replay.liveEventsPerSecond)}, alone and during a replay of ${count(replay.storedEvents)} stored events`, '', '', ''],
    window('alone', replay.alone),
    window('during the replay', replay.during),
    [`    replayed during the window (asked ${count(replay.replayPerSecond)}/s)`, rate(replay.replayedDuring / REPLAY_LIVE_SECONDS), '', `replay ${replay.replayState ?? '?'}, ${count(replay.replayCreated ?? 0)} created`],
    ['    ratio of live p99, during / alone', fixed(replay.during.latencyP99Ms && replay.alone.latencyP99Ms ? replay.during.latencyP99Ms / replay.alone.latencyP99Ms : null), '', ''],
  ];
}

function ingestRow(label: string, run: DurableScenarioResult | null, judgement: [string, string], perRequest = false): Row[] {
  const value = perRequest ? (run?.requestsPerSecond == null ? 'n/a' : `${count(run.requestsPerSecond)} req/s`) : rate(run?.ackedEventsPerSecond);
  return [
    [label, value, ...judgement],
    ['        CPU per event: engine', `${us(run?.engineCpuUs)} µs`, '', ''],
  ];
}

function backlogRows(backlog: NonNullable<BenchResults['backlog']>, judged: (name: string) => [string, string], ingestRatio: number | null, drainRatio: number | null): Row[] {
  const first = backlog.windows[0];
  const last = backlog.windows.at(-1);
  const request = (path: string) => backlog.requests.find((timed) => timed.path.startsWith(path));
  const requestRow = (label: string, path: string, name: string): Row => {
    const timed = request(path);
    const status = timed?.status === 200 ? '' : ` (HTTP ${timed?.status ?? '?'}${timed?.status === 404 ? ': no such endpoint yet' : ''})`;
    return [`    ${label}${status}`, `${ms(timed?.medianMs)} / ${ms(timed?.maxMs)} ms`, ...judged(name)];
  };
  const claim = backlog.claim;
  return [
    [`(h) backlog: ${count(backlog.events)} events, receiver down, then drained (${backlog.totalSeconds.toFixed(0)} s in all)`, '', '', ''],
    [`    ingest, first ${count(first?.acked ?? 0)} (empty store) / last (${count(last?.storedBefore ?? 0)} stored)`, `${rate(first?.eventsPerSecond)} / ${rate(last?.eventsPerSecond)}`, '', `ratio ${fixed(ingestRatio)}`],
    ['    CPU per event: engine, ingest / drain', `${us(backlog.ingestCpuUs)} / ${us(backlog.drainCpuUs)} µs`, '', ''],
    ['    drain, first arrival to last', rate(backlog.drainEventsPerSecond), '', `${count(backlog.drained)} of ${count(backlog.drainExpected)}; first after ${ms(backlog.upToFirstDeliveryMs)} ms`],
    ['    ratio drain / (b)', fixed(drainRatio), ...judged('drainRatio')],
    ['    engine peak RSS (VmHWM) through ingest, restart, drain', `${mb(backlog.peakRssMb)} MB`, ...judged('backlogPeakRss')],
    [`    with the backlog in place, median / max of ${PROBE_REPEATS}:`, '', '', ''],
    requestRow('GET /status', '/status', 'statusMs'),
    requestRow('GET /deliveries?state=retrying&limit=100', '/deliveries', 'retryingListMs'),
    requestRow('GET /metrics', '/metrics', 'metricsMs'),
    [`    sweep claim of ${claim?.batch ?? 500} (on a copy; median, first)`, claim ? `${ms1(claim.medianMs)} / ${ms1(claim.firstMs)} ms` : 'n/a', ...judged('claimMs')],
    ['    store size per event (data directory / events)', `${count(backlog.storeBytes / Math.max(1, backlog.acked))} B`, '', `${mb(backlog.storeBytes / 1024 ** 2)} MB; copy opened in ${ms(claim?.openMs)} ms`],
    ['(i) SIGKILL with the backlog waiting, restart', '', '', backlog.statesAtKill ? states(backlog.statesAtKill) : ''],
    ['    spawn -> GET /healthz 200', `${ms(backlog.restartHealthyMs)} ms`, ...judged('restartHealthyMs')],
    ['        the same for a fresh start on an empty store', `${ms(backlog.freshStartHealthyMs)} ms`, '', ''],
    ['    spawn -> first 202', `${ms(backlog.restartFirstAckMs)} ms`, ...judged('restartFirstAckMs')],
  ];
}

function retentionRows(retention: RetentionScenarioResult, judged: (name: string) => [string, string]): Row[] {
  const during = retention.ingestDuringEventsPerSecond;
  const alone = retention.ingestAloneEventsPerSecond;
  return [
    ['(m) retention: delivered rows deleted (deliveries / events)', retention.deleted ? `${count(retention.deleted.deliveries)} / ${count(retention.deleted.events)}` : 'n/a', '', ''],
    ['    retention run (seeding took)', retention.retentionMs == null ? 'n/a' : `${(retention.retentionMs / 1000).toFixed(1)} s (${retention.seedSeconds.toFixed(1)} s)`, '', ''],
    ['    longest write hold (one chunk, BEGIN to COMMIT)', `${fixed(retention.longestWriteMs)} ms`, ...judged('retentionHold')],
    ['    most CPU in one chunk (unstretched by other load)', `${fixed(retention.longestWriteCpuMs)} ms`, '', ''],
    ['    ingest during retention / alone (delivering too)', `${rate(during)} / ${rate(alone)}`, '', during && alone ? `ratio ${(during / alone).toFixed(2)}` : ''],
    ['    store size before / after', `${mb(retention.sizeBeforeMb)} / ${mb(retention.sizeAfterMb)} MB`, '', ''],
  ];
}

export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
function verdict(target: TargetResult | undefined): string {
  if (!target || target.pass === null) return target ? 'n/a' : '';
  return target.pass ? 'PASS' : 'MISS';
}
function rate(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : `${count(value)} ev/s`;
}
function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : count(value);
}
function ms1(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(1);
}
function mb(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(0);
}
function us(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(1);
}
function fixed(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(2);
}
/** Cores kept busy by the two processes at the measured rate: near the machine's count means saturated. */
function cores(a: number | null | undefined, b: number | null | undefined, perSecond: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined || !perSecond) return '';
  return `${(((a + b) * perSecond) / 1e6).toFixed(2)} cores busy`;
}
function states(tally: Readonly<Record<string, number>>): string {
  return Object.entries(tally)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state} ${count(n)}`)
    .join(', ');
}
