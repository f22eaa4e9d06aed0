/**
 * POST /replays: its JSON body, checked strictly (an unknown field is an error, not ignored), and
 * the JSON shapes of a replay and of a dry run. Times are ISO 8601 text; `since` and `until` may
 * also be a duration before now (`6h`, `30d`).
 */
import { parseDuration } from '../config/values/duration.js';
import { parseRateLimit } from '../config/values/rate-limit.js';
import { HmsError } from '../errors.js';
import type { ReplayView } from '../store/store.js';
import type { ReplayDryRun, ReplayRequest, TimeSpec } from '../sweep/replay/replays.js';

const FIELDS = ['connector', 'mode', 'since', 'until', 'eventTypes', 'where', 'rate', 'dryRun'] as const;
const MODES = ['redeliver', 'backfill'] as const;
/** An instant as ISO 8601 writes it: a date, optionally a time and a zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

export interface ParsedReplayBody {
  readonly request: ReplayRequest;
  readonly dryRun: boolean;
}

/** The request a body asks for; REQUEST_INVALID naming the field otherwise. `text` is the body as sent. */
export function parseReplayBody(text: string | undefined): ParsedReplayBody {
  if (text === undefined || text.trim() === '') throw invalid('the body is empty; send a JSON object with Content-Type: application/json, e.g. {"connector": "warehouse", "mode": "redeliver", "since": "6h"}');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalid(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!(FIELDS as readonly string[]).includes(name)) throw invalid(`unknown field "${name}"; a replay takes ${FIELDS.join(', ')}`);
  }
  const connector = requiredText(fields, 'connector');
  const mode = requiredText(fields, 'mode');
  if (!(MODES as readonly string[]).includes(mode)) throw invalid(`"mode" must be "redeliver" (every event in the window again) or "backfill" (only events without a delivery of the connector), not ${quoted(mode)}`);
  const until = optionalText(fields, 'until');
  const where = optionalText(fields, 'where');
  const rate = optionalText(fields, 'rate');
  const request: ReplayRequest = {
    connector,
    mode: mode as ReplayRequest['mode'],
    since: timeOf('since', requiredText(fields, 'since')),
    ...(until !== undefined && { until: timeOf('until', until) }),
    ...(fields.eventTypes !== undefined && { eventTypes: eventTypesOf(fields.eventTypes) }),
    ...(where !== undefined && { where }),
    ...(rate !== undefined && { perSecond: perSecondOf(rate) }),
  };
  if (fields.dryRun !== undefined && typeof fields.dryRun !== 'boolean') throw invalid('"dryRun" must be true or false');
  return { request, dryRun: fields.dryRun === true };
}

export function toReplayResponse(replay: ReplayView) {
  return {
    id: replay.id,
    connector: replay.connector,
    mode: replay.mode,
    state: replay.state,
    since: iso(replay.since),
    until: iso(replay.until),
    retainedSince: iso(replay.retainedSince),
    eventTypes: replay.eventTypes,
    where: replay.where,
    rate: rateText(replay.perSecond),
    declared: replay.declared,
    createdBy: replay.createdBy,
    createdAt: iso(replay.createdAt),
    finishedAt: replay.finishedAt === null ? null : iso(replay.finishedAt),
    matched: replay.matched,
    skippedByRetention: replay.skippedByRetention,
    created: replay.created,
    delivered: replay.delivered,
    dead: replay.dead,
    waiting: replay.waiting,
  };
}

export function toDryRunResponse(dryRun: ReplayDryRun) {
  const { spec } = dryRun;
  return {
    dryRun: true,
    connector: spec.connector,
    mode: spec.mode,
    since: iso(spec.since),
    until: iso(spec.until),
    retainedSince: iso(spec.retainedSince),
    rate: rateText(spec.perSecond),
    matched: dryRun.matched,
    deliveries: dryRun.deliveries,
    skippedByRetention: dryRun.skippedByRetention,
    sample: dryRun.sample,
    estimatedSeconds: dryRun.estimatedSeconds,
  };
}

function timeOf(field: string, text: string): TimeSpec {
  if (/^[0-9]+(ms|s|m|h|d)$/.test(text)) return { ago: parseDuration(text) };
  const at = ISO_INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw invalid(`"${field}" must be a time in ISO 8601 (2026-11-26T08:00:00Z) or a duration before now (6h, 30d), not ${quoted(text)}`);
  return { at };
}

function eventTypesOf(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((type) => typeof type === 'string' && type !== '')) {
    throw invalid('"eventTypes" must be a non-empty list of event types or globs, as a route\'s "on": ["permitApproved", "permit.*"]');
  }
  return value as string[];
}

function perSecondOf(text: string): number {
  try {
    return parseRateLimit(text).perSecond;
  } catch (error) {
    throw invalid(`"rate": ${(error as Error).message}`);
  }
}

function requiredText(fields: Record<string, unknown>, name: string): string {
  const value = optionalText(fields, name);
  if (value === undefined) throw invalid(`"${name}" is missing`);
  return value;
}

function optionalText(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalid(`"${name}" must be a non-empty string`);
  return value;
}

/** A pace per second as the connector format writes rates: whole numbers per s, m or h where they are. */
function rateText(perSecond: number): string {
  if (Number.isInteger(perSecond)) return `${perSecond}/s`;
  return Number.isInteger(perSecond * 60) ? `${perSecond * 60}/m` : `${Math.round(perSecond * 3_600)}/h`;
}

function invalid(message: string): HmsError {
  return new HmsError('REQUEST_INVALID', `POST /replays: ${message}`);
}

function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
