import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ABSENT, compareRequests } from '../../engine/cli/compare-requests.js';
import { formatMismatch } from '../../engine/cli/format-mismatch.js';
import { diffLines } from '../../engine/cli/line-diff.js';
import type { ExpectedRequest } from '../../engine/config/schema/connector-file.generated.js';
import type { RenderedDelivery } from '../../engine/cli/render-event.js';
import { connectorDir, lines, repoPath } from '../config/connector-dir.js';
import { runCli } from '../helpers/engine-process.js';

const BASE = 'http://127.0.0.1:9001';

/** `body: null` (no body): the schema allows any JSON there, the generated type only objects. */
const NO_BODY = null as unknown as ExpectedRequest['body'];

function delivery(route: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): RenderedDelivery {
  return { connector: 'c', route, request: { method, url: BASE + path, headers, timeoutMs: 1000, ...(body === undefined ? {} : { body: JSON.stringify(body) }) } };
}

/** A connector whose URL and token come from ${env:...} with defaults, plus one route per kind of test. */
const SCHEDULING = lines(
  'name: sched',
  'target:',
  '  url: ${env:HMS_TEST_SCHED_URL:-http://127.0.0.1:9001}',
  '  headers:',
  '    Authorization: Bearer ${env:HMS_TEST_SCHED_TOKEN:-dev-token-1234}',
  'routes:',
  '  - name: book',
  '    on: permitApproved',
  '    path: /api/slots',
  '    map: |',
  '      { "permitId": permitId, "date": approvedDate, "who": inspectorName }',
  '  - name: free',
  '    on: permitCancelled',
  '    method: DELETE',
  '    path: /api/slots/{permitId}',
  '  - name: broken',
  '    on: boom',
  '    map: $error("no mapping for this event")',
);

const BOOKS = lines(
  '  - name: books a slot',
  '    event: { type: permitApproved, id: evt-7, permitId: 7, approvedDate: "2024-06-01", inspectorName: Lee }',
  '    expect:',
  '      - route: book',
  '        method: POST',
  '        url: http://127.0.0.1:9001/api/slots',
  '        headers: { authorization: Bearer dev-token-1234, CONTENT-TYPE: application/json }',
  '        body: { permitId: 7, date: "2024-06-01", who: Lee }',
);

describe('comparing expected and rendered requests', () => {
  test('checks only the fields given, header names in any case, body null as no body', () => {
    const actual = [delivery('free', 'DELETE', '/api/slots/7', undefined, { Authorization: 'Bearer x' })];
    assert.deepEqual(compareRequests([{ path: '/api/slots/7', headers: { authorization: 'Bearer x' }, body: NO_BODY }], actual, BASE), []);
    assert.deepEqual(compareRequests([{}], actual, BASE), []);
  });

  test('reports each differing field, a wrong count, and requests missing or not expected', () => {
    const actual = [delivery('book', 'POST', '/a', { n: 1 })];
    assert.deepEqual(compareRequests([{ route: 'book', method: 'PUT', path: '/b', headers: { 'X-Key': 'v' }, body: { n: 2 } }], actual, BASE), [
      { where: 'request 1 (book) method', expected: 'PUT', actual: 'POST' },
      { where: 'request 1 (book) path', expected: '/b', actual: '/a' },
      { where: 'request 1 (book) header X-Key', expected: 'v', actual: ABSENT },
      { where: 'request 1 (book) body', expected: { n: 2 }, actual: { n: 1 } },
    ]);
    assert.deepEqual(compareRequests([], actual, BASE), [
      { where: 'number of requests', expected: 0, actual: 1 },
      { where: 'request 1 (book): not expected', expected: ABSENT, actual: { route: 'book', method: 'POST', path: '/a' } },
    ]);
    assert.deepEqual(compareRequests([{ route: 'book' }], [], BASE), [
      { where: 'number of requests', expected: 1, actual: 0 },
      { where: 'request 1: expected but not made', expected: { route: 'book' }, actual: ABSENT },
    ]);
  });

  test('a mapping error is a mismatch carrying its message', () => {
    const failed: RenderedDelivery = { connector: 'c', route: 'book', error: 'MAPPING_FAILED: routes[0].map: boom' };
    assert.deepEqual(compareRequests([{ route: 'book' }], [failed], BASE), [{ where: 'request 1 (book)', note: 'failed: MAPPING_FAILED: routes[0].map: boom' }]);
  });

  test('printed mismatches mask secrets on both sides', () => {
    const printed = formatMismatch({ where: 'request 1 (book) header Authorization', expected: 'Bearer other', actual: 'Bearer s3cret-value' }, ['Bearer s3cret-value']);
    assert.deepEqual(printed, ['request 1 (book) header Authorization:', '  - "Bearer other"', '  + "[REDACTED]"']);
  });
});

