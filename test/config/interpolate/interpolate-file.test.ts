import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConnectors } from '../../../engine/config/load/load-connectors.js';
import { loadConnectorsWithTests } from '../../../engine/config/load/load-with-tests.js';
import { connectorDir, lines } from '../connector-dir.js';

function connector(extra: string[], url = 'http://x'): string {
  return lines('name: files', 'target:', `  url: ${url}`, ...extra, 'routes:', '  - on: permitApproved');
}

const summary = (problems: readonly { line: number; column: number; code: string; message: string }[]) => problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`);

test('${file:PATH} is the file\'s text without its trailing line breaks, and a secret', async (t) => {
  const dir = await connectorDir(t, { 'secrets/token': 'from-a-file-123\n', 'secrets/crlf': 'crlf-value\r\n\r\n', 'secrets/lines': 'one\ntwo\n' });
  const text = connector([
    '  headers:',
    `    Authorization: Bearer \${file:${join(dir, 'secrets/token')}}`,
    `    X-Crlf: \${file:${join(dir, 'secrets/crlf')}}`,
    `    X-Lines: \${file:${join(dir, 'secrets/lines')}}`,
  ]);
  const { connectors, problems } = await loadConnectors(await connectorDir(t, { 'c.yaml': text }), { env: {} });
  assert.deepEqual(problems, []);
  const [c] = connectors;
  assert.deepEqual(c?.target.headers, { Authorization: 'Bearer from-a-file-123', 'X-Crlf': 'crlf-value', 'X-Lines': 'one\ntwo' });
  assert.ok(c?.secrets.includes('from-a-file-123'));
});

test('a relative ${file:...} path starts at the connector file\'s directory', async (t) => {
  const dir = await connectorDir(t, { 'c.yaml': connector(['  headers:', '    X-Api-Key: ${file:secrets/key}']), 'secrets/key': 'relative-key' });
  const { connectors, problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems, []);
  assert.equal(connectors[0]?.target.headers['X-Api-Key'], 'relative-key');
});

test('a file referenced twice is read once per load', async (t) => {
  const dir = await connectorDir(t, {
    'c.yaml': connector(['  headers:', '    X-A: ${file:key}', '    X-B: "${file:key}-again"']),
    key: 'shared-key',
  });
  const reads: string[] = [];
  const { connectors } = await loadConnectors(dir, { env: {}, readFile: (path) => (reads.push(path), readFile(path)) });
  assert.deepEqual(connectors[0]?.target.headers, { 'X-A': 'shared-key', 'X-B': 'shared-key-again' });
  assert.deepEqual(reads, [join(dir, 'key')]);
});

test('a missing file is CONFIG_SECRET_FILE at the reference, saying how to fix it', async (t) => {
  const dir = await connectorDir(t, { 'c.yaml': connector(['  headers:', '    Authorization: Bearer ${file:/run/secrets/hms-test-absent}']) });
  const { connectors, problems } = await loadConnectors(dir, { env: {} });
  assert.equal(connectors.length, 0);
  assert.deepEqual(summary(problems), [
    '5:27 CONFIG_SECRET_FILE target.headers.Authorization: secret file "/run/secrets/hms-test-absent" does not exist; mount the secret there, fix the path (relative paths start at the directory of the file that names it), or give a default: ${file:/run/secrets/hms-test-absent:-value}',
  ]);
});

test('a missing relative file names both the path written and where it resolved', async (t) => {
  const dir = await connectorDir(t, { 'c.yaml': connector([], '${file:url.txt}') });
  const { problems } = await loadConnectors(dir, { env: {} });
  // Reported once: the unresolved URL's own schema problem is left out.
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.code]), [[3, 8, 'CONFIG_SECRET_FILE']]);
  assert.match(problems[0]?.message ?? '', new RegExp(`"url\\.txt" \\(${join(dir, 'url.txt').replace(/[/.]/g, '\\$&')}\\) does not exist`));
});

test(':-default applies when the file does not exist or is empty, and is not a secret', async (t) => {
  const dir = await connectorDir(t, {
    'c.yaml': connector(['  headers:', '    X-A: ${file:absent:-default-a}', '    X-B: ${file:empty:-default-b}', '    X-C: ${file:present:-default-c}']),
    empty: '\n',
    present: 'present-value',
  });
  const { connectors, problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems, []);
  const c = connectors[0];
  assert.deepEqual(c?.target.headers, { 'X-A': 'default-a', 'X-B': 'default-b', 'X-C': 'present-value' });
  // Header values are secrets whatever their origin; the defaults are not secrets as file values.
  assert.deepEqual(c?.secrets, ['present-value', 'default-a', 'default-b']);
});

test('a file that cannot be read is a problem even with a default: a broken mount is not an absent secret', async (t) => {
  const dir = await connectorDir(t, { 'c.yaml': connector(['  headers:', '    X-Key: ${file:/run/secrets/key:-dev}']) });
  const denied = async (): Promise<Uint8Array> => {
    throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
  };
  const { problems } = await loadConnectors(dir, { env: {}, readFile: denied });
  assert.deepEqual(summary(problems), [
    '5:12 CONFIG_SECRET_FILE target.headers["X-Key"]: secret file "/run/secrets/key" is not readable by hms-sync (EACCES); fix its permissions or ownership',
  ]);
});

test('a directory named as a secret file says to name the file inside it', async (t) => {
  const dir = await connectorDir(t, { 'c.yaml': connector(['  headers:', '    X-Key: ${file:secrets}']), 'secrets/key': 'k' });
  const { problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.code]), [[5, 12, 'CONFIG_SECRET_FILE']]);
  assert.match(problems[0]?.message ?? '', /is a directory; name the file inside it, e\.g\. \$\{file:secrets\/token\}/);
});

test('env-optional loads keep an unreadable file\'s reference as text, and check nothing about it', async (t) => {
  const text = lines(
    'name: files',
    'target:',
    '  url: ${file:/run/secrets/hms-test-absent-url}',
    'auth:',
    '  type: bearer',
    '  token: ${file:/run/secrets/hms-test-absent-token}',
    'signing:',
    '  secrets: ["${file:/run/secrets/hms-test-absent-whsec}"]',
    'routes:',
    '  - on: permitApproved',
    '    headers:',
    '      X-Key: "k-${file:/run/secrets/hms-test-absent-key}-{id}"',
  );
  const dir = await connectorDir(t, { 'c.yaml': text });
  const { connectors, problems } = await loadConnectors(dir, { env: {}, envOptional: true });
  assert.deepEqual(problems, []);
  const c = connectors[0];
  assert.equal(c?.target.url, '${file:/run/secrets/hms-test-absent-url}');
  assert.deepEqual(c?.auth, { type: 'bearer', token: '${file:/run/secrets/hms-test-absent-token}' });
  assert.deepEqual(c?.signing?.secrets, ['${file:/run/secrets/hms-test-absent-whsec}']);
  // The kept reference is literal text of the header template, not a {...} placeholder.
  const parts = c?.routes[0]?.headers[0]?.value ?? [];
  assert.deepEqual(parts.map((part) => ('literal' in part ? part.literal : `{${part.expression.source}}`)), ['k-${file:/run/secrets/hms-test-absent-key}-', '{id}']);
});

test('values shorter than MIN_SECRET_LENGTH read from files are used but not listed as secrets', async (t) => {
  const dir = await connectorDir(t, { 'c.yaml': connector(['description: "${file:short}"']), short: 'abc\n' });
  const { connectors, problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems, []);
  assert.equal(connectors[0]?.description, 'abc');
  assert.deepEqual(connectors[0]?.secrets, []);
});

test('an empty ${file:} is malformed, with the escape hint', async (t) => {
  const dir = await connectorDir(t, { 'c.yaml': connector(['description: "${file:}"']) });
  const { problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.code]), [[4, 15, 'CONFIG_SCHEMA']]);
  assert.match(problems[0]?.message ?? '', /\$\{file:\/run\/secrets\/NAME\}.*\$\$\{/);
});

test('validate accepts ${file:...} credentials and flags literal ones, never quoting them', async (t) => {
  const text = lines(
    'name: lint',
    'target:',
    '  url: http://x',
    'auth:',
    '  type: basic',
    '  username: svc-user',
    '  password: literal-password-1',
    'signing:',
    '  secrets: ["${file:/run/secrets/whsec}", whsec_bGl0ZXJhbC1zaWduaW5nLWtleQ==]',
    'routes:',
    '  - on: a',
    '    headers:',
    '      X-Api-Key: literal-route-key',
    '      Authorization: "Bearer {token}"',
    '      X-Token: ${file:/run/secrets/route-token}',
  );
  const dir = await connectorDir(t, { 'c.yaml': text });
  const { problems } = await loadConnectors(dir, { env: {}, envOptional: true, reportLiteralSecrets: true });
  assert.deepEqual(summary(problems), [
    '7:13 CONFIG_LITERAL_SECRET auth.password: looks like a literal credential; connector files are committed, so move it to an environment variable: password: ${env:LINT_PASSWORD}',
    '9:43 CONFIG_LITERAL_SECRET signing.secrets[1]: looks like a literal credential; connector files are committed, so move it to an environment variable: - ${env:LINT_SIGNING_SECRET}',
    '13:18 CONFIG_LITERAL_SECRET routes[0].headers["X-Api-Key"]: looks like a literal credential; connector files are committed, so move it to an environment variable: X-Api-Key: ${env:LINT_API_KEY}',
  ]);
});

test('a connector test file reads ${file:...} like its connector file', async (t) => {
  const dir = await connectorDir(t, {
    'c.yaml': connector([]),
    'c.test.yaml': lines('tests:', '  - name: ${file:test-name}', '    event: { type: permitApproved }', '    expect: []'),
    'test-name': 'named from a file\n',
  });
  const result = await loadConnectorsWithTests([dir], { env: {} });
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.tests.get('files')?.map((c) => c.test.name), ['named from a file']);
  const missing = await connectorDir(t, { 'c.yaml': connector([]), 'c.test.yaml': lines('tests:', '  - name: ${file:absent}', '    event: { type: a }', '    expect: []') });
  const failed = await loadConnectorsWithTests([missing], { env: {} });
  assert.deepEqual(failed.problems.map((p) => [p.file.slice(missing.length + 1), p.line, p.column, p.code]), [['c.test.yaml', 2, 11, 'CONFIG_SECRET_FILE']]);
});
