/**
 * GET /console/deliveries/:id: one delivery as GET /deliveries/:id answers it (the same response
 * builder, so requests are masked exactly as the API masks them): its event, its attempt
 * timeline, each attempt's request and the start of its response; Retry and Discard when its
 * state allows them. POST /console/deliveries/:id/retry and /discard act as the API does and
 * come back to the page.
 */
import { HmsError } from '../../errors.js';
import { ACTION_STATES } from '../../store/delivery-queries.js';
import type { DeliveryState } from '../../model.js';
import type { ApiApp } from '../api-app.js';
import { toDeliveryPageResponse } from '../delivery-response.js';
import type { ConsolePages } from './console-pages.js';
import { html, type Html } from './html.js';
import { actionButton, notice, page, stateBadge, table, timeOf } from './layout.js';

type PageResponse = ReturnType<typeof toDeliveryPageResponse>;
type AttemptResponse = PageResponse['history'][number];

/** What the page says after an action; only these texts, whatever the query holds. */
const DONE_NOTICES: Readonly<Record<string, string>> = { retry: 'Retried: it is due now.', discard: 'Discarded: it will not be sent again unless retried.' };

export function registerDeliveryPage(app: ApiApp, pages: ConsolePages): void {
  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/deliveries/:id', async (request, reply) => {
    const viewer = pages.viewerOf(request);
    const found = await pages.engine.getDelivery(request.params.id);
    if (found === undefined) throw new HmsError('NOT_FOUND', `no delivery with id "${request.params.id}"`);
    const d = toDeliveryPageResponse(found);
    const path = `/console/deliveries/${encodeURIComponent(d.id)}`;
    const done = DONE_NOTICES[request.query.done ?? ''];
    const can = (action: 'retry' | 'discard') => ACTION_STATES[action].includes(d.state as DeliveryState);
    const body = html`${done !== undefined && notice(done)}
<dl><dt>State</dt><dd>${stateBadge(d.state)}${d.nextAttemptAt && html` next attempt ${timeOf(d.nextAttemptAt)}`}</dd>
<dt>Connector · route</dt><dd>${d.connector} · ${d.route}</dd>
<dt>Event</dt><dd><a href="/console/deliveries?eventId=${encodeURIComponent(d.eventId)}">${d.eventId}</a> (${d.eventType})</dd>
<dt>Accepted</dt><dd>${timeOf(d.acceptedAt)}</dd><dt>Last change</dt><dd>${timeOf(d.updatedAt)}</dd>
<dt>Attempts</dt><dd>${d.attempts}</dd><dt>Last error</dt><dd>${d.lastError ?? '–'}</dd>
${d.orderingKey !== null && html`<dt>Ordering key</dt><dd>${d.orderingKey}</dd>`}${d.traceparent !== null && html`<dt>Trace</dt><dd><code>${d.traceparent}</code></dd>`}</dl>
<div class="actions">${can('retry') && actionButton(viewer, `${path}/retry`, 'Retry')}${can('discard') && actionButton(viewer, `${path}/discard`, 'Discard', {}, 'danger')}</div>
<h2>Event body</h2><pre>${JSON.stringify(d.eventBody, null, 2)}</pre>
<h2>Attempts</h2>
${table(['#', 'Started', 'Duration', 'Status', 'Error', 'Revision', 'Traceparent'], d.history.map((a) => html`<tr><td>${a.attempt}</td><td>${timeOf(a.startedAt)}</td><td>${a.durationMs} ms</td><td>${a.status ?? '–'}</td><td class="wrap">${a.error ?? ''}</td><td><code>${a.revision ?? '–'}</code></td><td><code>${a.traceparent ?? ''}</code></td></tr>`), 'No attempt yet.')}
${d.history.map(attemptDetail)}`;
    return pages.send(reply, page(`Delivery ${d.id}`, '/console/deliveries', viewer, body));
  });

  for (const action of ['retry', 'discard'] as const) {
    app.post<{ Params: { id: string } }>(`/deliveries/:id/${action}`, async (request, reply) => {
      pages.writeLog.note(request, { deliveryId: request.params.id });
      const changed = await pages.engine.actOnDelivery(action, request.params.id);
      pages.writeLog.note(request, { [action === 'retry' ? 'retried' : 'discarded']: changed });
      return reply.redirect(`/console/deliveries/${encodeURIComponent(request.params.id)}?done=${action}`, 303);
    });
  }
}

function attemptDetail(a: AttemptResponse): Html {
  const r = a.request;
  const request =
    r === null
      ? html`<p class="muted">The request of this attempt was not kept.</p>`
      : 'error' in r
        ? html`<p class="muted">Rendered now (revision <code>${r.revision}</code>): ${r.error}</p>`
        : html`${r.rendered === 'now' && html`<p class="muted">Not kept with the attempt; rendered now with revision <code>${r.revision}</code>.</p>`}${r.note !== undefined && html`<p class="muted">${r.note}</p>`}
<pre>${r.method} ${r.url}
${Object.entries(r.headers).map(([name, value]) => `${name}: ${value}\n`)}
${r.body ?? (r.bodyWith ? `(body kept with delivery ${r.bodyWith.deliveryId}, attempt ${r.bodyWith.attempt})` : '')}</pre>${r.body !== null && r.bodyBytes > Buffer.byteLength(r.body) && html`<p class="muted">Body cut: ${r.bodyBytes} bytes were sent.</p>`}`;
  return html`<h2>Attempt ${a.attempt}</h2><h3>Request</h3>${request}<h3>Response</h3>${a.responseBody === null ? html`<p class="muted">${a.status === null ? 'No answer.' : `HTTP ${a.status}; no body kept.`}</p>` : html`<pre>HTTP ${a.status ?? ''}\n${a.responseBody}</pre>`}`;
}