describe('line diff', () => {
  test('keeps common lines as context and shows removals before additions', () => {
    assert.deepEqual(diffLines(['{', '  "a": 1,', '  "b": 2', '}'], ['{', '  "a": 1,', '  "b": 3', '}']), [
      { op: ' ', text: '{' },
      { op: ' ', text: '  "a": 1,' },
      { op: '-', text: '  "b": 2' },
      { op: '+', text: '  "b": 3' },
      { op: ' ', text: '}' },
    ]);
    assert.deepEqual(diffLines([], ['x']), [{ op: '+', text: 'x' }]);
    assert.deepEqual(diffLines(['x'], []), [{ op: '-', text: 'x' }]);
  });
});

describe('hms-sync test (child process)', () => {
  test('the example connectors carry tests, and they pass', async () => {
    const result = await runCli(['test', repoPath('connectors.d')]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^✓ scheduling: books a slot for an approved permit that needs an inspection$/m);
    assert.match(result.stdout, /^✓ warehouse: ignores events that are not about permits$/m);
    assert.match(result.stdout, /\n8 passed, 0 failed\n$/);
  });

  test('a passing test asserts a header from ${env:...:-default}, whatever the environment holds', async (t) => {
    const dir = await connectorDir(t, { 'sched.yaml': SCHEDULING + lines('tests:') + BOOKS });
    const result = await runCli(['test', dir], { HMS_TEST_SCHED_TOKEN: 'real-secret-from-ci', HMS_TEST_SCHED_URL: 'http://staging:1' });
    assert.equal(result.code, 0, result.stdout);
    assert.equal(result.stdout, '✓ sched: books a slot\n1 passed, 0 failed\n');
  });

  test('a ${file:...:-default} header takes its default even when the file exists: tests read no secret files', async (t) => {
    const connector = SCHEDULING.replace('${env:HMS_TEST_SCHED_TOKEN:-dev-token-1234}', '${file:token.txt:-dev-token-1234}');
    const dir = await connectorDir(t, { 'sched.yaml': connector + lines('tests:') + BOOKS, 'token.txt': 'real-secret-on-this-machine\n' });
    const result = await runCli(['test', dir]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.stdout, '✓ sched: books a slot\n1 passed, 0 failed\n');
    assert.doesNotMatch(result.stdout + result.stderr, /real-secret/);
  });

  test('a failing test shows a readable diff of each differing field, with secrets masked', async (t) => {
    const failing = lines(
      'tests:',
      '  - name: books the wrong slot',
      '    event: { type: permitApproved, id: evt-7, permitId: 7, approvedDate: "2024-06-01", inspectorName: Lee }',
      '    expect:',
      '      - route: book',
      '        path: /api/slot',
      '        headers: { Authorization: Bearer wrong-token }',
      '        body: { permitId: 7, date: "2024-06-02", who: Lee }',
    );
    const dir = await connectorDir(t, { 'sched.yaml': SCHEDULING + failing });
    const result = await runCli(['test', dir]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, [
      '✗ sched: books the wrong slot',
      `    in ${dir}/sched.yaml (- expected, + actual)`,
      '    request 1 (book) path:',
      '      - "/api/slot"',
      '      + "/api/slots"',
      '    request 1 (book) header Authorization:',
      '      - "Bearer wrong-token"',
      '      + "[REDACTED]"',
      '    request 1 (book) body:',
      '        {',
      '          "permitId": 7,',
      '      -   "date": "2024-06-02",',
      '      +   "date": "2024-06-01",',
      '          "who": "Lee"',
      '        }',
      '0 passed, 1 failed',
      '',
    ].join('\n'));
    assert.doesNotMatch(result.stdout, /dev-token-1234/);
  });

  test('runs NAME.test.yaml beside the connector; expect: [] passes with no request and fails with one', async (t) => {
    const dir = await connectorDir(t, {
      'sched.yaml': SCHEDULING,
      'sched.test.yaml': lines(
        'tests:',
        '  - name: nothing for other events',
        '    event: { type: inspectionScheduled }',
        '    expect: []',
        '  - name: nothing for a cancellation',
        '    event: { type: permitCancelled, id: evt-9, permitId: 9 }',
        '    expect: []',
      ),
    });
    const result = await runCli(['test', dir]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, [
      '✓ sched: nothing for other events',
      '✗ sched: nothing for a cancellation',
      `    in ${dir}/sched.test.yaml (- expected, + actual)`,
      '    number of requests:',
      '      - 0',
      '      + 1',
      '    request 1 (free): not expected:',
      '      - (none)',
      '      + {',
      '      +   "route": "free",',
      '      +   "method": "DELETE",',
      '      +   "path": "/api/slots/9"',
      '      + }',
      '1 passed, 1 failed',
      '',
    ].join('\n'));
  });

  test('a mapping error fails its test with the error message', async (t) => {
    const dir = await connectorDir(t, {
      'sched.yaml': SCHEDULING + lines('tests:', '  - name: boom', '    event: { type: boom }', '    expect: [{ route: broken }]'),
    });
    const result = await runCli(['test', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^ {4}request 1 \(broken\): failed: MAPPING_FAILED: routes\[2\]\.map: /m);
    assert.match(result.stdout, /\n0 passed, 1 failed\n$/);
  });

  test('connector and test file problems are reported on stderr and fail the run', async (t) => {
    const dir = await connectorDir(t, {
      'good.yaml': SCHEDULING + lines('tests:') + BOOKS,
      'bad.yaml': lines('name: bad', 'target:', '  url: http://x', 'routes:', '  - on: x', '    methd: GET'),
      'good.test.yaml': lines('tests:', '  - name: no expect', '    event: { type: x }'),
    });
    const result = await runCli(['test', dir]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '✓ sched: books a slot\n1 passed, 0 failed\n');
    assert.equal(result.stderr.split(`${dir}/`).join(''), [
      'bad.yaml:6:5 routes[0].methd: unknown field "methd"; did you mean "method"?',
      'good.test.yaml:2:5 tests[0]: missing required field "expect"',
      '2 problems in 2 files; the tests of a connector with problems do not run',
      '',
    ].join('\n'));
  });

  test('finding no test fails, so that CI cannot pass on nothing, unless --allow-empty', async (t) => {
    const dir = await connectorDir(t, { 'sched.yaml': SCHEDULING });
    const found = `no tests found in ${dir}, `;
    const strict = await runCli(['test', dir]);
    assert.equal(strict.code, 1, strict.stdout + strict.stderr);
    assert.equal(strict.stdout, `${found}a failure, so that CI cannot pass on nothing (--allow-empty accepts it); add a tests: list to a connector (see docs/connectors.md#connector-tests)\n0 passed, 0 failed\n`);
    const allowed = await runCli(['test', '--allow-empty', dir]);
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
    assert.ok(allowed.stdout.startsWith(`${found}accepted by --allow-empty; `), allowed.stdout);
  });

  test('a bad command line exits 2', async () => {
    const result = await runCli(['test', '--format', 'json']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage: hms-sync test/);
  });
});
