import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectorChange, RequestChange } from '../../../engine/cli/diff/diff-compare.js';
import { engineDiffEvents, type DiffEvent } from '../../../engine/cli/diff/diff-events.js';
import { renderDiffReport, type DiffReportInput } from '../../../engine/cli/diff/diff-report.js';
import { code, MAX_REPORT_CHARS } from '../../../engine/cli/diff/report-markdown.js';

function sample(index: number): DiffEvent {
  return { key: `1\0samples/${index}.json`, source: { kind: 'sample', file: `samples/${index}.json` }, event: { type: 'x' } };
}

function input(connectors: readonly ConnectorChange[], events: readonly DiffEvent[]): DiffReportInput {
  return { ref: 'main', commit: 'a'.repeat(40), baseHash: '11111111', headHash: '22222222', events, connectors, baseProblems: [], headProblems: [] };
}

test('stays under GitHub comment size by listing the last diffs without their text', () => {
  const events = Array.from({ length: 200 }, (_, index) => sample(index));
  const body = (word: string): string[] => Array.from({ length: 30 }, (_, line) => `  "field${line}": "${word.repeat(20)}",`);
  const requests: RequestChange[] = events.map((event) => ({ change: 'changed', event, route: 'send', routeIndex: 0, kinds: [{ kind: 'url-changed' }], before: ['POST http://x/a', ...body('old')], after: ['POST http://x/b', ...body('new')] }));
  const report = renderDiffReport(input([{ name: 'big', change: 'changed', fields: [], requests, unreached: [] }], events));
  assert.ok(report.length <= MAX_REPORT_CHARS + 1_000, `report is ${report.length} characters`);
  assert.match(report, /\*\*sample `samples\/0\.json` → route `send`\*\*\n\n```diff\n@@ -1,31 \+1,31 @@\n-POST http:\/\/x\/a\n/);
  assert.doesNotMatch(report, /samples\/199\.json/);
  const shown = report.match(/```diff/g)?.length ?? 0;
  assert.ok(shown > 10, `${shown} diffs shown`);
  assert.match(report, new RegExp(`_${200 - shown} more requests left out to keep this comment under GitHub's size limit; run \`hms-sync diff --base main\` to see them all\\._\n$`));
});

test('code spans hold backticks, and fences outgrow the backticks inside a request', () => {
  assert.equal(code('plain'), '`plain`');
  assert.equal(code('a`b'), '``a`b``');
  assert.equal(code('`x'), '`` `x ``');
  const event = sample(1);
  const request: RequestChange = { change: 'added', event, route: 'r', routeIndex: 0, kinds: [{ kind: 'now-taken' }], after: ['POST http://x', '', '"```"'] };
  const report = renderDiffReport(input([{ name: 'c', change: 'added', fields: [], requests: [request], unreached: [] }], [event]));
  assert.match(report, /\n````diff\n\+POST http:\/\/x\n\+\n\+"```"\n````\n/);
});

test('says so in one line when nothing changed', () => {
  const event = sample(1);
  const request: RequestChange = { change: 'unchanged', event, route: 'r', routeIndex: 0, kinds: [], before: ['GET http://x'], after: ['GET http://x'] };
  const report = renderDiffReport(input([{ name: 'c', change: 'unchanged', fields: [], requests: [request], unreached: [] }], [event]));
  assert.equal(report.split('\n').filter((line) => line.startsWith('**No change**')).length, 1);
  assert.doesNotMatch(report, /###|\| added/);
});

test('lists at most 40 kinds of change of the engine events per connector, and counts the rest', () => {
  const [event] = engineDiffEvents([{ id: 'e1', body: { type: 'x' } }], true);
  const kinds = Array.from({ length: 45 }, (_, index) => ({ kind: 'field-changed' as const, field: `f${String(index).padStart(2, '0')}` }));
  const request: RequestChange = { change: 'changed', event: event!, route: 'r', routeIndex: 0, kinds, before: ['POST http://x', '', '{}'], after: ['POST http://x', '', '{"a":1}'] };
  const note = { since: '24h', limit: 500, vanished: 2, redactions: [] };
  const report = renderDiffReport({ ...input([{ name: 'c', change: 'changed', fields: [], requests: [request], unreached: [] }], [event!]), engine: note });
  assert.equal(report.match(/^\| field `f\d+` changed \| `r` \| 1 \|$/gm)?.length, 40);
  assert.match(report, /\| field `f39` changed[^\n]*\n\n_5 more kinds of change not listed\._\n/);
  assert.equal(report.match(/^##### field/gm)?.length, 40);
  assert.match(report, /1 event rendered \(0 from tests, 0 from samples, 1 from the engine: the newest 500 at most accepted in the last 24h\)\. 2 more events were deleted by the engine before they could be read\./);
});
