/**
 * How `preview` prints rendered deliveries. Text reads like the HTTP messages themselves:
 *   # connector / route
 *   METHOD URL
 *   header: value            (secrets already [REDACTED] by renderEvent)
 *
 *   pretty JSON body, or (no body)
 * then a summary line. JSON is `{"deliveries": [...], "problems": [...]}`, each delivery
 * `{connector, route, request: {method, url, headers, body}}` (body parsed, null when none) or
 * `{connector, route, error}`.
 */
import type { Problem } from '../config/compiled.js';
import type { RenderedDelivery } from './render-event.js';
import { plural } from './problem-report.js';

export const PREVIEW_FORMATS = ['text', 'json'] as const;
export type PreviewFormat = (typeof PREVIEW_FORMATS)[number];

export const NO_BODY_TEXT = '(no body)';

export function formatPreviewText(eventType: string, deliveries: readonly RenderedDelivery[]): string {
  if (deliveries.length === 0) return `no route matches events of type "${eventType}"\n`;
  const blocks = deliveries.map((delivery) => {
    const lines = [`# ${delivery.connector} / ${delivery.route}`];
    const { request } = delivery;
    if (request === undefined) {
      lines.push(delivery.error ?? 'MAPPING_FAILED');
    } else {
      lines.push(`${request.method} ${request.url}`);
      lines.push(...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`));
      lines.push('', request.body === undefined ? NO_BODY_TEXT : prettyBody(request.body));
    }
    return lines.join('\n');
  });
  const failed = deliveries.filter((delivery) => delivery.request === undefined).length;
  const requests = plural(deliveries.length - failed, 'request');
  const connectors = plural(new Set(deliveries.map((delivery) => delivery.connector)).size, 'connector');
  const summary = `${requests} to ${connectors} for ${eventType}${failed > 0 ? ` (${plural(failed, 'mapping error')})` : ''}`;
  return `${blocks.join('\n\n')}\n\n${summary}\n`;
}

export function formatPreviewJson(deliveries: readonly RenderedDelivery[], problems: readonly Problem[]): string {
  const list = deliveries.map(({ connector, route, request, error }) =>
    request === undefined
      ? { connector, route, error }
      : { connector, route, request: { method: request.method, url: request.url, headers: request.headers, body: parseBody(request.body) } },
  );
  return `${JSON.stringify({ deliveries: list, problems }, null, 2)}\n`;
}

function prettyBody(body: string): string {
  const parsed = parseBody(body);
  return typeof parsed === 'string' && parsed === body ? body : JSON.stringify(parsed, null, 2);
}

/** The body as JSON when it parses (it always does unless masking cut through it), else the text. */
function parseBody(body: string | undefined): unknown {
  if (body === undefined) return null;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
