/**
 * The query parameters of GET /deliveries and of the bulk actions (POST /deliveries/retry,
 * POST /deliveries/discard), checked strictly: an unknown or repeated parameter, or a value of
 * the wrong form, is QUERY_INVALID naming the parameter and saying what it takes.
 *
 * Lists are comma-separated (`state=dead,retrying`). GET /deliveries lists newest first unless
 * `order=asc`, except the form it took before filters existed: `state=dead` with at most
 * `connector`, `limit` and `after` still lists oldest first, so clients written for it page as
 * they did.
 */
import { HmsError } from '../errors.js';
import { DELIVERY_STATES, type DeliveryState } from '../model.js';
import type { DeliveryQuery } from '../operate/find-deliveries.js';
import type { BulkSelection } from '../operate/delivery-actions.js';
import type { DeliveryFilter, StatusFilter } from '../store/store.js';

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1_000;
/** Longest `q`, in characters. */
export const MAX_Q_LENGTH = 2_000;

type Query = Record<string, unknown>;

const FILTERS = ['connector', 'route', 'state', 'eventType', 'eventId', 'since', 'until', 'status', 'minAttempts', 'q'] as const;
const PAGING = ['order', 'after', 'limit'] as const;
/** The parameters of the dead-letter list as it was before filters: it keeps its order. */
const DEAD_LETTER_FORM: ReadonlySet<string> = new Set(['state', 'connector', 'limit', 'after']);

/** An event type pattern, as a route's `on` takes it (schemas/connector.schema.json). */
const TYPE_PATTERN = /^[A-Za-z0-9_.:*-]+$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'network'] as const;

export function parseListQuery(query: Query): DeliveryQuery {
  const params = singleValues(query, [...FILTERS, ...PAGING]);
  const deadLetterForm = params.state === 'dead' && params.order === undefined && Object.keys(params).every((name) => DEAD_LETTER_FORM.has(name));
  return {
    ...selectionOf(params),
    order: deadLetterForm ? 'asc' : oneOf('order', params.order, ['desc', 'asc'] as const) ?? 'desc',
    limit: params.limit === undefined ? DEFAULT_PAGE_LIMIT : pageLimit(params.limit),
    ...(params.after !== undefined && { after: params.after }),
  };
}

export function parseBulkQuery(query: Query): BulkSelection & { readonly dryRun: boolean } {
  const params = singleValues(query, [...FILTERS, 'dryRun']);
  return { ...selectionOf(params), dryRun: oneOf('dryRun', params.dryRun, ['true', 'false'] as const) === 'true' };
}

function selectionOf(params: Partial<Record<string, string>>): BulkSelection {
  const filter: DeliveryFilter = {
    ...(params.connector !== undefined && { connectors: list('connector', params.connector) }),
    ...(params.route !== undefined && { route: params.route }),
    ...(params.state !== undefined && { states: list('state', params.state).map(state) }),
    ...(params.eventType !== undefined && { eventTypes: list('eventType', params.eventType).map(typePattern) }),
    ...(params.eventId !== undefined && { eventId: params.eventId }),
    ...(params.since !== undefined && { since: time('since', params.since) }),
    ...(params.until !== undefined && { until: time('until', params.until) }),
    ...(params.status !== undefined && { statuses: list('status', params.status).map(status) }),
    ...(params.minAttempts !== undefined && { minAttempts: wholeNumber('minAttempts', params.minAttempts, 0, 1_000_000) }),
  };
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
    throw new HmsError('QUERY_INVALID', `"since" (${params.since}) must be before "until" (${params.until})`);
  }
  if (params.q !== undefined && params.q.length > MAX_Q_LENGTH) throw new HmsError('QUERY_INVALID', `"q" is ${params.q.length} characters long; at most ${MAX_Q_LENGTH}`);
  return { filter, ...(params.q !== undefined && { q: params.q }) };
}

function list(name: string, text: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new HmsError('QUERY_INVALID', `"${name}" has an empty item in ${quoted(text)}; separate values with single commas`);
  return items;
}

function state(text: string): DeliveryState {
  if ((DELIVERY_STATES as readonly string[]).includes(text)) return text as DeliveryState;
  throw new HmsError('QUERY_INVALID', `"state" ${quoted(text)} is not a state; use ${DELIVERY_STATES.join(', ')} (several separated by commas)`);
}

function typePattern(text: string): string {
  if (TYPE_PATTERN.test(text)) return text;
  throw new HmsError('QUERY_INVALID', `"eventType" ${quoted(text)} is not an event type or glob; use letters, digits, _ . : - and * (as a route's "on")`);
}

function time(name: string, text: string): number {
  const ms = ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new HmsError('QUERY_INVALID', `"${name}" must be an ISO 8601 date or time, e.g. 2026-11-27T08:00:00Z, not ${quoted(text)}`);
  return ms;
}

function status(text: string): StatusFilter {
  if ((STATUS_CLASSES as readonly string[]).includes(text)) return text as StatusFilter;
  if (/^[1-5][0-9]{2}$/.test(text)) return Number(text);
  throw new HmsError('QUERY_INVALID', `"status" ${quoted(text)} is neither a class (2xx, 3xx, 4xx, 5xx, network) nor an HTTP status code`);
}

function oneOf<T extends string>(name: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined || (allowed as readonly string[]).includes(text)) return text as T | undefined;
  throw new HmsError('QUERY_INVALID', `"${name}" must be ${allowed.join(' or ')}, not ${quoted(text)}`);
}

function pageLimit(text: string): number {
  return wholeNumber('limit', text, 1, MAX_PAGE_LIMIT);
}

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new HmsError('QUERY_INVALID', `"${name}" must be a whole number from ${min} to ${max}, not ${quoted(text)}`);
  return n;
}

/** Each parameter once, with a value; an unknown one is an error naming those that are known. */
export function singleValues(query: Query, allowed: readonly string[]): Partial<Record<string, string>> {
  const values: Partial<Record<string, string>> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.includes(name)) throw new HmsError('QUERY_INVALID', `unknown query parameter ${quoted(name)}; this endpoint takes ${allowed.join(', ')}`);
    if (typeof value !== 'string' || value === '') throw new HmsError('QUERY_INVALID', `query parameter "${name}" must be given once, with a value`);
    values[name] = value;
  }
  return values;
}

/** Request text quoted in a message, cut short so a message stays readable. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
