/**
 * GET /console/deliveries: the filters of GET /deliveries as a GET form (empty fields are left
 * out), checked by the same parser (delivery-query.ts), and a page of matching deliveries, newest
 * first, with a Next link carrying the cursor. A bad filter shows the form again with the error.
 */
import { HmsError, httpStatusOf } from '../../errors.js';
import { DELIVERY_STATES } from '../../model.js';
import type { ApiApp } from '../api-app.js';
import { parseListQuery } from '../delivery-query.js';
import type { ConsolePages } from './console-pages.js';
import { html, queryString } from './html.js';
import { notice, page, stateBadge, table, timeOf } from './layout.js';

/** Deliveries per console page. */
export const CONSOLE_PAGE_SIZE = 50;

const FILTER_FIELDS: readonly { name: string; label: string; placeholder: string }[] = [
  { name: 'connector', label: 'Connector', placeholder: 'warehouse' },
  { name: 'route', label: 'Route', placeholder: 'create' },
  { name: 'state', label: 'State', placeholder: DELIVERY_STATES.slice(2, 6).join(',') },
  { name: 'eventType', label: 'Event type', placeholder: 'permit.*' },
  { name: 'eventId', label: 'Event id', placeholder: 'permit-123' },
  { name: 'since', label: 'Accepted since', placeholder: '2026-11-27T08:00:00Z' },
  { name: 'until', label: 'Accepted until', placeholder: '2026-11-28' },
  { name: 'status', label: 'Last status', placeholder: '5xx, network, 404' },
  { name: 'minAttempts', label: 'Min attempts', placeholder: '3' },
  { name: 'q', label: 'q (JSONata over the event)', placeholder: 'permitId = 123' },
];
const FILTER_NAMES = new Set(FILTER_FIELDS.map((field) => field.name));

export function registerDeliveriesPage(app: ApiApp, pages: ConsolePages): void {
  app.get('/deliveries', async (request, reply) => {
    const viewer = pages.viewerOf(request);
    const given = Object.fromEntries(Object.entries(request.query as Record<string, unknown>).filter(([name, value]) => typeof value === 'string' && value.trim() !== '' && (FILTER_NAMES.has(name) || name === 'after'))) as Record<string, string>;
    const filters = Object.fromEntries(Object.entries(given).filter(([name]) => name !== 'after'));
    let listing;
    let status = 200;
    try {
      const query = parseListQuery({ ...given, limit: String(CONSOLE_PAGE_SIZE), order: 'desc' });
      const found = await pages.engine.findDeliveries(query);
      const rows = found.deliveries.map(
        (d) => html`<tr><td><a href="/console/deliveries/${encodeURIComponent(d.id)}">${d.id}</a></td><td>${d.eventType}</td><td>${d.connector}</td><td>${d.route}</td><td>${stateBadge(d.state)}</td><td>${d.attempts}</td><td>${d.lastStatus ?? '–'}</td><td class="wrap">${d.lastError ?? ''}</td><td>${timeOf(d.acceptedAt)}</td></tr>`,
      );
      listing = html`${found.scanned !== undefined && html`<p class="muted">q evaluated ${found.scanned} event(s) for this page.</p>`}
${table(['Delivery', 'Event type', 'Connector', 'Route', 'State', 'Attempts', 'Last status', 'Last error', 'Accepted'], rows, found.next === null ? 'No delivery matches.' : 'None on this stretch; there are more to look through.')}
${found.next !== null && html`<p class="actions"><a href="/console/deliveries${queryString({ ...filters, after: found.next })}">Next →</a></p>`}`;
    } catch (error) {
      if (!(error instanceof HmsError)) throw error;
      status = httpStatusOf(error);
      listing = notice(`${error.code}: ${error.message}`, 'error');
    }
    const form = html`<form class="filters" method="get" action="/console/deliveries">
${FILTER_FIELDS.map((field) => html`<label>${field.label}<input name="${field.name}" value="${filters[field.name] ?? ''}" placeholder="${field.placeholder}"></label>`)}
<div class="actions"><button type="submit">Find</button><a href="/console/deliveries">Clear</a></div>
</form>`;
    return pages.send(reply, page('Deliveries', '/console/deliveries', viewer, html`${form}${listing}`), status);
  });
}
