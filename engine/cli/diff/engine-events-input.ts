/**
 * `diff --events-from URL`: the flags that choose events from a running engine, and reading them:
 * fetch (fetch-engine-events.ts), then redact (redact-events.ts), then make them the report's
 * events, keyed and ordered by id. Flags are checked before anything is read, so a mistake costs
 * no request.
 */
import { parseDuration } from '../../config/values/duration.js';
import { HmsError } from '../../errors.js';
import { engineDiffEvents, type DiffEvent } from './diff-events.js';
import type { EngineEventsNote } from './diff-report.js';
import { createEngineApi } from './engine-api.js';
import { EVENT_FETCH_CONCURRENCY, fetchEngineEvents, type EngineEventsQuery, type FetchedEvents } from './fetch-engine-events.js';
import { compileRedactions, redactEvents, type Redaction } from './redact-events.js';

export const DEFAULT_ENGINE_EVENTS_SINCE = '24h';
export const DEFAULT_ENGINE_EVENTS_LIMIT = 500;
/** Most events one report renders: each is rendered against every connector twice. */
export const MAX_ENGINE_EVENTS_LIMIT = 10_000;

/** The command-line options of this part, for parseArgs. */
export const ENGINE_EVENTS_OPTIONS = {
  'events-from': { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  types: { type: 'string' },
  redact: { type: 'string', multiple: true },
  'only-engine-events': { type: 'boolean' },
} as const;

export interface EngineEventsFlags {
  readonly 'events-from'?: string;
  readonly since?: string;
  readonly limit?: string;
  readonly types?: string;
  readonly redact?: readonly string[];
  readonly 'only-engine-events'?: boolean;
}

export interface EngineEventsRequest {
  readonly url: URL;
  readonly token?: string;
  readonly query: EngineEventsQuery;
  readonly since: string;
  readonly redactions: readonly Redaction[];
  /** Render the engine's events only, leaving out tests and samples. */
  readonly only: boolean;
}

/** The report's engine events, as diffReport takes them. */
export interface EngineEventsInput {
  readonly events: readonly DiffEvent[];
  readonly note: EngineEventsNote;
  readonly only: boolean;
}

/** The request the flags make, undefined without --events-from; USAGE (naming the flag) when one is wrong. */
export function engineEventsRequest(flags: EngineEventsFlags, env: Readonly<Record<string, string | undefined>>, now: number, usage: string): EngineEventsRequest | undefined {
  const bad = (message: string): never => {
    throw new HmsError('USAGE', `${message}\n${usage}`);
  };
  const from = flags['events-from'];
  if (from === undefined) {
    const stray = (['since', 'limit', 'types', 'redact', 'only-engine-events'] as const).find((name) => flags[name] !== undefined);
    if (stray !== undefined) bad(`--${stray} chooses events from an engine; give --events-from URL too`);
    return undefined;
  }
  const url = URL.canParse(from) ? new URL(from) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return bad('--events-from must be the engine\'s http:// or https:// address, e.g. http://127.0.0.1:8080');
  const since = flags.since ?? DEFAULT_ENGINE_EVENTS_SINCE;
  let sinceMs = 0;
  try {
    sinceMs = parseDuration(since);
  } catch (error) {
    bad(`--since: ${(error as Error).message}`);
  }
  if (sinceMs === 0) bad('--since must be longer than 0, e.g. 24h');
  const limitText = flags.limit ?? String(DEFAULT_ENGINE_EVENTS_LIMIT);
  const limit = /^[0-9]{1,6}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= MAX_ENGINE_EVENTS_LIMIT)) bad(`--limit must be a whole number from 1 to ${MAX_ENGINE_EVENTS_LIMIT}, not "${limitText}"`);
  if (flags.types === '') bad('--types must name an event type or a glob such as permit*');
  const token = env.HMS_SYNC_READ_TOKEN || env.HMS_SYNC_API_TOKEN || undefined;
  return {
    url,
    ...(token !== undefined && { token }),
    query: { since: new Date(now - sinceMs).toISOString(), limit, ...(flags.types !== undefined && { types: flags.types }) },
    since,
    redactions: compileRedactions(flags.redact ?? []),
    only: flags['only-engine-events'] === true,
  };
}

/** Reads the events the request names and redacts them; EVENTS_FETCH_FAILED when the engine cannot give them. */
export async function readEngineEvents(request: EngineEventsRequest): Promise<EngineEventsInput> {
  const api = createEngineApi(request.url, { ...(request.token !== undefined && { token: request.token }), connections: EVENT_FETCH_CONCURRENCY });
  let fetched;
  try {
    fetched = await fetchEngineEvents(api, request.query);
  } finally {
    await api.close();
  }
  return engineEventsInput(fetched, request);
}

/** Events as fetched, made the report's: redacted, then keyed and ordered by id. */
export async function engineEventsInput(fetched: FetchedEvents, request: EngineEventsRequest): Promise<EngineEventsInput> {
  const redacted = await redactEvents(fetched.events, request.redactions);
  return {
    events: engineDiffEvents(redacted.events, !redacted.idRedacted),
    note: {
      since: request.since,
      limit: request.query.limit,
      ...(request.query.types !== undefined && { types: request.query.types }),
      vanished: fetched.vanished,
      redactions: request.redactions.map(({ path }, index) => ({ path, count: redacted.counts[index] ?? 0 })),
    },
    only: request.only,
  };
}
