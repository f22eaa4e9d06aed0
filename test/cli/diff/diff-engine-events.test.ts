/**
 * `hms-sync diff` with events from an engine, given directly (as the fetcher would hand them
 * over) to the report over a real git repository: grouping by kind of change, examples, counts,
 * redaction, secrets and determinism.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { diffReport } from '../../../engine/cli/diff/diff-command.js';
import { engineEventsInput, engineEventsRequest, type EngineEventsFlags } from '../../../engine/cli/diff/engine-events-input.js';
import type { EngineEvent } from '../../../engine/cli/diff/fetch-engine-events.js';
import type { SyncEvent } from '../../../engine/model.js';
import { gitRepo, writeFiles } from './git-repo.js';

const SECRET = 'tok-9f8e7d6c5b4a';

/** A connector `permits` whose route `book` sends approved permits; `head` is the pull request's version. */
function permits(version: 'base' | 'head'): string {
  const when = version === 'base' ? ['    when: inspectionRequired = true'] : [];
  const map = version === 'base' ? '{ "permitId": permitId, "inspector": inspectorName, "fee": fee, "auth": $token }' : '{ "permitId": permitId, "inspector": $uppercase(inspectorName), "feeCents": fee * 100, "auth": $token }';
  return [
    'name: permits',
    'target:',
    '  url: http://127.0.0.1:9000',
    '  headers:',
    `    Authorization: Bearer ${SECRET}`,
    'routes:',
    '  - name: book',
    '    on: permitApproved',
    ...when,
    '    path: /slots',
    `    map: '( $token := "Bearer ${SECRET}"; ${map} )'`,
    '',
  ].join('\n');
}

/** A connector the change leaves alone. */
const STEADY = 'name: steady\ntarget: { url: http://127.0.0.1:9001 }\nroutes:\n  - { name: log, on: permitApproved, map: "{ \\"id\\": permitId }" }\n';

/** An event as the engine gives it back: JSON, so a field set to undefined is left out. */
function approved(id: string, fields: Record<string, unknown>): EngineEvent {
  const body = { type: 'permitApproved', id, permitId: Number(id.slice(1)), inspectionRequired: true, inspectorName: 'Lee Marvin', fee: 12, ...fields };
  return { id, body: JSON.parse(JSON.stringify(body)) as SyncEvent };
}

/** Ten events: e01-e05 need an inspection (inspector changes case), e06-e07 need none (now taken), e08-e09 have a fee written as text (now fails), e10 has no inspector. */
const EVENTS: readonly EngineEvent[] = [
  ...['e01', 'e02', 'e03', 'e04', 'e05'].map((id) => approved(id, {})),
  ...['e06', 'e07'].map((id) => approved(id, { inspectionRequired: false })),
  ...['e08', 'e09'].map((id) => approved(id, { fee: 'twelve' })),
  approved('e10', { inspectorName: undefined }),
];

/** A repository whose working tree holds the pull request's version of `permits`. */
async function pullRequest(t: TestContext): Promise<string> {
  const repo = await gitRepo(t, { 'connectors.d/permits.yaml': permits('base'), 'connectors.d/steady.yaml': STEADY });
  await writeFiles(repo, { 'connectors.d/permits.yaml': permits('head') });
  return repo;
}

async function report(t: TestContext, events: readonly EngineEvent[], flags: Omit<EngineEventsFlags, 'events-from'> = {}): Promise<string> {
  return reportIn(await pullRequest(t), events, flags);
}

async function reportIn(repo: string, events: readonly EngineEvent[], flags: Omit<EngineEventsFlags, 'events-from'> = {}): Promise<string> {
  const request = engineEventsRequest({ 'events-from': 'http://127.0.0.1:1', ...flags }, {}, Date.parse('2026-01-02T00:00:00Z'), 'usage')!;
  return diffReport('main', [join(repo, 'connectors.d')], () => engineEventsInput({ events, vanished: 0 }, request));
}

