/**
 * What an operator (POST /replays) or a connector file (`backfill:`) asks of a replay, and the
 * replay it means: the window made absolute and bounded by now, `where` checked, the pace chosen.
 */
import type { Registry } from '../../config/registry.js';
import { ExpressionSyntaxError } from '../../config/expression/expression.js';
import { HmsError } from '../../errors.js';
import type { ReplayMode, ReplaySpec } from '../../store/store.js';
import { compileWhere } from './replay-matcher.js';

/** A replay's pace when neither the request nor the connector's rateLimit gives one. */
export const DEFAULT_REPLAY_PER_SECOND = 100;

/** A time as an instant (epoch ms), or as a duration before now. */
export type TimeSpec = { readonly at: number } | { readonly ago: number };

export interface ReplayRequest {
  readonly connector: string;
  readonly mode: ReplayMode;
  readonly since: TimeSpec;
  /** Default (and latest): now. */
  readonly until?: TimeSpec;
  readonly eventTypes?: readonly string[];
  readonly where?: string;
  /** Default: the connector's rateLimit, else DEFAULT_REPLAY_PER_SECOND. */
  readonly perSecond?: number;
}

/** The replay a request asks for, checked against the configuration now: NOT_FOUND for a
 * connector that is not configured, REQUEST_INVALID for an empty window or a bad `where`.
 * Events older than `retainEventsMs` are no longer kept, so the replay skips them. */
export function resolveReplay(request: ReplayRequest, registry: Pick<Registry, 'get'>, now: number, retainEventsMs: number): ReplaySpec {
  const connector = registry.get(request.connector);
  if (connector === undefined) throw new HmsError('NOT_FOUND', `no connector named "${request.connector}" is configured; GET /status lists them`);
  const since = timeOf(request.since, now);
  const until = Math.min(request.until === undefined ? now : timeOf(request.until, now), now);
  if (since >= until) throw new HmsError('REQUEST_INVALID', `"since" (${iso(since)}) must be before "until" (${iso(until)}, and no later than now)`);
  if (request.where !== undefined) {
    try {
      compileWhere(request.where);
    } catch (error) {
      if (error instanceof ExpressionSyntaxError) throw new HmsError('REQUEST_INVALID', `"where" is not valid JSONata: ${error.detail}`);
      throw error;
    }
  }
  return {
    connector: connector.name,
    mode: request.mode,
    since,
    until,
    retainedSince: now - retainEventsMs,
    eventTypes: request.eventTypes === undefined ? null : [...request.eventTypes],
    where: request.where ?? null,
    perSecond: request.perSecond ?? connector.rateLimit?.perSecond ?? DEFAULT_REPLAY_PER_SECOND,
  };
}

function timeOf(time: TimeSpec, now: number): number {
  return 'at' in time ? time.at : now - time.ago;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
