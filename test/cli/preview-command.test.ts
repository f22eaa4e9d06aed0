import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseEvent } from '../../engine/cli/read-event.js';
import { HmsError } from '../../engine/errors.js';
import { packageVersion } from '../../engine/version.js';
import { connectorDir, lines, minimalConnector, repoPath } from '../config/connector-dir.js';
import { runCli } from '../helpers/engine-process.js';

const APPROVED = { type: 'permitApproved', id: 'evt-1001', permitId: 123, approvedDate: '2024-06-01', inspectorName: 'Lee', inspectionRequired: true };

describe('reading the event', () => {
  test('accepts one JSON object with a type and refuses anything else as a usage error', () => {
    assert.deepEqual(parseEvent('{"type":"a","id":1}', 'x'), { type: 'a', id: 1 });
    assert.deepEqual(parseEvent('\uFEFF{"type":"a","id":2}', 'x'), { type: 'a', id: 2 }, 'a file saved with a byte order mark');
    const refused = (content: string, message: RegExp) =>
      assert.throws(() => parseEvent(content, '"e.json"'), (error: unknown) => error instanceof HmsError && error.code === 'USAGE' && message.test(error.message));
    refused('{nope', /^--event: "e\.json" is not valid JSON/);
    refused('[{"type":"a"}]', /^--event: "e\.json": the event is an array; each event must be a JSON object$/);
    refused('{"id":1}', /^--event: "e\.json": the event has no string "type"/);
  });
});

