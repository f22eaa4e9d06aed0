/**
 * Sample events from a running engine, for `diff --events-from`, through its delivery-search API:
 * `GET /deliveries?since=&eventType=&limit=` (newest first, paged with `after=<next>`) gives the
 * ids of the events accepted in the window, and `GET /events/:id` each event's `body`, the event
 * as it was emitted. Events that no route took when they arrived have no delivery, so they are
 * not found this way.
 *
 * The result does not depend on the order the answers arrive in: events come back sorted by id.
 */
import { HmsError } from '../../errors.js';
import type { SyncEvent } from '../../model.js';
import type { EngineApi } from './engine-api.js';
import { compareCodeUnits } from './diff-sources.js';

/** The most deliveries one page may hold (GET /deliveries takes `limit` from 1 to 1,000). */
export const DELIVERY_PAGE_MAX = 1_000;
/** Event bodies read at once. */
export const EVENT_FETCH_CONCURRENCY = 8;

export interface EngineEventsQuery {
  /** Acceptance time, ISO-8601: only events accepted at or after it. */
  readonly since: string;
  /** Distinct events at most, the newest first. */
  readonly limit: number;
  /** An event type or a glob, as a route's `on` takes. */
  readonly types?: string;
}

export interface EngineEvent {
  /** The engine's id for the event (its own `id`, or the one the engine gave it). */
  readonly id: string;
  /** The event as emitted. */
  readonly body: SyncEvent;
}

export interface FetchedEvents {
  /** Sorted by id. */
  readonly events: readonly EngineEvent[];
  /** Listed, but gone when its body was asked for (retention deleted it meanwhile). */
  readonly vanished: number;
}

export async function fetchEngineEvents(api: EngineApi, query: EngineEventsQuery): Promise<FetchedEvents> {
  const ids = await newestEventIds(api, query);
  const events: (EngineEvent | undefined)[] = new Array(ids.length);
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    for (let index = nextIndex++; index < ids.length; index = nextIndex++) {
      const id = ids[index]!;
      const answer = await api.get(`/events/${encodeURIComponent(id)}`, {}, { missingOk: true });
      events[index] = answer === undefined ? undefined : { id, body: eventBody(api, answer, id) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(EVENT_FETCH_CONCURRENCY, ids.length) }, worker));
  const found = events.filter((event) => event !== undefined);
  return { events: found.sort((a, b) => compareCodeUnits(a.id, b.id)), vanished: ids.length - found.length };
}

/** The ids of the newest `query.limit` distinct events with deliveries in the window. */
async function newestEventIds(api: EngineApi, query: EngineEventsQuery): Promise<string[]> {
  const ids = new Set<string>();
  let after: string | undefined;
  do {
    const params: Record<string, string> = { since: query.since, limit: String(Math.min(DELIVERY_PAGE_MAX, query.limit)) };
    if (query.types !== undefined) params.eventType = query.types;
    if (after !== undefined) params.after = after;
    const page = deliveryPage(api, await api.get('/deliveries', params));
    for (const eventId of page.eventIds) {
      ids.add(eventId);
      if (ids.size === query.limit) return [...ids];
    }
    if (page.next !== undefined && page.next === after) unexpected(api, '/deliveries', `gave the cursor "${after}" back as its next page`);
    after = page.next;
  } while (after !== undefined);
  return [...ids];
}

function deliveryPage(api: EngineApi, answer: unknown): { eventIds: string[]; next?: string } {
  const { deliveries, next } = (isObject(answer) ? answer : {}) as { deliveries?: unknown; next?: unknown };
  if (!Array.isArray(deliveries)) return unexpected(api, '/deliveries', 'answered without a "deliveries" list');
  if (next !== null && next !== undefined && (typeof next !== 'string' || next === '')) return unexpected(api, '/deliveries', 'answered with a "next" that is neither a cursor nor null');
  const eventIds = deliveries.map((delivery: unknown, index) => {
    const eventId = isObject(delivery) ? delivery.eventId : undefined;
    if (typeof eventId !== 'string' || eventId === '') return unexpected(api, '/deliveries', `answered with deliveries[${index}] without an "eventId"`);
    return eventId;
  });
  return typeof next === 'string' ? { eventIds, next } : { eventIds };
}

function eventBody(api: EngineApi, answer: unknown, id: string): SyncEvent {
  const body = isObject(answer) ? answer.body : undefined;
  if (body === undefined) return unexpected(api, `/events/${id}`, 'answered without the event\'s "body"; the engine is older than its delivery-search API (GET /events/:id with the body)');
  if (!isObject(body) || typeof body.type !== 'string' || body.type === '') return unexpected(api, `/events/${id}`, 'answered with a "body" that is not an event (an object with a string "type")');
  return body as SyncEvent;
}

function unexpected(api: EngineApi, path: string, what: string): never {
  throw new HmsError('EVENTS_FETCH_FAILED', `--events-from ${api.shownUrl}: GET ${path} ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
