/**
 * How a mapped value becomes the bytes of a request body, and how an object becomes form fields
 * (for `format: form` bodies and for `query:` parameters). Pure.
 *
 * Form fields: strings, numbers and booleans become one field each; an array of them becomes the
 * same key repeated (`tag=a&tag=b`); null and missing values are left out. A nested object (or an
 * array holding one) is a MAPPING_FAILED: there is no standard way to flatten it, so the map must
 * say which (`"address.city": address.city` or `"address[city]": ...`).
 */
import type { CompiledBatch, CompiledRoute } from '../config/compiled.js';
import { DEFAULT_BATCH_TRAILING_NEWLINE } from '../config/schema/defaults.generated.js';
import { HmsError } from '../errors.js';

export const JSON_CONTENT_TYPE = 'application/json';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

export interface EncodedBody {
  readonly contentType: string;
  readonly body: string;
}

/**
 * The body one delivery sends for `value` (the map's result, or the event without a map).
 * `where` names the value in messages, e.g. `routes[0].map`.
 */
export function encodeBody(route: BodyRoute, value: unknown, where: string): EncodedBody {
  // A route that batches sends (and previews) one event as a batch of one.
  if (route.format === 'ndjson' || route.format === 'lines') return encodeBatchBody([value], route);
  if (route.contentType !== undefined) {
    if (typeof value !== 'string') {
      throw new HmsError(
        'MAPPING_FAILED',
        `${where} gave ${describeValue(value)}; with contentType "${route.contentType}" it must give the body as a string (build the XML or text in the map)`,
      );
    }
    return { contentType: route.contentType, body: value };
  }
  if (route.format === 'form') return { contentType: FORM_CONTENT_TYPE, body: new URLSearchParams(formFields(value, where)).toString() };
  return { contentType: JSON_CONTENT_TYPE, body: JSON.stringify(value) };
}

/** What encoding a body needs of its route; `batch` only for the shape of a lines body. */
export type BodyRoute = Pick<CompiledRoute, 'format' | 'contentType'> & { readonly batch?: Pick<CompiledBatch, 'header' | 'trailingNewline'> };

/**
 * The body of a batch: a JSON array (format json); NDJSON, one JSON document per line with a final
 * newline (format ndjson); or the items, strings, joined with newlines after the batch's header
 * line, with a final newline unless `trailingNewline` is false, sent with the route's contentType
 * (format lines). Form bodies cannot be batched.
 */
export function encodeBatchBody(items: readonly unknown[], route: BodyRoute): EncodedBody {
  switch (route.format) {
    case 'form':
      throw new HmsError('MAPPING_FAILED', 'format: form cannot be batched; use json, ndjson or lines with batch');
    case 'ndjson':
      return { contentType: NDJSON_CONTENT_TYPE, body: items.map((item) => `${JSON.stringify(item)}\n`).join('') };
    case 'lines': {
      const { header, trailingNewline } = linesShape(route);
      const lines = header === undefined ? items : [header, ...items];
      // A route with format lines loads only with a contentType; text/plain is for the type checker.
      return { contentType: route.contentType ?? 'text/plain', body: lines.join('\n') + (trailingNewline ? '\n' : '') };
    }
    case 'json':
      return { contentType: JSON_CONTENT_TYPE, body: JSON.stringify(items) };
  }
}

/**
 * A batch body's size is `frameBytes + Σ (itemBytes + 1)`: each item is counted with one
 * separator (a comma or a newline), and the frame is the rest (brackets, a header line) less the
 * separator the last item does not have.
 */
export function batchItemBytes(route: BodyRoute, item: unknown): number {
  return Buffer.byteLength(route.format === 'lines' ? String(item) : (JSON.stringify(item) ?? ''));
}

export function batchFrameBytes(route: BodyRoute): number {
  switch (route.format) {
    case 'json':
      return 2 - 1; // [ and ], less the comma after the last item
    case 'lines': {
      const { header, trailingNewline } = linesShape(route);
      return (header === undefined ? 0 : Buffer.byteLength(header) + 1) - (trailingNewline ? 0 : 1);
    }
    default:
      return 0; // ndjson: every item ends with its newline
  }
}

function linesShape(route: BodyRoute): { readonly header: string | undefined; readonly trailingNewline: boolean } {
  return { header: route.batch?.header, trailingNewline: route.batch?.trailingNewline ?? DEFAULT_BATCH_TRAILING_NEWLINE };
}

/** An object's fields as [name, value] pairs, in field order (see the module comment). */
export function formFields(value: unknown, where: string): [string, string][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HmsError('MAPPING_FAILED', `${where} gave ${describeValue(value)}; it must give an object whose fields become form fields`);
  }
  const fields: [string, string][] = [];
  for (const [name, field] of Object.entries(value)) {
    for (const item of Array.isArray(field) ? (field as unknown[]) : [field]) {
      if (item === null || item === undefined) continue;
      if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
        fields.push([name, String(item)]);
        continue;
      }
      throw new HmsError(
        'MAPPING_FAILED',
        `${where}: field "${name}" holds ${describeValue(item)}; form fields take strings, numbers, booleans or arrays of them (flatten nested objects in the expression, e.g. "${name}.key": ${name}.key)`,
      );
    }
  }
  return fields;
}

/** `?a=1&b=x%20y` (or `&...` after a path that already has a query), or '' for no fields. */
export function queryString(fields: readonly (readonly [string, string])[], pathHasQuery: boolean): string {
  if (fields.length === 0) return '';
  const pairs = fields.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  return `${pathHasQuery ? '&' : '?'}${pairs.join('&')}`;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
