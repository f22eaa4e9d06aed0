import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatProblem } from '../../engine/config/problems/format-problem.js';
import { loadConnectorFiles, loadConnectors } from '../../engine/config/load/load-connectors.js';
import { connectorDir, lines, minimalConnector, repoPath } from './connector-dir.js';

test('loads the three example connectors with zero problems', async () => {
  const result = await loadConnectors(repoPath('connectors.d'), { env: {} });
  assert.deepEqual(result.problems.map(formatProblem), []);
  assert.deepEqual(result.connectors.map((c) => c.name), ['permit-registry', 'scheduling', 'warehouse']);
  // They use none of the delivery options, so each compiles to its default.
  for (const c of result.connectors) {
    assert.deepEqual([c.auth, c.tls, c.signing, c.rateLimit, c.breaker, c.orderingKey, c.retry.retryOn], Array(7).fill(undefined), c.name);
    assert.equal(c.retry.maxRetryAfterMs, 3_600_000);
    for (const route of c.routes) {
      assert.deepEqual([route.format, route.headers, route.contentType, route.query, route.batch], ['json', [], undefined, undefined, undefined], `${c.name} ${route.key}`);
    }
  }
});

test('the example connectors produce the documented requests for the demo events', async () => {
  const { connectors } = await loadConnectors(repoPath('connectors.d'), { env: { SCHEDULING_URL: 'http://sched.test/' } });
  const event = { type: 'permitApproved', id: 'evt-1001', permitId: 123, approvedDate: '2024-06-01', inspectorName: 'Lee', inspectionRequired: true, address: '1 Main St', fee: 120.5 };
  const scheduling = connectors.find((c) => c.name === 'scheduling');
  assert.ok(scheduling);
  assert.equal(scheduling.target.url, 'http://sched.test');
  const [book, free] = scheduling.routes;
  assert.ok(book?.map && book.when && free);
  assert.deepEqual(json(await book.map.evaluate(event)), { permitId: 123, date: '2024-06-01', inspector: 'Lee' });
  assert.equal(await book.when.evaluate({ ...event, inspectionRequired: false }), false);
  assert.equal(free.method, 'DELETE');
  assert.ok(free.matchesType('permitCancelled') && !free.matchesType('permitApproved'));
  const warehouse = connectors.find((c) => c.name === 'warehouse');
  assert.ok(warehouse?.routes[0]?.matchesType('permitApproved') && warehouse.routes[0].matchesType('permitCancelled'));
  // The event id is the event's identity; the permit is permitId, shared by the cancellation (another event).
  const cancelled = { type: 'permitCancelled', id: 'evt-1002', permitId: 123, cancelledDate: '2024-06-02' };
  assert.deepEqual(json(await warehouse?.routes[0]?.map?.evaluate(cancelled)), {
    eventType: 'permitCancelled',
    eventId: 'evt-1002',
    permitId: '123',
    occurredAt: '2024-06-02',
    attributes: { cancelledDate: '2024-06-02' },
  });
  const registry = connectors.find((c) => c.name === 'permit-registry');
  const created = (await registry?.routes[0]?.map?.evaluate(event)) as Record<string, unknown>;
  assert.equal(created.PermitNumber, '123');
  assert.equal(created.ApprovedOn, '2024-06-01');
});

test('a bad file does not stop a good one from compiling', async (t) => {
  const dir = await connectorDir(t, {
    'a-bad.yaml': lines('name: bad', 'target:', '  url: http://x', 'routes:', '  - on: permitApproved', '    methd: POST'),
    'b-good.yaml': minimalConnector('good'),
  });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(result.connectors.map((c) => c.name), ['good']);
  assert.deepEqual(result.problems.map((p) => [p.file, p.line, p.column, p.code]), [[join(dir, 'a-bad.yaml'), 6, 5, 'CONFIG_SCHEMA']]);
});

test('a file whose aliases expand exponentially ("billion laughs") is a problem at its first alias, and the others load', async (t) => {
  const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (const [name, previous] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f'], ['h', 'g']]) {
    levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
  }
  const dir = await connectorDir(t, {
    'bomb.yaml': lines('name: bomb', 'target: {url: "http://x"}', 'routes: [{on: a}]', 'extra:', ...levels.map((level) => `  ${level}`)),
    'good.yaml': minimalConnector('good'),
  });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(result.connectors.map((c) => c.name), ['good']);
  assert.deepEqual(result.problems.map((p) => [p.file, p.line, p.column, p.code]), [[join(dir, 'bomb.yaml'), 6, 10, 'CONFIG_YAML_SYNTAX']]);
  assert.match(result.problems[0]!.message, /^invalid YAML: its aliases \(\*name\) expand to more than 100 copies, which could exhaust memory; write the values out/);
});

