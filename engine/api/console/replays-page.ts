/**
 * GET /console/replays: the replay form of POST /replays and every replay with its progress, a
 * Cancel button on running ones. The form's first submit is a dry run (POST /console/replays with
 * `dryRun=true`), shown on the page with a Start button that posts the same fields without it;
 * the fields are checked by the API's own parser (replay-requests.ts). POST
 * /console/replays/:id/cancel cancels what a replay has not created yet.
 */
import { HmsError, httpStatusOf } from '../../errors.js';
import type { ApiApp } from '../api-app.js';
import { parseReplayBody, toDryRunResponse, toReplayResponse } from '../replay-requests.js';
import { formOf, type ConsolePages } from './console-pages.js';
import { html, type Html } from './html.js';
import { actionButton, csrfField, notice, page, stateBadge, table, timeOf, type Viewer } from './layout.js';

const FIELDS = ['connector', 'mode', 'since', 'until', 'eventTypes', 'where', 'rate'] as const;
type ReplayForm = Partial<Record<(typeof FIELDS)[number], string>>;

/** What the page says after an action; only these texts, whatever the query holds. */
const DONE_NOTICES: Readonly<Record<string, string>> = { started: 'Replay started; its progress is below.', cancelled: 'Replay cancelled: what it had not created yet will not be.' };

export function registerReplaysPage(app: ApiApp, pages: ConsolePages): void {
  const render = async (viewer: Viewer, values: ReplayForm, above: Html | false, done?: string) => {
    const replays = (await pages.engine.replays.list()).map(toReplayResponse);
    const connectors = [...pages.engine.registry.names()].sort();
    const rows = replays.map(
      (r) => html`<tr><td><code>${r.id}</code></td><td>${r.connector}</td><td>${r.mode}${r.declared ? ' (declared)' : ''}</td><td>${stateBadge(r.state)}</td><td>${r.created} / ${r.matched}</td><td>${r.delivered}</td><td>${r.dead}</td><td>${r.skippedByRetention}</td><td>${timeOf(r.since)} → ${timeOf(r.until)}</td><td>${r.createdBy}</td><td>${r.state === 'running' && actionButton(viewer, `/console/replays/${encodeURIComponent(r.id)}/cancel`, 'Cancel', {}, 'danger')}</td></tr>`,
    );
    return page(
      'Replays',
      '/console/replays',
      viewer,
      html`${done !== undefined && DONE_NOTICES[done] !== undefined && notice(DONE_NOTICES[done])}${above}
${viewer.mayAct && replayForm(viewer, values, connectors)}
<h2>Replays</h2>
${table(['Id', 'Connector', 'Mode', 'State', 'Created / matched', 'Delivered', 'Dead', 'Skipped (retention)', 'Window', 'By', ''], rows, 'No replay yet.')}`,
    );
  };

  app.get<{ Querystring: { done?: string } }>('/replays', async (request, reply) => pages.send(reply, await render(pages.viewerOf(request), {}, false, request.query.done)));

  app.post('/replays', async (request, reply) => {
    const viewer = pages.viewerOf(request);
    const form = formOf(request);
    const values: ReplayForm = Object.fromEntries(FIELDS.flatMap((name) => (form[name] !== undefined && form[name].trim() !== '' ? [[name, form[name].trim()]] : [])));
    const dryRun = form.dryRun === 'true';
    try {
      const { request: asked } = parseReplayBody(JSON.stringify({ ...values, ...(values.eventTypes !== undefined && { eventTypes: values.eventTypes.split(',').map((type) => type.trim()) }) }));
      pages.writeLog.note(request, { connector: asked.connector, mode: asked.mode, ...(dryRun && { dryRun: 'true' }) });
      if (dryRun) {
        const counted = toDryRunResponse(await pages.engine.replays.dryRun(asked));
        pages.writeLog.note(request, { matched: counted.matched });
        return pages.send(reply, await render(viewer, values, dryRunResult(viewer, values, counted)));
      }
      const started = await pages.engine.replays.start(asked, `${pages.writeLog.whoOf(request)} (console)`);
      pages.writeLog.note(request, { replay: started.id });
      return reply.redirect('/console/replays?done=started', 303);
    } catch (error) {
      if (!(error instanceof HmsError)) throw error;
      const status = httpStatusOf(error);
      return pages.send(reply, await render(viewer, values, notice(`${error.code}: ${error.message}`, 'error')), status);
    }
  });

  app.post<{ Params: { id: string } }>('/replays/:id/cancel', async (request, reply) => {
    pages.writeLog.note(request, { replay: request.params.id });
    const cancelled = await pages.engine.replays.cancel(request.params.id, `${pages.writeLog.whoOf(request)} (console)`);
    pages.writeLog.note(request, { created: cancelled.created });
    return reply.redirect('/console/replays?done=cancelled', 303);
  });
}

function replayForm(viewer: Viewer, values: ReplayForm, connectors: readonly string[]): Html {
  const input = (name: keyof ReplayForm, label: string, placeholder: string) => html`<label>${label}<input name="${name}" value="${values[name] ?? ''}" placeholder="${placeholder}"></label>`;
  return html`<h2>New replay</h2>
<form class="filters" method="post" action="/console/replays">${csrfField(viewer)}<input type="hidden" name="dryRun" value="true">
<label>Connector<select name="connector" required>${connectors.map((name) => html`<option${name === values.connector ? html` selected` : ''}>${name}</option>`)}</select></label>
<label>Mode<select name="mode">${(['redeliver', 'backfill'] as const).map((mode) => html`<option${mode === values.mode ? html` selected` : ''}>${mode}</option>`)}</select></label>
${input('since', 'Since (ISO or 6h, 30d)', '6h')}${input('until', 'Until (default now)', '2026-11-27T08:00:00Z')}
${input('eventTypes', 'Event types (comma-separated)', 'permitApproved, permit.*')}${input('where', 'Where (JSONata)', 'permitId > 100')}${input('rate', 'Rate', '100/s')}
<div class="actions"><button type="submit">Dry run</button></div>
</form>`;
}

function dryRunResult(viewer: Viewer, values: ReplayForm, counted: ReturnType<typeof toDryRunResponse>): Html {
  return html`${notice(html`Dry run of a ${counted.mode} of <strong>${counted.connector}</strong> from ${timeOf(counted.since)} to ${timeOf(counted.until)}: <strong>${counted.matched}</strong> event(s) would get <strong>${counted.deliveries}</strong> deliveries, ${counted.skippedByRetention} skipped (older than retention), about ${counted.estimatedSeconds} s at ${counted.rate}. Nothing has changed yet.`)}
${counted.sample.length > 0 && html`<p class="muted">First events: ${counted.sample.map((id, i) => html`${i > 0 ? ', ' : ''}<code>${id}</code>`)}</p>`}
<div class="actions">${actionButton(viewer, '/console/replays', `Start replay of ${counted.matched} event(s)`, values)}</div>`;
}
