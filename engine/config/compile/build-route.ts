/**
 * One route of a schema-valid connector → its CompiledRoute, after the checks the schema cannot
 * express: body format against batch and contentType, batch limits and the shape of a lines
 * body, and what a batch request shares among its items (fixed path, headers and query).
 */
import { MAX_TIMER_DELAY_MS } from '../../clock.js';
import type { CompiledBatch, CompiledRoute, PathPart } from '../compiled.js';
import type { RouteExpressions } from './compile-expressions.js';
import type { ConnectorRoute } from '../schema/connector-file.generated.js';
import { DEFAULT_BATCH_MAX_BYTES, DEFAULT_BATCH_MAX_EVENTS, DEFAULT_BATCH_MAX_WAIT_MS, DEFAULT_BATCH_TRAILING_NEWLINE, DEFAULT_ROUTE_FORMAT, DEFAULT_ROUTE_METHOD } from '../schema/defaults.generated.js';
import { parseSize } from '../values/size.js';
import { compileTypeMatcher } from '../expression/type-pattern.js';
import type { DataPath } from '../problems/yaml-locator.js';

export interface RouteContext {
  /** Reports a problem at the value of `path` (or its key with `key`); skipped for unresolved values. */
  readonly problem: (path: DataPath, message: string, key?: boolean) => void;
  /** Parses a duration at `path`, reporting a problem and returning `fallback` when it is not one. */
  readonly duration: (path: DataPath, text: string | undefined, fallback: number) => number;
}

/** `type/subtype` and optional parameters, e.g. `text/xml; charset=utf-8`. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(;.*)?$/;

export function buildRoute(route: ConnectorRoute, index: number, key: string, expressions: RouteExpressions, context: RouteContext): CompiledRoute {
  const { problem } = context;
  const base: DataPath = ['routes', index];
  const method = route.method ?? DEFAULT_ROUTE_METHOD;
  const format = route.format ?? DEFAULT_ROUTE_FORMAT;
  const path = expressions.path ?? [];
  const headers = expressions.headers ?? [];

  if (format === 'ndjson' && route.batch === undefined) {
    problem([...base, 'format'], 'ndjson sends one JSON value per line, so it needs a batch; add "batch: {}" (or set its limits), or use format: json');
  }
  if (format === 'lines' && route.batch === undefined) {
    problem([...base, 'format'], 'lines joins the items of a batch into one body, so it needs a batch; add "batch: {}" (or set its limits), or, for one event per request, use contentType with a map that gives the body as a string');
  }
  if (format === 'lines' && route.batch !== undefined && route.contentType === undefined) {
    problem([...base, 'format'], 'lines sends text, so it needs contentType: the media type of the lines, e.g. text/csv, text/plain; charset=utf-8 or application/x-ndjson');
  }
  if (format === 'lines' && route.map === undefined) problem([...base, 'format'], 'lines sends each item as a line of text, so it needs a map that builds the line as a string');
  if (route.contentType !== undefined) {
    if (format === 'form') {
      problem([...base, 'contentType'], 'form bodies are always application/x-www-form-urlencoded; remove contentType, or remove format: form to send a string map result as it is');
    } else if (route.batch !== undefined && format !== 'lines') {
      problem([...base, 'contentType'], `a ${format} batch is sent as ${format === 'json' ? 'a JSON array' : 'NDJSON'} with its own Content-Type; remove contentType, or use format: lines with a map that gives each item as a string`);
    } else if (!MEDIA_TYPE.test(route.contentType)) {
      problem([...base, 'contentType'], `"${route.contentType}" is not a media type; write it like text/xml; charset=utf-8 or application/soap+xml`);
    }
  }

  let batch: CompiledBatch | undefined;
  if (route.batch !== undefined) {
    const where: DataPath = [...base, 'batch'];
    if (method === 'GET' || method === 'DELETE') {
      problem([...base, 'method'], `${method} sends no body, so it cannot carry a batch; use POST, PUT or PATCH, or remove batch`);
    }
    if (format === 'form') problem([...base, 'format'], 'a batch is sent as a JSON array, NDJSON or lines of text; use format json, ndjson or lines, or remove batch');
    // One request carries many events: anything rendered from an event would differ per item.
    if (hasPlaceholder(path)) problem([...base, 'path'], 'a batched route sends one request for many events, so its path cannot hold {...} placeholders; write a fixed path or remove batch');
    for (const header of headers) {
      if (hasPlaceholder(header.value)) problem([...base, 'headers', header.name], 'a batched route sends one request for many events, so its header values cannot hold {...} placeholders; write fixed values or remove batch');
    }
    if (expressions.query?.readsInput) {
      problem([...base, 'query'], 'a batched route sends one request for many events, so its query parameters must be fixed and cannot read the event; write fixed values (e.g. { "precision": "ms" }) or remove batch');
    }
    for (const field of ['header', 'trailingNewline'] as const) {
      if (route.batch[field] !== undefined && format !== 'lines') problem([...where, field], `${field} shapes a format: lines body; remove it, or use format: lines`);
    }
    if (route.batch.header !== undefined && /[\r\n]/.test(route.batch.header)) {
      problem([...where, 'header'], 'header is one line; write it without line breaks (an item may hold several lines instead)');
    }
    batch = {
      maxEvents: route.batch.maxEvents ?? DEFAULT_BATCH_MAX_EVENTS,
      maxBytes: size([...where, 'maxBytes'], route.batch.maxBytes, context),
      maxWaitMs: context.duration([...where, 'maxWait'], route.batch.maxWait, DEFAULT_BATCH_MAX_WAIT_MS),
      ...(route.batch.header !== undefined && { header: route.batch.header }),
      trailingNewline: route.batch.trailingNewline ?? DEFAULT_BATCH_TRAILING_NEWLINE,
    };
    if (batch.maxWaitMs > MAX_TIMER_DELAY_MS) problem([...where, 'maxWait'], `must be at most ${MAX_TIMER_DELAY_MS}ms (about 24 days)`);
  }

  const on = typeof route.on === 'string' ? [route.on] : [...route.on];
  return {
    key,
    index,
    on,
    matchesType: compileTypeMatcher(on),
    ...(expressions.when && { when: expressions.when }),
    method,
    path,
    ...(expressions.map && { map: expressions.map }),
    format,
    ...(route.contentType !== undefined && { contentType: route.contentType }),
    ...(expressions.query && { query: expressions.query }),
    headers,
    ...(batch && { batch }),
  };
}

function size(path: DataPath, text: string | undefined, context: RouteContext): number {
  if (text === undefined) return DEFAULT_BATCH_MAX_BYTES;
  try {
    const bytes = parseSize(text);
    if (bytes >= 1) return bytes;
    context.problem(path, 'must be at least 1B; a batch body of no bytes could never be sent (e.g. 1MiB)');
  } catch (error) {
    context.problem(path, (error as Error).message);
  }
  return DEFAULT_BATCH_MAX_BYTES;
}

function hasPlaceholder(parts: readonly PathPart[]): boolean {
  return parts.some((part) => 'expression' in part);
}
