/**
 * GET /console/: each connector with its flow state, its last hour (last-hour.ts), pause and
 * resume; the configuration revision, the deliveries kept by state, and every file's problems.
 * POST /console/connectors/:name/pause and /resume act as the API's pause and resume do.
 */
import type { ApiApp } from '../api-app.js';
import { toStatusResponse } from '../status-response.js';
import type { ConsolePages } from './console-pages.js';
import { html } from './html.js';
import { actionButton, notice, page, stateBadge, table, timeOf, type Viewer } from './layout.js';
import { lastHourOf, type LastHour } from './last-hour.js';

/** How the overview names each flow state (status-response.ts). */
const STATE_NAMES: Readonly<Record<string, string>> = {
  active: 'up',
  'paused-by-operator': 'paused',
  disabled: 'disabled by 410',
  paused: 'paused by 429',
  'breaker-open': 'breaker open',
};

type ConnectorRow = ReturnType<typeof toStatusResponse>['connectors'][number];

export function registerOverviewPage(app: ApiApp, pages: ConsolePages): void {
  app.get('/', async (request, reply) => {
    const viewer = pages.viewerOf(request);
    const status = toStatusResponse(await pages.engine.status());
    const now = pages.clock.now();
    const hours = await Promise.all(status.connectors.map((c) => lastHourOf(pages.engine, c.name, now)));
    const problems = status.files.flatMap((file) => file.problems.map((problem) => ({ file: file.file, ...problem })));
    const body = html`
<dl><dt>Configuration revision</dt><dd><code>${status.revision}</code>${status.commit && html` (commit <code>${status.commit}</code>)`}</dd>
<dt>Last reload</dt><dd>${status.lastReload ? timeOf(status.lastReload.at) : 'none since start'}</dd>
<dt>Store</dt><dd>${status.store.writable ? 'writable' : html`<strong>cannot write</strong>`}${status.store.full ? ', full' : ''}</dd>
<dt>Deliveries kept</dt><dd>${Object.entries(status.deliveries).map(([state, count]) => html`${stateBadge(state)} ${count} `)}</dd></dl>
<h2>Connectors</h2>
${table(['Connector', 'State', 'Delivered (1 h)', 'Failing', 'Dead', 'p50', 'p99', 'Waiting', 'Revision', ''], status.connectors.map((c, i) => connectorRow(c, hours[i]!, viewer)), 'No connector is configured.')}
<p class="muted">The last hour counts the deliveries of events accepted in the 60 minutes before this page was made, as the store has them now; latency is from acceptance to delivery.</p>
<h2>Connector files</h2>
${problems.length === 0 ? html`<p class="muted">${status.files.length} file(s), no problems.</p>` : notice(html`${problems.length} problem(s) in connector files:`, 'error')}
${problems.length > 0 && table(['File', 'Line', 'Column', 'Code', 'Problem'], problems.map((p) => html`<tr><td>${p.file}</td><td>${p.line}</td><td>${p.column}</td><td>${p.code}</td><td class="wrap">${p.message}</td></tr>`), '')}`;
    return pages.send(reply, page('Overview', '/console/', viewer, body));
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Params: { name: string } }>(`/connectors/:name/${action}`, async (request, reply) => {
      const { name } = request.params;
      pages.writeLog.note(request, { connector: name });
      const by = `${pages.writeLog.whoOf(request)} (console)`;
      await (action === 'pause' ? pages.engine.pauseConnector(name, by) : pages.engine.resumeConnector(name, by));
      return reply.redirect('/console/', 303);
    });
  }
}

function connectorRow(c: ConnectorRow, hour: LastHour, viewer: Viewer) {
  const state = c.state ?? 'active';
  const name = encodeURIComponent(c.name);
  // An operator's pause is resumed here; a pause written in the file ends when the file changes.
  const toggle = c.pausedBy?.operator
    ? actionButton(viewer, `/console/connectors/${name}/resume`, 'Resume')
    : c.pausedBy?.file
      ? html`<span class="muted">paused by its file</span>`
      : actionButton(viewer, `/console/connectors/${name}/pause`, 'Pause', {}, 'secondary');
  const more = hour.capped ? '+' : '';
  return html`<tr><td><a href="/console/deliveries?connector=${encodeURIComponent(c.name)}">${c.name}</a></td><td>${stateBadge(state)} ${STATE_NAMES[state] ?? state}${c.pausedUntil && html` until ${timeOf(c.pausedUntil)}`}${c.breaker?.openUntil && html` until ${timeOf(c.breaker.openUntil)}`}</td>
<td>${hour.delivered}${more}</td><td>${hour.failing}${more}</td><td>${hour.dead}${more}</td><td>${ms(hour.p50Ms)}</td><td>${ms(hour.p99Ms)}</td><td>${c.waiting ?? 0}</td><td><code>${c.revision}</code></td><td>${toggle}</td></tr>`;
}

function ms(value: number | null): string {
  if (value === null) return '–';
  return value < 1_000 ? `${value} ms` : `${(value / 1_000).toFixed(1)} s`;
}
