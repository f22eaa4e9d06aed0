import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli, startEngineProcess, type CliResult } from '../../helpers/engine-process.js';
import { commit, gitRepo, writeFiles } from './git-repo.js';

interface ConnectorSpec {
  readonly url?: string;
  readonly path?: string;
  readonly map?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly on?: string;
  readonly retry?: string;
}

/** A connector with one route `send` and one test whose event is itemCreated #7. */
function connector(name: string, spec: ConnectorSpec = {}): string {
  const headers = Object.entries(spec.headers ?? {});
  return [
    `name: ${name}`,
    'target:',
    `  url: ${spec.url ?? 'http://127.0.0.1:9000'}`,
    ...(headers.length > 0 ? ['  headers:', ...headers.map(([header, value]) => `    ${header}: ${value}`)] : []),
    'routes:',
    '  - name: send',
    `    on: ${spec.on ?? 'itemCreated'}`,
    `    path: ${spec.path ?? '/items'}`,
    `    map: '${spec.map ?? '{ "id": id, "title": title }'}'`,
    ...(spec.retry === undefined ? [] : ['retry:', `  schedule: [${spec.retry}]`]),
    'tests:',
    `  - name: ${name} sends item 7`,
    '    event: { type: itemCreated, id: 7, title: Lamp }',
    '    expect: []',
    '',
  ].join('\n');
}

async function diff(repo: string, base = 'main', env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['diff', '--base', base, join(repo, 'connectors.d')], env);
}

function section(report: string, heading: string): string {
  const start = report.indexOf(heading);
  assert.notEqual(start, -1, `no "${heading}" in:\n${report}`);
  const next = report.indexOf('\n### ', start + heading.length);
  return report.slice(start, next === -1 ? undefined : next);
}