describe('hms-sync preview (child process)', () => {
  test('renders every example connector for an event file, with header values masked', async (t) => {
    const dir = await connectorDir(t, { 'event.json': JSON.stringify(APPROVED) });
    const result = await runCli(['preview', '--event', join(dir, 'event.json'), repoPath('connectors.d')], {
      SCHEDULING_TOKEN: 'sched-secret-token-value',
      PERMIT_REGISTRY_API_KEY: 'registry-secret-key-value',
    });
    assert.equal(result.code, 0, result.stderr);
    const blocks = result.stdout.split('\n\n# ');
    assert.equal(blocks.length, 3);
    assert.equal(blocks[1], [
      'scheduling / book-slot',
      'POST http://127.0.0.1:9001/api/slots',
      'Authorization: [REDACTED]',
      `user-agent: hms-sync/${packageVersion()}`,
      'idempotency-key: <delivery-id>',
      'content-type: application/json',
      '',
      '{',
      '  "permitId": 123,',
      '  "date": "2024-06-01",',
      '  "inspector": "Lee"',
      '}',
    ].join('\n'));
    assert.match(result.stdout, /^# permit-registry \/ create\nPOST http:\/\/127\.0\.0\.1:9003\/api\/Permits\nX-Api-Key: \[REDACTED\]\n/);
    assert.match(result.stdout, /\n\n3 requests to 3 connectors for permitApproved\n$/);
    for (const secret of ['sched-secret-token-value', 'registry-secret-key-value', 'dev-token', 'dev-registry-key']) {
      assert.ok(!result.stdout.includes(secret), `${secret} was printed`);
    }
  });

  test('shows a text batch as the body of a batch of one: the header line, the item, the final newline', async (t) => {
    const dir = await connectorDir(t, { 'event.json': JSON.stringify({ ...APPROVED, address: 'Unit "B", Rear', fee: 250 }) });
    const result = await runCli(['preview', '--event', join(dir, 'event.json'), repoPath('docs', 'examples', 'warehouse-csv.yaml')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^POST https:\/\/warehouse\.example\.com\/v1\/tables\/approved_permits\/loads\?format=csv&header=true$/m);
    assert.match(result.stdout, /^content-type: text\/csv; charset=utf-8$/m);
    assert.ok(result.stdout.includes('\n\npermit_id,approved_date,address,inspector,fee\n123,2024-06-01,"Unit ""B"", Rear",Lee,250\n\n'), result.stdout);
  });

  test('reads the event from standard input with --event -, and prints JSON with --format json', async () => {
    const result = await runCli(['preview', '--event', '-', '--format', 'json', repoPath('connectors.d')], {}, JSON.stringify({ type: 'permitCancelled', id: 'evt-1002', permitId: '2024/17' }));
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { deliveries: { connector: string; route: string; request: { method: string; url: string; headers: Record<string, string>; body: unknown } }[]; problems: unknown[] };
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.deliveries.map((d) => [d.connector, d.route, d.request.method, d.request.url, d.request.body]), [
      ['permit-registry', 'delete', 'DELETE', 'http://127.0.0.1:9003/api/Permits/2024%2F17', null],
      ['scheduling', 'free-slot', 'DELETE', 'http://127.0.0.1:9001/api/slots/2024%2F17', null],
      ['warehouse', 'ingest', 'POST', 'http://127.0.0.1:9002/ingest/permits', { eventType: 'permitCancelled', eventId: 'evt-1002', permitId: '2024/17' }],
    ]);
    assert.equal(report.deliveries[1]?.request.headers.Authorization, '[REDACTED]');
  });

  test('masks a URL from the environment and keeps an unset variable as its text', async (t) => {
    const dir = await connectorDir(t, {
      'from-env.yaml': lines('name: from-env', 'target:', '  url: ${env:HMS_TEST_PREVIEW_URL}', 'routes:', '  - on: ping', '    method: GET', '    path: /ping'),
    });
    const unset = await runCli(['preview', '--event', '-', dir], {}, '{"type":"ping"}');
    assert.equal(unset.code, 0, unset.stderr);
    assert.match(unset.stdout, /^GET \$\{env:HMS_TEST_PREVIEW_URL\}\/ping\n[\s\S]*\n\(no body\)\n/m);
    const set = await runCli(['preview', '--event', '-', dir], { HMS_TEST_PREVIEW_URL: 'http://internal-host:8443' }, '{"type":"ping"}');
    assert.match(set.stdout, /^GET \[REDACTED\]\/ping$/m);
    assert.doesNotMatch(set.stdout, /internal-host/);
  });

  test('reports invalid connectors on stderr, still previews the valid ones, and exits 1', async (t) => {
    const dir = await connectorDir(t, {
      'bad.yaml': lines('name: bad', 'target:', '  url: http://x', 'routes:', '  - on: ping', '    methd: GET'),
      'good.yaml': minimalConnector('good').replace('permitApproved', 'ping'),
    });
    const result = await runCli(['preview', '--event', '-', dir], {}, '{"type":"ping","id":1}');
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `${dir}/bad.yaml:6:5 routes[0].methd: unknown field "methd"; did you mean "method"?\n1 problem in 1 file; connectors with problems are not previewed\n`);
    assert.match(result.stdout, /^# good \/ 0\nPOST http:\/\/127\.0\.0\.1:9000\n/);
  });

  test('shows a failed mapping instead of a request, and exits 1', async (t) => {
    const dir = await connectorDir(t, { 'm.yaml': lines('name: m', 'target:', '  url: http://x', 'routes:', '  - name: r', '    on: ping', '    map: $error("no mapping for this event")') });
    const result = await runCli(['preview', '--event', '-', dir], {}, '{"type":"ping"}');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^# m \/ r\nMAPPING_FAILED: routes\[0\]\.map: .+\n\n0 requests to 1 connector for ping \(1 mapping error\)\n$/);
  });

  test('says so when no route matches', async () => {
    const result = await runCli(['preview', '--event', '-', repoPath('connectors.d')], {}, '{"type":"nobodyListens"}');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'no route matches events of type "nobodyListens"\n');
  });

  test('without --event, or with an event that is not JSON, exits 2 with a usage error', async () => {
    const missing = await runCli(['preview', repoPath('connectors.d')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--event FILE \(or - for standard input\) is required\nusage: hms-sync preview/);
    const notJson = await runCli(['preview', '--event', '-', repoPath('connectors.d')], {}, 'type=permitApproved');
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /^hms-sync: --event: standard input is not valid JSON/);
    const noFile = await runCli(['preview', '--event', '/nonexistent/event.json']);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /cannot read "\/nonexistent\/event\.json" \(ENOENT\)/);
  });
});