test('a connector file that is not UTF-8 is a problem saying so, not a puzzle or silently altered text', async (t) => {
  const text = lines('name: cafe', 'description: Café permits', 'target: {url: "http://x"}', 'routes: [{on: a}]');
  const dir = await connectorDir(t, {
    'latin1.yaml': Buffer.from(text, 'latin1'),
    'utf16.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace('cafe', 'wide'), 'utf16le')]),
    'utf8.yaml': text.replace('cafe', 'fine'),
  });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(result.connectors.map((c) => [c.name, c.description]), [['fine', 'Café permits']]);
  assert.deepEqual(result.problems.map((p) => [p.file.slice(dir.length + 1), p.line, p.column, p.code, p.message]), [
    ['latin1.yaml', 2, 17, 'CONFIG_YAML_SYNTAX', 'the file is not valid UTF-8 from here (Windows-1252 or Latin-1, perhaps); save it as UTF-8'],
    ['utf16.yaml', 1, 1, 'CONFIG_YAML_SYNTAX', 'the file is UTF-16 or binary, not UTF-8 text (PowerShell 5 Out-File writes UTF-16); save it as UTF-8'],
  ]);
});

test('a file over 1 MiB is not parsed: a problem says so, and the others load', async (t) => {
  const routes = Array.from({ length: 70_000 }, (_, i) => `  - on: type${i}`);
  const dir = await connectorDir(t, { 'dump.yaml': lines('name: dump', 'target: {url: "http://x"}', 'routes:', ...routes), 'good.yaml': minimalConnector('good') });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(result.connectors.map((c) => c.name), ['good']);
  assert.deepEqual(result.problems.map((p) => [p.file.slice(dir.length + 1), p.line, p.code]), [['dump.yaml', 0, 'CONFIG_READ']]);
  assert.match(result.problems[0]!.message, /^the file is 1\.\d MiB; a connector file may be at most 1 MiB/);
});

test('a duplicate name flags the second file at its name line and the first keeps the name', async (t) => {
  const dir = await connectorDir(t, {
    'a.yaml': minimalConnector('shared'),
    'b.yaml': lines('# second', minimalConnector('shared').trimEnd()),
  });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(result.connectors.map((c) => c.file), [join(dir, 'a.yaml')]);
  assert.equal(result.problems.length, 1);
  const [problem] = result.problems;
  assert.deepEqual([problem?.file, problem?.line, problem?.column, problem?.code], [join(dir, 'b.yaml'), 2, 1, 'CONFIG_DUPLICATE_NAME']);
  assert.match(problem?.message ?? '', /already used by .*a\.yaml/);
});

test('collects the problems of every file at once', async (t) => {
  const dir = await connectorDir(t, {
    'one.yaml': lines('name: one', 'target: {url: "http://x"}', 'routes: []'),
    'two.yaml': lines('name: two', 'target: {url: "http://x", timeout: soon}', 'routes: [{on: a}]', 'concurrency: 0'),
  });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(result.problems.map((p) => `${p.file.slice(dir.length + 1)}:${p.line}:${p.column}`), ['one.yaml:3:9', 'two.yaml:2:36', 'two.yaml:4:14']);
});

test('ignores dotfiles, *.test.yaml, other extensions and subdirectories such as samples/', async (t) => {
  const dir = await connectorDir(t, {
    'a.yml': minimalConnector('a'),
    '.hidden.yaml': 'not: [valid',
    'a.test.yaml': 'not: [valid',
    'b.test.yml': 'not: [valid',
    'notes.txt': 'not: [valid',
    'samples/sample.yaml': 'not: [valid',
  });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.connectors.map((c) => c.name), ['a']);
});

test('a missing directory is one CONFIG_READ problem saying how to fix it', async (t) => {
  const dir = join(await connectorDir(t, {}), 'nope');
  const result = await loadConnectors(dir, { env: {} });
  assert.equal(result.connectors.length, 0);
  assert.deepEqual(result.problems.map((p) => [p.file, p.line, p.code]), [[dir, 0, 'CONFIG_READ']]);
  assert.match(result.problems[0]?.message ?? '', /does not exist; create it or pass --connectors/);
});