describe('hms-sync diff', () => {
  test('reports an added connector with its routes and its rendered requests', async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha') });
    await writeFiles(repo, { 'connectors.d/beta.yaml': connector('beta', { path: '/beta/{id}' }) });
    const result = await diff(repo);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^<!-- hms-sync diff -->\n## hms-sync diff against `main`\n/);
    assert.match(result.stdout, /\| added \| 1 \| 2 \|\n\| removed \| 0 \| 0 \|\n\| changed \| 0 \| 0 \|\n\| unchanged \| 1 \| 2 \|/);
    const added = section(result.stdout, '### Added: `beta`');
    assert.match(added, /- `send`: POST `http:\/\/127\.0\.0\.1:9000\/beta\/\{id\}` on `itemCreated`/);
    assert.match(added, /\*\*test `beta sends item 7` of `beta` → route `send`\*\* \(new\)\n\n```diff\n\+POST http:\/\/127\.0\.0\.1:9000\/beta\/7\n\+\n\+\{\n\+  "id": 7,\n\+  "title": "Lamp"\n\+\}\n```/);
  });

  test("says what merging starts: a new connector's backfill, a pause by the file and its end", async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha'), 'connectors.d/held.yaml': `paused: true\n${connector('held')}` });
    await commit(repo, {
      'connectors.d/beta.yaml': `backfill:\n  since: 30d\nrateLimit: 20/s\n${connector('beta')}`,
      'connectors.d/alpha.yaml': `paused: true\nbackfill:\n  since: 12h\n${connector('alpha')}`,
      'connectors.d/held.yaml': connector('held'),
    });
    const result = await diff(repo, 'HEAD~1');
    assert.equal(result.code, 0, result.stderr);
    assert.match(section(result.stdout, '### Added: `beta`'), /\*\*On merge: backfill of 30 days\*\*: stored events of the last 30 days that its routes take and that have no delivery of it yet are sent once, in the background, at `20\/s`\./);
    const alpha = section(result.stdout, '### Changed: `alpha`');
    assert.match(alpha, /\*\*On merge: backfill of 12h\*\*, unless one was ever started for this name: .* at 100\/s\./);
    assert.match(alpha, /\*\*On merge: paused\*\* \(`paused: true`\): it sends nothing/);
    assert.match(section(result.stdout, '### Changed: `held`'), /\*\*On merge: resumes\*\*/);
    const unchanged = await diff(repo, 'HEAD');
    assert.doesNotMatch(unchanged.stdout, /On merge/, 'the same backfill on both sides starts nothing');
  });

  test('reports a removed connector and the requests it no longer sends', async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha'), 'connectors.d/gone.yaml': connector('gone') });
    await writeFiles(repo, { 'connectors.d/gone.yaml': null });
    const result = await diff(repo);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\| removed \| 1 \| 2 \|/);
    const removed = section(result.stdout, '### Removed: `gone`');
    assert.match(removed, /No longer sent \(2\):\n\n- test `alpha sends item 7` of `alpha` → route `send`\n- test `gone sends item 7` of `gone` → route `send`/);
    assert.doesNotMatch(result.stdout, /### (Added|Changed)/);
  });

  test('shows a changed mapping as a unified diff of the body', async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha') });
    await writeFiles(repo, { 'connectors.d/alpha.yaml': connector('alpha', { map: '{ "id": id, "name": title }' }) });
    const result = await diff(repo);
    assert.equal(result.code, 0, result.stderr);
    const changed = section(result.stdout, '### Changed: `alpha`');
    assert.match(changed, /Configuration changed: `routes\.send`\./);
    assert.match(changed, /Requests: 1 changed, 0 new, 0 gone, 0 unchanged\./);
    assert.match(changed, /```diff\n@@ -1,6 \+1,6 @@\n POST http:\/\/127\.0\.0\.1:9000\/items\n \n \{\n   "id": 7,\n-  "title": "Lamp"\n\+  "name": "Lamp"\n \}\n```/);
  });

  test('shows a changed path as a diff of the URL, against the revision named', async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha', { path: '/v1/items' }) });
    await commit(repo, { 'connectors.d/alpha.yaml': connector('alpha', { path: '/v2/items' }) });
    const older = await diff(repo, 'HEAD~1');
    assert.equal(older.code, 0, older.stderr);
    assert.match(section(older.stdout, '### Changed: `alpha`'), /\n-POST http:\/\/127\.0\.0\.1:9000\/v1\/items\n\+POST http:\/\/127\.0\.0\.1:9000\/v2\/items\n/);
    const latest = await diff(repo, 'HEAD');
    assert.match(latest.stdout, /\*\*No change\*\*: every connector renders the same requests \(1 connector, 1 request\)\./);
  });

  test('lists an unchanged connector as unchanged, even when only its formatting changed', async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha'), 'connectors.d/steady.yaml': connector('steady') });
    await writeFiles(repo, {
      'connectors.d/alpha.yaml': connector('alpha', { retry: '1s' }),
      'connectors.d/steady.yaml': `# reformatted, same meaning\n${connector('steady')}`,
    });
    const result = await diff(repo);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /### Unchanged\n\n`steady`\n/);
    assert.doesNotMatch(result.stdout, /### Changed: `steady`/);
    const alpha = section(result.stdout, '### Changed: `alpha`');
    assert.match(alpha, /Configuration changed: `retry\.schedule`\.\n\nNo rendered request differs \(2 requests compared\)\./);
  });

  test('renders the events of samples/*.json, one object or an array, on both sides', async (t) => {
    const repo = await gitRepo(t, {
      'connectors.d/alpha.yaml': connector('alpha'),
      'connectors.d/samples/one.json': JSON.stringify({ type: 'itemCreated', id: 1, title: 'Chair' }),
    });
    await writeFiles(repo, {
      'connectors.d/alpha.yaml': connector('alpha', { path: '/things' }),
      // Only in the working tree, yet rendered under the base config too, so it shows as changed.
      // Saved with a byte order mark, as Windows tools do.
      'connectors.d/samples/batch.json': `\uFEFF${JSON.stringify([{ type: 'other' }, { type: 'itemCreated', id: 2, title: 'Desk' }])}`,
    });
    const result = await diff(repo);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /4 events rendered \(1 from tests, 3 from samples\)/);
    const changed = section(result.stdout, '### Changed: `alpha`');
    assert.match(changed, /Requests: 3 changed, 0 new, 0 gone, 0 unchanged\./);
    assert.match(changed, /\*\*sample `connectors\.d\/samples\/batch\.json\[1\]` → route `send`\*\*\n\n```diff\n@@ -1,6 \+1,6 @@\n-POST http:\/\/127\.0\.0\.1:9000\/items\n\+POST http:\/\/127\.0\.0\.1:9000\/things\n/);
    assert.match(changed, /\*\*sample `connectors\.d\/samples\/one\.json` → route `send`\*\*/);
    assert.match(changed, /"title": "Desk"/);
  });

  test('never prints a header value, a secret in a body, or a variable from its environment', async (t) => {
    const secret = 's3cr3t-literal-value';
    const spec = { url: '${env:ALPHA_URL}', headers: { Authorization: `Bearer ${secret}`, 'X-Pin': 'q9z' }, map: `{ "id": id, "auth": "Bearer ${secret}" }` };
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha', spec) });
    await writeFiles(repo, { 'connectors.d/alpha.yaml': connector('alpha', { ...spec, path: '/moved', headers: { ...spec.headers, 'X-Extra': 'another-s3cret' } }) });
    const result = await diff(repo, 'main', { ALPHA_URL: 'http://real-host.internal:1234' });
    assert.equal(result.code, 0, result.stderr);
    for (const leak of [secret, 'q9z', 'another-s3cret', 'real-host.internal']) assert.ok(!result.stdout.includes(leak), `"${leak}" printed:\n${result.stdout}`);
    const changed = section(result.stdout, '### Changed: `alpha`');
    assert.match(changed, /-POST \$\{env:ALPHA_URL\}\/items\n\+POST \$\{env:ALPHA_URL\}\/moved\n Authorization: \[REDACTED\]\n X-Pin: \[REDACTED\]\n\+X-Extra: \[REDACTED\]\n/);
    assert.match(changed, /"auth": "\[REDACTED\]"/);
  });

  test('lists the problems of an invalid side with file:line:col and still exits 0', async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha'), 'connectors.d/samples/bad.json': '{"type": "x",}' });
    await writeFiles(repo, { 'connectors.d/alpha.yaml': connector('alpha').replace('    path: /items', '    path: /items\n    methd: PUT') });
    const result = await diff(repo);
    assert.equal(result.code, 0, result.stderr);
    const problems = section(result.stdout, '### Problems');
    assert.match(problems, /\*\*Working tree\*\* \(2 problems\):\n\n```text\nconnectors\.d\/alpha\.yaml:8:5 routes\[0\]\.methd: unknown field "methd"[^\n]*\nconnectors\.d\/samples\/bad\.json:1:\d+ not valid JSON/);
    assert.match(problems, /\*\*Base `main`\*\* \(1 problem\):\n\n```text\nmain:connectors\.d\/samples\/bad\.json:1:\d+ not valid JSON/);
    assert.match(result.stdout, /### Removed: `alpha`/);
  });

  test('treats a connectors directory that did not exist at the base as all added', async (t) => {
    const repo = await gitRepo(t, { 'README.md': 'hello\n' });
    await writeFiles(repo, { 'connectors.d/alpha.yaml': connector('alpha'), 'connectors.d/beta.yaml': connector('beta') });
    const result = await diff(repo);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\| added \| 2 \| 4 \|/);
    assert.match(result.stdout, /### Added: `alpha`[\s\S]*### Added: `beta`/);
  });

  test('reads HMS_SYNC_CONNECTORS without a PATH, prints the same report twice and leaves no temp files', async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha') });
    await writeFiles(repo, { 'connectors.d/alpha.yaml': connector('alpha', { path: '/other' }) });
    const temp = await mkdtemp(join(tmpdir(), 'hms-diff-tmp-'));
    t.after(() => rm(temp, { recursive: true, force: true }));
    const env = { HMS_SYNC_CONNECTORS: join(repo, 'connectors.d'), TMPDIR: temp };
    const first = await runCli(['diff', '--base', 'main'], env);
    const second = await runCli(['diff', '--base', 'main'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /### Changed: `alpha`/);
    assert.equal(second.stdout, first.stdout);
    assert.deepEqual(await readdir(temp), []);
  });

  test('an unknown REF is a clear error with exit code 2', async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha') });
    const result = await diff(repo, 'no-such-branch');
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /--base "no-such-branch" does not name a commit/);
  });

  test('checks the flags of --events-from before reading anything, and exits 2 naming the flag', async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha') });
    const wrong: [string[], RegExp][] = [
      [['--since', '1h'], /--since chooses events from an engine; give --events-from URL too/],
      [['--events-from', 'ftp://engine'], /--events-from must be the engine's http:\/\/ or https:\/\/ address/],
      [['--events-from', 'http://127.0.0.1:1', '--limit', '0'], /--limit must be a whole number from 1 to 10000, not "0"/],
      [['--events-from', 'http://127.0.0.1:1', '--since', '5 minutes'], /--since: "5 minutes" is not a duration/],
      [['--events-from', 'http://127.0.0.1:1', '--redact', 'owners[0]'], /--redact "owners\[0\]": the path must end in a field name/],
    ];
    for (const [flags, message] of wrong) {
      const result = await runCli(['diff', '--base', 'main', ...flags, join(repo, 'connectors.d')]);
      assert.equal(result.code, 2, `${flags.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    }
  });

  test('an engine that refuses the token, or cannot be reached, is one line on stderr and exit 1', async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha') });
    const data = await mkdtemp(join(tmpdir(), 'hms-diff-engine-'));
    t.after(() => rm(data, { recursive: true, force: true }));
    const engine = await startEngineProcess(['--connectors', join(repo, 'connectors.d'), '--data', data], { HMS_SYNC_API_TOKEN: 'the-real-token-123' });
    t.after(() => engine.stop());
    const refused = await runCli(['diff', '--base', 'main', '--events-from', engine.url, join(repo, 'connectors.d')], { HMS_SYNC_READ_TOKEN: 'a-wrong-token-456' });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^hms-sync: --events-from http:\/\/127\.0\.0\.1:\d+: GET \/deliveries\?[^ ]+ answered 401 \(UNAUTHORIZED: .*\); the engine refused the token: set HMS_SYNC_READ_TOKEN \(or HMS_SYNC_API_TOKEN\)[^\n]*\n$/);
    assert.doesNotMatch(refused.stderr, /a-wrong-token-456|the-real-token-123/);
    assert.equal(refused.stdout, '');
    const unreachable = await runCli(['diff', '--base', 'main', '--events-from', 'http://127.0.0.1:1', join(repo, 'connectors.d')]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^hms-sync: --events-from http:\/\/127\.0\.0\.1:1: GET \/deliveries\?[^ ]+ could not be sent: connect ECONNREFUSED[^\n]*\n$/);
  });

  test("renders a running engine's own events with both versions and reports what the change does to them", async (t) => {
    const repo = await gitRepo(t, { 'connectors.d/alpha.yaml': connector('alpha', { url: 'http://127.0.0.1:1' }) });
    const data = await mkdtemp(join(tmpdir(), 'hms-diff-engine-'));
    t.after(() => rm(data, { recursive: true, force: true }));
    const engine = await startEngineProcess(['--connectors', join(repo, 'connectors.d'), '--data', data], { HMS_SYNC_API_TOKEN: 'the-real-token-123', HMS_SYNC_READ_TOKEN: 'the-read-token-789' });
    t.after(() => engine.stop());
    const events = [1, 2, 3].map((n) => ({ type: 'itemCreated', id: `item-${n}`, title: `Lamp ${n}`, owner: { email: `owner${n}@example.org` } }));
    const posted = await fetch(`${engine.url}/events`, {
      method: 'POST',
      headers: { authorization: 'Bearer the-real-token-123', 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    assert.equal(posted.status, 202, await posted.text());
    await writeFiles(repo, { 'connectors.d/alpha.yaml': connector('alpha', { url: 'http://127.0.0.1:1', map: '{ "id": id, "name": title, "contact": owner.email }' }) });
    const result = await runCli(['diff', '--base', 'main', '--events-from', engine.url, '--since', '1h', '--only-engine-events', '--redact', 'owner.email', join(repo, 'connectors.d')], { HMS_SYNC_READ_TOKEN: 'the-read-token-789' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /3 events rendered \(0 from tests, 0 from samples, 3 from the engine/);
    assert.match(result.stdout, /\*\*3 of 3 engine events\*\* change what `alpha` is sent/);
    assert.match(result.stdout, /field `name` added/);
    assert.match(result.stdout, /field `title` removed/);
    assert.match(result.stdout, /\+ {0,4}"contact": "\[REDACTED\]"/);
    assert.doesNotMatch(result.stdout, /owner\d@example\.org|the-read-token-789/);
  });

  test('a path outside any git work tree exits 1, and a missing --base exits 2', async (t) => {
    const plain = await mkdtemp(join(tmpdir(), 'hms-diff-plain-'));
    t.after(() => rm(plain, { recursive: true, force: true }));
    const outside = await runCli(['diff', '--base', 'main', plain]);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /is not inside a git work tree/);
    const usage = await runCli(['diff', plain]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--base REF is required/);
  });
});
