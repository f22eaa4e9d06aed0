/**
 * The JSON shape of GET /status. It names files, connectors, revisions and problems; it never
 * carries a target URL, a header value or anything else that may hold a secret.
 *
 * Each connector shows its flow control: `state` is `active`, `paused-by-operator` (its file says
 * `paused: true` or an operator paused it: `pausedBy` says which, and who), `disabled` (a 410;
 * until its file changes), `paused` (a 429; until `pausedUntil`) or `breaker-open` (until
 * `breaker.openUntil`); `inFlight` and `waiting` count the deliveries held in memory.
 *
 * `deliveries.delivered` counts the delivered deliveries still kept: retention deletes them
 * `store.retention.delivered` after delivery, so it is no running total.
 *
 * `store.location` names the store: `sqlite:PATH`, or the PostgreSQL URL with its password masked.
 *
 * `replicas` lists the live replicas on a shared store (PostgreSQL), this one with `self: true`;
 * null on SQLite, where one engine owns the store. `configSkew` names the replicas on another
 * connector revision than the newest (the one adopted last); null when they all agree.
 *
 * `replays` lists the replays running now (declared backfills too), as GET /replays/:id shows them.
 *
 * Each source shows whether it is connected, its last error (secrets already removed), its lag,
 * what it holds, its accepted and rejected totals and its latest rejections.
 */
import type { SourceStatus } from '../bus/sources/source-tally.js';
import { formatDuration } from '../config/values/duration.js';
import type { LaneStatus } from '../dispatch/connector-lane.js';
import type { EngineStatus, StoreStatus } from '../engine.js';
import { toReplayResponse } from './replay-requests.js';

export function toStatusResponse(status: EngineStatus) {
  return {
    revision: status.revision.label,
    commit: status.revision.commit,
    connectors: status.connectors.map((c) => ({
      name: c.name,
      file: c.file,
      revision: c.revision.slice(0, 12),
      routes: c.routes.map((r) => r.key),
      ...toFlowResponse(status.flow[c.name]),
    })),
    sources: status.sources.map(sourceOf),
    engineFile: status.engineFile,
    files: status.files.map((f) => ({
      file: f.file,
      serving: f.serving,
      lastKnownGood: f.lastKnownGood,
      problems: f.problems.map(({ line, column, code, message }) => ({ line, column, code, message })),
    })),
    lastReload: status.lastReload && { ...status.lastReload, at: new Date(status.lastReload.at).toISOString() },
    deliveries: status.deliveries,
    store: storeOf(status.store),
    replays: status.replays.map(toReplayResponse),
    replicas: status.replicas && status.replicas.map(({ id, hostname, version, revision, heldDeliveries, heartbeatAt, self }) => ({ id, hostname, version, revision, heldDeliveries, heartbeatAt: iso(heartbeatAt), self })),
    configSkew: status.configSkew,
  };
}

/** Sizes in bytes, times as ISO text, retention settings as the flags write them (`7d`, `never`). */
function storeOf(store: StoreStatus) {
  const { retention, lastRetention: last } = store;
  return {
    location: store.location,
    writable: store.writable,
    lastFailure: store.lastFailure && { ...store.lastFailure, at: iso(store.lastFailure.at) },
    sizeBytes: store.sizeBytes,
    dataBytes: store.dataBytes,
    freeBytes: store.freeBytes,
    maxSizeBytes: retention.maxStoreBytes,
    full: store.full,
    oldestPendingAt: store.oldestPendingAt === null ? null : iso(store.oldestPendingAt),
    retention: { delivered: formatDuration(retention.deliveredMs), events: formatDuration(retention.eventsMs), dead: formatDuration(retention.deadMs) },
    lastRetention: last && {
      at: iso(last.at),
      deleted: { deliveries: last.deleted.deliveries, events: last.deleted.events },
      ms: last.ms,
      longestWriteMs: tenths(last.longestWriteMs),
      longestWriteCpuMs: tenths(last.longestWriteCpuMs),
    },
  };
}

/** A connector's flow control, as GET /status and the pause and resume answers show it. */
export function toFlowResponse(flow: LaneStatus | undefined) {
  if (flow === undefined) return {};
  const { breaker, disabled, rateLimit, pausedBy } = flow;
  return {
    state: flow.state,
    inFlight: flow.inFlight,
    waiting: flow.waiting,
    pausedBy: pausedBy && { file: pausedBy.file, operator: pausedBy.operator && { by: pausedBy.operator.by, since: iso(pausedBy.operator.since) } },
    disabled: disabled && { since: iso(disabled.since), reason: disabled.reason, revision: disabled.revision.slice(0, 12) },
    pausedUntil: flow.pausedUntil === null ? null : iso(flow.pausedUntil),
    breaker: breaker && { state: breaker.state, consecutiveFailures: breaker.consecutiveFailures, openUntil: breaker.openUntil === null ? null : iso(breaker.openUntil) },
    rateLimit,
  };
}

function tenths(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function sourceOf(source: SourceStatus) {
  return {
    name: source.name,
    type: source.type,
    file: source.file,
    connected: source.connected,
    lastError: source.lastError && { at: iso(source.lastError.at), message: source.lastError.message },
    lag: source.lag,
    inFlight: source.inFlight,
    acceptedTotal: source.acceptedTotal,
    rejectedTotal: source.rejectedTotal,
    rejections: source.rejections.map((r) => ({ at: iso(r.at), reason: r.reason, position: r.position, message: r.message })),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