function section(text: string, heading: string): string {
  const start = text.indexOf(heading);
  assert.notEqual(start, -1, `no "${heading}" in:\n${text}`);
  const next = text.slice(start + heading.length).search(/\n#{2,5} /);
  return text.slice(start, next === -1 ? undefined : start + heading.length + next);
}

describe('hms-sync diff with events from an engine', () => {
  test('counts the engine events that change and groups them by route and kind of change', async (t) => {
    const text = await report(t, EVENTS);
    assert.match(text, /10 events rendered \(0 from tests, 0 from samples, 10 from the engine: the newest 500 at most accepted in the last 24h\)\./);
    assert.match(text, /\*\*Engine events\*\*: 10 of 10 change what at least one connector is sent\./);
    const engine = section(text, '#### Engine events');
    assert.match(engine, /\*\*10 of 10 engine events\*\* change what `permits` is sent:/);
    const rows = engine.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| change') && !line.startsWith('| ---'));
    assert.deepEqual(rows, [
      '| mapping now fails | `book` | 2 |',
      '| route now taken | `book` | 2 |',
      '| field `feeCents` added | `book` | 6 |',
      '| field `fee` removed | `book` | 6 |',
      '| field `inspector` changed | `book` | 5 |',
    ]);
    assert.match(text, /### Unchanged\n\n`steady`\n/);
    assert.doesNotMatch(text, /#### Engine events\n\n[^\n]*`steady`/);
  });

  test('shows the first 3 events of each group, by id, as unified diffs', async (t) => {
    const text = await report(t, EVENTS);
    const inspector = section(text, '##### field `inspector` changed on route `book` (the first 3 of 5 events)');
    assert.deepEqual([...inspector.matchAll(/\*\*event `(e\d+)`\*\*/g)].map((match) => match[1]), ['e01', 'e02', 'e03']);
    assert.match(inspector, /\n-  "inspector": "Lee Marvin",\n-  "fee": 12,\n\+  "inspector": "LEE MARVIN",\n\+  "feeCents": 1200,\n/);
    const fails = section(text, '##### mapping now fails on route `book` (2 events)');
    assert.match(fails, /\*\*event `e08`\*\*\n\n```diff\n@@ -1,9 \+1 @@\n-POST http:\/\/127\.0\.0\.1:9000\/slots\n[\s\S]*\+error: MAPPING_FAILED: routes\[0\]\.map: /);
    const taken = section(text, '##### route now taken on route `book` (2 events)');
    assert.match(taken, /\*\*event `e06`\*\*\n\n```diff\n\+POST http:\/\/127\.0\.0\.1:9000\/slots\n\+Authorization: \[REDACTED\]\n/);
  });

  test('gives the same bytes for the same events in any order', async (t) => {
    const repo = await pullRequest(t);
    const first = await reportIn(repo, EVENTS);
    assert.equal(await reportIn(repo, [...EVENTS].reverse()), first);
    assert.equal(await reportIn(repo, [...EVENTS.slice(5), ...EVENTS.slice(0, 5)]), first);
  });

  test('masks the connector secret in headers and bodies of engine examples', async (t) => {
    const text = await report(t, EVENTS);
    assert.ok(!text.includes(SECRET), text);
    assert.match(text, /"auth": "\[REDACTED\]"/);
  });

  test('replaces redacted values before rendering, counts them, and prints none of them', async (t) => {
    const text = await report(t, EVENTS, { redact: ['inspectorName', 'applicant.email'] });
    assert.ok(!text.includes('Lee Marvin') && !text.includes('LEE MARVIN'), text);
    assert.match(text, /Replaced by `\[REDACTED\]` in the engine's events before rendering: `inspectorName` \(9 values\), `applicant\.email` \(no value: check the path\)\./);
    // Upper-cased, [REDACTED] stays itself: the inspector no longer shows as changed.
    assert.doesNotMatch(text, /field `inspector` changed/);
  });

  test('numbers the events instead of naming them when their ids are redacted', async (t) => {
    const text = await report(t, EVENTS, { redact: ['id'] });
    assert.doesNotMatch(text, /event `e\d+`/);
    assert.match(section(text, '##### mapping now fails'), /\*\*event `#8`\*\*[\s\S]*\*\*event `#9`\*\*/);
  });

  test('renders the samples beside the engine events, and with --only-engine-events leaves them out', async (t) => {
    const repo = await pullRequest(t);
    await writeFiles(repo, { 'connectors.d/samples/approved.json': JSON.stringify({ type: 'permitApproved', permitId: 1, inspectionRequired: true, inspectorName: 'Sam', fee: 1 }) });
    const beside = await reportIn(repo, EVENTS);
    assert.match(beside, /11 events rendered \(0 from tests, 1 from samples, 10 from the engine/);
    assert.match(beside, /\*\*sample `connectors\.d\/samples\/approved\.json` → route `book`\*\*/);
    const only = await reportIn(repo, EVENTS, { 'only-engine-events': true });
    assert.match(only, /10 events rendered \(0 from tests, 0 from samples, 10 from the engine/);
    assert.doesNotMatch(only, /approved\.json|Sam/);
  });

  test('says so when no engine event changes a changed connector', async (t) => {
    const text = await report(t, [approved('e01', { type: 'permitCancelled' })]);
    assert.match(section(text, '#### Engine events'), /No engine event reaches `permits`\./);
  });
});
