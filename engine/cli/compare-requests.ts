/**
 * Compares the requests a connector test expects with those rendered for its event. Pure: only
 * the fields an expectation gives are checked (route, method, url or path, a subset of headers
 * with names compared case-insensitively, body deep-equal with null meaning no body); requests
 * are paired in order. Values are kept unmasked here; whoever prints a Mismatch masks secrets.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ExpectedRequest } from '../config/schema/connector-file.generated.js';
import type { RenderedDelivery } from './render-event.js';

/** A value that is not there (a header not sent, a request not made), as opposed to null. */
export const ABSENT: unique symbol = Symbol('absent');

export interface Mismatch {
  /** What differs, e.g. `request 1 (book-slot) body` or `number of requests`. */
  readonly where: string;
  readonly expected?: unknown;
  readonly actual?: unknown;
  /** Instead of values, a statement (a mapping error). */
  readonly note?: string;
}

/** `baseUrl` is the connector's target URL, stripped from actual URLs to compare `path`. */
export function compareRequests(expected: readonly ExpectedRequest[], actual: readonly RenderedDelivery[], baseUrl: string): Mismatch[] {
  const mismatches: Mismatch[] = [];
  if (expected.length !== actual.length) {
    mismatches.push({ where: 'number of requests', expected: expected.length, actual: actual.length });
  }
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const want = expected[i];
    const got = actual[i];
    const label = `request ${i + 1}${got === undefined ? '' : ` (${got.route})`}`;
    if (got?.error !== undefined) {
      mismatches.push({ where: label, note: `failed: ${got.error}` });
    } else if (want === undefined) {
      mismatches.push({ where: `${label}: not expected`, expected: ABSENT, actual: outline(got, baseUrl) });
    } else if (got?.request === undefined) {
      mismatches.push({ where: `${label}: expected but not made`, expected: want, actual: ABSENT });
    } else {
      mismatches.push(...compareOne(label, want, got.route, got.request, baseUrl));
    }
  }
  return mismatches;
}

type Request = NonNullable<RenderedDelivery['request']>;

function compareOne(label: string, want: ExpectedRequest, route: string, request: Request, baseUrl: string): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const check = (field: string, expected: unknown, actual: unknown): void => {
    if (!isDeepStrictEqual(expected, actual)) mismatches.push({ where: `${label} ${field}`, expected, actual });
  };
  if (want.route !== undefined) check('route', want.route, route);
  if (want.method !== undefined) check('method', want.method, request.method);
  if (want.url !== undefined) check('url', want.url, request.url);
  if (want.path !== undefined) check('path', want.path, pathOf(request.url, baseUrl));
  for (const [name, value] of Object.entries(want.headers ?? {})) {
    check(`header ${name}`, value, headerValue(request.headers, name));
  }
  if ('body' in want) check('body', want.body ?? null, bodyOf(request));
  return mismatches;
}

/** The rendered request's path and query: its URL without the connector's base URL. */
export function pathOf(url: string, baseUrl: string): string {
  return url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url;
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | typeof ABSENT {
  const lower = name.toLowerCase();
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === lower);
  return found === undefined ? ABSENT : found[1];
}

/** The body as JSON, or null when there is none. */
function bodyOf(request: Request): unknown {
  if (request.body === undefined) return null;
  try {
    return JSON.parse(request.body) as unknown;
  } catch {
    return request.body;
  }
}

/** A request not expected, shown by what identifies it. */
function outline(delivery: RenderedDelivery | undefined, baseUrl: string): unknown {
  if (delivery?.request === undefined) return ABSENT;
  return { route: delivery.route, method: delivery.request.method, path: pathOf(delivery.request.url, baseUrl) };
}
