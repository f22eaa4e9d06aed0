import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConnectors } from '../../../engine/config/load/load-connectors.js';
import { connectorDir, lines } from '../connector-dir.js';

function connector(url: string, extra: string[] = []): string {
  return lines('name: env', 'target:', `  url: ${url}`, ...extra, 'routes:', '  - on: permitApproved');
}

test('replaces ${env:NAME} with the variable and ${env:NAME:-default} with the default when unset', async (t) => {
  const dir = await connectorDir(t, {
    'env.yaml': connector('${env:BASE}', ['  headers:', '    X-A: ${env:UNSET:-fallback}', '    X-B: "pre-${env:SET:-no}-post"']),
  });
  const { connectors, problems } = await loadConnectors(dir, { env: { BASE: 'http://from-env:1234', SET: 'yes' } });
  assert.deepEqual(problems, []);
  assert.equal(connectors[0]?.target.url, 'http://from-env:1234');
  assert.deepEqual(connectors[0]?.target.headers, { 'X-A': 'fallback', 'X-B': 'pre-yes-post' });
});

test('a default also applies when the variable is set but empty, as in the shell', async (t) => {
  const dir = await connectorDir(t, { 'env.yaml': connector('${env:BASE:-http://default:1}') });
  const { connectors } = await loadConnectors(dir, { env: { BASE: '' } });
  assert.equal(connectors[0]?.target.url, 'http://default:1');
});

test('a missing variable without a default is CONFIG_ENV_MISSING at the reference, saying how to fix it', async (t) => {
  const dir = await connectorDir(t, {
    'env.yaml': connector('http://x', ['  headers:', '    Authorization: Bearer ${env:API_TOKEN}']),
  });
  const { connectors, problems } = await loadConnectors(dir, { env: {} });
  assert.equal(connectors.length, 0);
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.code]), [[5, 27, 'CONFIG_ENV_MISSING']]);
  assert.match(problems[0]?.message ?? '', /^target\.headers\.Authorization: environment variable API_TOKEN is not set; set it, or give a default: \$\{env:API_TOKEN:-value\}$/);
});

test('an unset variable inside tests: is kept as text, not a problem: a test cannot make its connector unloadable', async (t) => {
  const tests = ['tests:', '  - name: carries a reference', '    event: { type: permitApproved, note: "${env:ONLY_IN_TEST}" }', '    expect: []'];
  const dir = await connectorDir(t, { 'env.yaml': connector('http://x', ['  headers:', '    X-Set: ${env:SET}']) + lines(...tests) });
  const { connectors, problems } = await loadConnectors(dir, { env: { SET: 'yes' } });
  assert.deepEqual(problems, []);
  assert.equal(connectors[0]?.target.headers['X-Set'], 'yes');
  assert.deepEqual(connectors[0]?.source.tests?.[0]?.event, { type: 'permitApproved', note: '${env:ONLY_IN_TEST}' });
  // Outside tests: the same reference still refuses the file.
  const outside = await connectorDir(t, { 'env.yaml': connector('http://x', ['  headers:', '    X-Set: ${env:ONLY_IN_TEST}']) });
  assert.deepEqual((await loadConnectors(outside, { env: {} })).problems.map((p) => p.code), ['CONFIG_ENV_MISSING']);
});

test('a missing variable is reported once, without follow-on schema problems for the same value', async (t) => {
  const dir = await connectorDir(t, { 'env.yaml': connector('${env:BASE_URL}') });
  const { problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.code]), [[3, 8, 'CONFIG_ENV_MISSING']]);
});

test('$${ writes a literal ${ and is not interpolated', async (t) => {
  const dir = await connectorDir(t, { 'env.yaml': connector('http://x', ['  headers:', '    X-Literal: "$${env:NOT_READ} and $5"']) });
  const { connectors, problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems, []);
  assert.equal(connectors[0]?.target.headers['X-Literal'], '${env:NOT_READ} and $5');
});

test('a malformed reference is a problem with the escape hint', async (t) => {
  const dir = await connectorDir(t, { 'env.yaml': connector('${SCHEDULING_URL}') });
  const { problems } = await loadConnectors(dir, { env: { SCHEDULING_URL: 'http://x' } });
  assert.deepEqual(problems.map((p) => [p.line, p.column]), [[3, 8]]);
  assert.match(problems[0]?.message ?? '', /\$\{env:NAME\}.*\$\$\{/);
});

test('a variable cannot inject YAML structure: its value stays one string', async (t) => {
  const dir = await connectorDir(t, { 'env.yaml': connector('http://x', ['  headers:', '    X-Injected: ${env:EVIL}']) });
  const evil = 'a\nconcurrency: 1\nroutes: []';
  const { connectors, problems } = await loadConnectors(dir, { env: { EVIL: evil } });
  assert.deepEqual(problems, []);
  assert.equal(connectors[0]?.target.headers['X-Injected'], evil);
  assert.equal(connectors[0]?.concurrency, 16);
  assert.equal(connectors[0]?.routes.length, 1);
});

test('line numbers stay right after a multi-line value is interpolated', async (t) => {
  const text = lines('name: env', 'description: ${env:LONG}', 'target:', '  url: http://x', '  timeout: 15 sec', 'routes:', '  - on: a');
  const dir = await connectorDir(t, { 'env.yaml': text });
  const { problems } = await loadConnectors(dir, { env: { LONG: 'one\ntwo\nthree' } });
  assert.deepEqual(problems.map((p) => [p.line, p.column]), [[5, 12]]);
});

test('reads only the env passed in, never process.env', async (t) => {
  process.env.HMS_CONFIG_TEST_ONLY_IN_PROCESS_ENV = 'http://leak';
  t.after(() => {
    delete process.env.HMS_CONFIG_TEST_ONLY_IN_PROCESS_ENV;
  });
  const dir = await connectorDir(t, { 'env.yaml': connector('${env:HMS_CONFIG_TEST_ONLY_IN_PROCESS_ENV}') });
  const { problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems.map((p) => p.code), ['CONFIG_ENV_MISSING']);
});

test('mapping keys are not interpolated', async (t) => {
  const dir = await connectorDir(t, { 'env.yaml': connector('http://x', ['  headers:', '    ${env:KEY}: v']) });
  const { connectors } = await loadConnectors(dir, { env: { KEY: 'X-Key' } });
  assert.deepEqual(Object.keys(connectors[0]?.target.headers ?? {}), ['${env:KEY}']);
});