test('loadConnectorFiles takes files and directories, and reports missing ones', async (t) => {
  const dir = await connectorDir(t, { 'd/x.yaml': minimalConnector('x'), 'y.yaml': minimalConnector('y') });
  const missing = join(dir, 'missing.yaml');
  const result = await loadConnectorFiles([join(dir, 'y.yaml'), join(dir, 'd'), missing, join(dir, 'y.yaml')], { env: {} });
  assert.deepEqual(result.connectors.map((c) => c.name), ['x', 'y']);
  assert.deepEqual(result.problems.map((p) => [p.file, p.code]), [[missing, 'CONFIG_READ']]);
});

test('YAML syntax errors carry line and column', async (t) => {
  const dir = await connectorDir(t, {
    'broken.yaml': lines('name: broken', 'target:', '  url: "http://x', 'routes:', '  - on: a'),
    'dupkey.yaml': lines('name: dupkey', 'name: again'),
  });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(result.problems.map((p) => [p.file.slice(dir.length + 1), p.line, p.column, p.code]), [
    ['broken.yaml', 3, 8, 'CONFIG_YAML_SYNTAX'],
    ['dupkey.yaml', 2, 1, 'CONFIG_YAML_SYNTAX'],
  ]);
});

test('an empty file, a list and two documents are clear problems', async (t) => {
  const dir = await connectorDir(t, { 'a.yaml': '# nothing here\n', 'b.yaml': '- a\n- b\n', 'c.yaml': minimalConnector('c') + '---\nname: d\n' });
  const result = await loadConnectors(dir, { env: {} });
  assert.deepEqual(result.problems.map((p) => [p.line, p.column, p.code]), [[0, 0, 'CONFIG_SCHEMA'], [1, 1, 'CONFIG_SCHEMA'], [6, 1, 'CONFIG_YAML_SYNTAX']]);
  assert.match(result.problems[0]?.message ?? '', /empty/);
  assert.match(result.problems[1]?.message ?? '', /must be a mapping.*not a list/);
  assert.match(result.problems[2]?.message ?? '', /more than one YAML document/);
});

test('the compiled connector is deeply frozen and carries defaults, revision and secrets', async (t) => {
  const text = lines(
    'name: frozen',
    'target:',
    '  url: ${env:BASE_URL}/',
    '  headers:',
    '    Authorization: Bearer ${env:TOKEN}',
    '    X-Short: ${env:SHORT}',
    '    X-Default: ${env:UNSET:-fallback-value}',
    'routes:',
    '  - on: [permitApproved, "permit.*"]',
    '    path: /p/{id}',
  );
  const dir = await connectorDir(t, { 'frozen.yaml': text });
  const env = { BASE_URL: 'https://api.example.test/v1', TOKEN: 's3cr3t-token', SHORT: 'abc' };
  const { connectors, problems } = await loadConnectors(dir, { env });
  assert.deepEqual(problems, []);
  const [c] = connectors;
  assert.ok(c);
  assert.equal(c.revision, createHash('sha256').update(await readFile(join(dir, 'frozen.yaml'))).digest('hex'));
  assert.equal(c.target.url, 'https://api.example.test/v1');
  assert.equal(c.target.timeoutMs, 15_000);
  assert.equal(c.concurrency, 16);
  assert.deepEqual(c.retry.scheduleMs, [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000]);
  assert.equal(c.routes[0]?.method, 'POST');
  assert.equal(c.routes[0]?.key, '0');
  // Header values and env values (not defaults, not shorter than 4 characters), longest first.
  assert.deepEqual(c.secrets, ['https://api.example.test/v1', 'Bearer s3cr3t-token', 'fallback-value', 's3cr3t-token']);
  for (const value of [c, c.target, c.target.headers, c.routes, c.routes[0], c.routes[0]?.on, c.routes[0]?.path, c.routes[0]?.path[1], c.retry, c.retry.scheduleMs, c.secrets, c.source, c.source.target, c.source.routes[0]]) {
    assert.ok(Object.isFrozen(value));
  }
  assert.throws(() => {
    (c.target.headers as Record<string, string>).Authorization = 'x';
  }, TypeError);
});

/** JSONata builds objects without a prototype; compare their JSON. */
function json(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
