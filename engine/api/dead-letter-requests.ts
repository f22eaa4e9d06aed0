/**
 * GET /deliveries?state=dead and POST /deliveries/retry: their query parameters, checked strictly
 * (an unknown or repeated parameter is an error, not ignored), and the JSON shape of a page.
 */
import { HmsError } from '../errors.js';
import type { DeadListOptions, DeadPage, DeadSelection } from '../store/store.js';

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1_000;

type Query = Record<string, unknown>;

export function parseDeadListQuery(query: Query): DeadListOptions {
  const params = singleValues(query, ['state', 'connector', 'after', 'limit']);
  if (params.state !== 'dead') {
    const given = params.state === undefined ? 'is missing' : `is ${quoted(params.state)}`;
    throw new HmsError('QUERY_INVALID', `"state" ${given}; only state=dead can be listed (GET /status counts the other states)`);
  }
  return {
    limit: params.limit === undefined ? DEFAULT_PAGE_LIMIT : pageLimit(params.limit),
    ...(params.connector !== undefined && { connector: params.connector }),
    ...(params.after !== undefined && { after: params.after }),
  };
}

export function parseDeadRetryQuery(query: Query): DeadSelection {
  const { connector } = singleValues(query, ['connector']);
  return connector === undefined ? {} : { connector };
}

export function toDeadPageResponse(page: DeadPage) {
  return {
    deliveries: page.deliveries.map((delivery) => ({
      id: delivery.id,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      connector: delivery.connector,
      route: delivery.route,
      state: 'dead',
      attempts: delivery.attempts,
      lastStatus: delivery.lastStatus,
      lastError: delivery.lastError,
      deadSince: new Date(delivery.deadSince).toISOString(),
    })),
    next: page.next,
  };
}

function singleValues(query: Query, allowed: readonly string[]): Partial<Record<string, string>> {
  const values: Partial<Record<string, string>> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.includes(name)) throw new HmsError('QUERY_INVALID', `unknown query parameter ${quoted(name)}; this endpoint takes ${allowed.join(', ')}`);
    if (typeof value !== 'string' || value === '') throw new HmsError('QUERY_INVALID', `query parameter "${name}" must be given once, with a value`);
    values[name] = value;
  }
  return values;
}

function pageLimit(text: string): number {
  const limit = /^[0-9]{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_LIMIT)) throw new HmsError('QUERY_INVALID', `"limit" must be a whole number from 1 to ${MAX_PAGE_LIMIT}, not ${quoted(text)}`);
  return limit;
}

/** Request text quoted in a message, cut short so a message stays readable. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
