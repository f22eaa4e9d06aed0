/**
 * Turns one event into the HTTP request a connector route sends for it. Pure apart from JSONata
 * evaluation and with no network: used by the dispatcher and by preview, test and diff, so what a
 * reviewer sees is exactly what is sent. Credentials, signatures and TLS are added per attempt by
 * the authenticator (auth/authenticator.ts), never here.
 *
 * Headers, later layers winning, names compared case-insensitively: target headers, then the
 * engine's (User-Agent, Idempotency-Key, Content-Type, and Hms-Sync-Replay for a replay's
 * delivery), then the route's `headers:`, then (when sending) auth and signing headers.
 */
import type { CompiledConnector, CompiledExpression, CompiledRoute, PathPart } from '../config/compiled.js';
import { HmsError } from '../errors.js';
import { describeValue, encodeBatchBody, encodeBody, formFields, queryString, type EncodedBody } from './encode-body.js';
import type { HttpRequest } from './http-client.js';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export interface RenderContext {
  /** Sent as Idempotency-Key: the same on every retry of one delivery. */
  readonly deliveryId: string;
  readonly userAgent: string;
  /** The replay that created the delivery: sent as Hms-Sync-Replay, so a receiver can tell a
   * replay (a new delivery, with a new Idempotency-Key) from a repeat. */
  readonly replayId?: string | null;
}

/** Rejects with HmsError MAPPING_FAILED when an expression fails or yields nothing usable. */
export async function renderRequest(
  connector: CompiledConnector,
  route: CompiledRoute,
  event: unknown,
  context: RenderContext,
): Promise<HttpRequest> {
  const body = route.map || METHODS_WITH_BODY.has(route.method) ? encodeBody(route, await renderItem(route, event), `routes[${route.index}].map`) : undefined;
  return assemble(connector, route, event, context, body);
}

/**
 * One batch of deliveries as one request: the body holds every event's item (see `renderItem`),
 * already rendered, encoded by `encodeBatchBody`; the path, query and route headers are rendered
 * from the first event, so a batched route's templates should not depend on the event.
 */
export async function renderBatchRequest(
  connector: CompiledConnector,
  route: CompiledRoute,
  firstEvent: unknown,
  items: readonly unknown[],
  context: RenderContext,
): Promise<HttpRequest> {
  return assemble(connector, route, firstEvent, context, encodeBatchBody(items, route));
}

/**
 * What one event contributes to a body: the map's result, or the event itself without a map. With
 * format lines it must be a string, so an item that is not fails alone, before it joins a batch.
 */
export async function renderItem(route: CompiledRoute, event: unknown): Promise<unknown> {
  const value = route.map ? await route.map.evaluate(event) : event;
  const where = `routes[${route.index}].map`;
  if (value === undefined) {
    throw new HmsError('MAPPING_FAILED', `${where} gave no value for this event; use "when" to skip events the map cannot handle`);
  }
  if (route.format === 'lines' && typeof value !== 'string') {
    throw new HmsError('MAPPING_FAILED', `${where} gave ${describeValue(value)}; with format: lines each item must be a string, one line or several joined with "\\n" (build the line as text in the map)`);
  }
  return value;
}

/** `base` with each of `layers` applied in turn: a name (any case) in a later layer replaces it. */
export function mergeHeaders(base: Readonly<Record<string, string>>, ...layers: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const merged: Record<string, string> = { ...base };
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer)) {
      const lower = name.toLowerCase();
      for (const existing of Object.keys(merged)) if (existing.toLowerCase() === lower) delete merged[existing];
      merged[name] = value;
    }
  }
  return merged;
}

async function assemble(
  connector: CompiledConnector,
  route: CompiledRoute,
  event: unknown,
  context: RenderContext,
  body: EncodedBody | undefined,
): Promise<HttpRequest> {
  const path = await renderTemplate(route.path, event, `routes[${route.index}].path`, encodeURIComponent, refuseSegmentChanges);
  // A batch's query is fixed (it reads no event, as the connector's load checked): no event is given.
  const query = route.query ? await renderQuery(route.query, route.batch === undefined ? event : undefined, `routes[${route.index}].query`) : [];
  const engineHeaders: Record<string, string> = { 'user-agent': context.userAgent, 'idempotency-key': context.deliveryId };
  if (body !== undefined) engineHeaders['content-type'] = body.contentType;
  if (context.replayId) engineHeaders['hms-sync-replay'] = context.replayId;
  const headers = mergeHeaders(connector.target.headers, engineHeaders, route.headers.length > 0 ? await renderRouteHeaders(route, event) : {});
  return {
    method: route.method,
    url: connector.target.url + path + queryString(query, path.includes('?')),
    headers,
    ...(body !== undefined && { body: body.body }),
    timeoutMs: connector.target.timeoutMs,
  };
}

async function renderQuery(query: CompiledExpression, event: unknown, where: string): Promise<[string, string][]> {
  const value = await query.evaluate(event);
  return value === undefined ? [] : formFields(value, where);
}

async function renderRouteHeaders(route: CompiledRoute, event: unknown): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const header of route.headers) {
    const where = `routes[${route.index}].headers.${header.name}`;
    const value = await renderTemplate(header.value, event, where, (text) => text);
    // undici refuses such a value at send time, which would look like a retryable network error.
    if (/[\r\n\0]/.test(value)) throw new HmsError('MAPPING_FAILED', `${where} gave a value with a line break or NUL character, which a header cannot carry`);
    headers[header.name] = value;
  }
  return headers;
}

/** Checks one placeholder's text before it joins the rendered template; throws to refuse it. */
type PlaceholderCheck = (value: string, before: string, after: PathPart | undefined, source: string, where: string) => void;

/**
 * A path placeholder that fills a whole segment may not give "", "." or "..": encoding leaves
 * them as they are, and they would empty the segment (`DELETE /api/slots/`) or move the path up
 * a level (URL parsers resolve dot segments, `%2E%2E` too). Only the path before any `?` counts.
 */
function refuseSegmentChanges(value: string, before: string, after: PathPart | undefined, source: string, where: string): void {
  if (value !== '' && value !== '.' && value !== '..') return;
  const inPath = !before.includes('?');
  const wholeSegment = before.endsWith('/') && (after === undefined || ('literal' in after && /^[/?#]/.test(after.literal)));
  if (!inPath || !wholeSegment) return;
  const what = value === '' ? 'an empty string, which would leave its path segment empty' : `"${value}", which would move the path up a level`;
  throw new HmsError('MAPPING_FAILED', `${where}: {${source}} gave ${what}; it must give a segment's text for this event`);
}

/** Literal text plus each placeholder's value, checked by `check` and passed through `encode`. */
async function renderTemplate(parts: readonly PathPart[], event: unknown, where: string, encode: (text: string) => string, check?: PlaceholderCheck): Promise<string> {
  let text = '';
  for (const [index, part] of parts.entries()) {
    if ('literal' in part) {
      text += part.literal;
      continue;
    }
    const value = await part.expression.evaluate(event);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new HmsError(
        'MAPPING_FAILED',
        `${where}: {${part.expression.source}} gave ${describeValue(value)}; it must give a string or number for this event`,
      );
    }
    check?.(String(value), text, parts[index + 1], part.expression.source, where);
    text += encode(String(value));
  }
  return text;
}
