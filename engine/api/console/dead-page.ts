/**
 * GET /console/dead: dead letters grouped by connector and error code (dead-groups.ts), each with
 * its count and newest error, a link to list them, and a bulk retry in two steps: POST
 * /console/dead/retry with `dryRun=true` shows how many it would retry and their first ids,
 * changing nothing; its Confirm button posts the same group without `dryRun` and retries them.
 */
import { HmsError } from '../../errors.js';
import { DRY_RUN_SAMPLE_SIZE } from '../../operate/delivery-actions.js';
import type { ApiApp } from '../api-app.js';
import { formOf, type ConsolePages } from './console-pages.js';
import { deadGroups, NO_CODE, type DeadGroup } from './dead-groups.js';
import { html, queryString } from './html.js';
import { actionButton, notice, page, table, type Viewer } from './layout.js';

export function registerDeadPage(app: ApiApp, pages: ConsolePages): void {
  app.get<{ Querystring: { retried?: string } }>('/dead', async (request, reply) => {
    const viewer = pages.viewerOf(request);
    const { groups, capped } = await deadGroups(pages.engine);
    const retried = /^[0-9]{1,9}$/.test(request.query.retried ?? '') ? Number(request.query.retried) : undefined;
    const total = groups.reduce((sum, group) => sum + group.ids.length, 0);
    const body = html`${retried !== undefined && notice(`Retried ${retried} dead deliver${retried === 1 ? 'y' : 'ies'}; they are due now.`)}
<p>${total}${capped ? '+' : ''} dead deliver${total === 1 ? 'y' : 'ies'} in ${groups.length} group(s).</p>
${table(['Connector', 'Error code', 'Count', 'Newest error', ''], groups.map((group) => groupRow(group, viewer)), 'No dead deliveries.')}`;
    return pages.send(reply, page('Dead letters', '/console/dead', viewer, body));
  });

  app.post('/dead/retry', async (request, reply) => {
    const viewer = pages.viewerOf(request);
    const form = formOf(request);
    const connector = form.connector ?? '';
    const code = form.code ?? '';
    if (connector === '' || code === '') throw new HmsError('REQUEST_INVALID', 'a dead-letter retry needs its group: connector and code');
    const group = (await deadGroups(pages.engine, connector)).groups.find((candidate) => candidate.code === code);
    const ids = group?.ids ?? [];
    pages.writeLog.note(request, { connector, code, ...(form.dryRun === 'true' && { dryRun: 'true' }) });
    if (form.dryRun === 'true') {
      pages.writeLog.note(request, { matched: ids.length });
      const sample = ids.slice(0, DRY_RUN_SAMPLE_SIZE);
      const body = html`${notice(html`Dry run: <strong>${ids.length}</strong> dead deliver${ids.length === 1 ? 'y' : 'ies'} of ${connector} with ${code} would be retried. Nothing has changed yet.`)}
${sample.length > 0 && html`<p>First ${sample.length}:</p><ul>${sample.map((id) => html`<li><a href="/console/deliveries/${encodeURIComponent(id)}">${id}</a></li>`)}</ul>`}
<div class="actions">${ids.length > 0 && actionButton(viewer, '/console/dead/retry', `Confirm: retry ${ids.length}`, { connector, code })}<a href="/console/dead">Cancel</a></div>`;
      return pages.send(reply, page('Retry dead letters', '/console/dead', viewer, body));
    }
    let retried = 0;
    for (const id of ids) {
      try {
        retried += await pages.engine.actOnDelivery('retry', id);
      } catch (error) {
        // One retried or discarded meanwhile is left as it is; the rest go on.
        if (!(error instanceof HmsError) || (error.code !== 'DELIVERY_NOT_RETRYABLE' && error.code !== 'NOT_FOUND')) throw error;
      }
    }
    pages.writeLog.note(request, { retried });
    return reply.redirect(`/console/dead?retried=${retried}`, 303);
  });
}

function groupRow(group: DeadGroup, viewer: Viewer) {
  const list = `/console/deliveries${queryString({ connector: group.connector, state: 'dead' })}`;
  return html`<tr><td><a href="${list}">${group.connector}</a></td><td>${group.code === NO_CODE ? html`<span class="muted">${NO_CODE}</span>` : group.code}</td><td>${group.ids.length}</td><td class="wrap">${group.example ?? ''}</td><td>${actionButton(viewer, '/console/dead/retry', 'Retry…', { connector: group.connector, code: group.code, dryRun: 'true' }, 'secondary')}</td></tr>`;
}
