import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Problem } from '../../../engine/config/compiled.js';
import { loadConnectors } from '../../../engine/config/load/load-connectors.js';
import { connectorDir, lines } from '../connector-dir.js';

async function problemsOf(t: import('node:test').TestContext, text: string): Promise<Problem[]> {
  const dir = await connectorDir(t, { 'c.yaml': text });
  const result = await loadConnectors(dir, { env: {} });
  assert.equal(result.connectors.length, 0, 'a file with problems yields no connector');
  return [...result.problems];
}

const summary = (problems: readonly Problem[]) => problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`);

test('an unknown key points at the key and suggests the field meant', async (t) => {
  const problems = await problemsOf(t, lines('name: c', 'target:', '  url: http://x', 'routes:', '  - on: permitApproved', '    methd: POST'));
  assert.deepEqual(summary(problems), ['6:5 CONFIG_SCHEMA routes[0].methd: unknown field "methd"; did you mean "method"?']);
});

test('an unknown key with no close match lists the allowed fields', async (t) => {
  const problems = await problemsOf(t, lines('name: c', 'target:', '  url: http://x', '  proxy: http://p', 'routes:', '  - on: a'));
  assert.deepEqual(summary(problems), ['4:3 CONFIG_SCHEMA target.proxy: unknown field "proxy"; allowed fields are url, headers, timeout']);
});

test('a missing required field points at the mapping that lacks it', async (t) => {
  const problems = await problemsOf(t, lines('name: c', 'target:', '  headers: {}', 'routes:', '  - when: x = 1', '    method: GET'));
  assert.deepEqual(summary(problems), [
    '3:3 CONFIG_SCHEMA target: missing required field "url"',
    '5:5 CONFIG_SCHEMA routes[0]: missing required field "on"',
  ]);
});

test('a bad duration says how to write one, with a guess at what was meant', async (t) => {
  const problems = await problemsOf(t, lines('name: c', 'target:', '  url: http://x', '  timeout: 15 sec', 'routes: [{on: a}]', 'retry:', '  schedule: [5s, 2 minutes, 1w]'));
  assert.deepEqual(summary(problems), [
    '4:12 CONFIG_SCHEMA target.timeout: "15 sec" is not a duration; write a whole number followed by ms, s, m, h or d (e.g. 15s)',
    '7:18 CONFIG_SCHEMA retry.schedule[1]: "2 minutes" is not a duration; write a whole number followed by ms, s, m, h or d (e.g. 2m)',
    '7:29 CONFIG_SCHEMA retry.schedule[2]: "1w" is not a duration; write a whole number followed by ms, s, m, h or d (e.g. 15s)',
  ]);
});

test('a bad `on` gives one clear message per bad value, not one per oneOf branch', async (t) => {
  const problems = await problemsOf(t, lines('name: c', 'target: {url: "http://x"}', 'routes:', '  - on: 5', '  - on: []', '  - on: [ok, "bad type"]'));
  assert.deepEqual(summary(problems), [
    '4:9 CONFIG_SCHEMA routes[0].on: must be an event type, a glob (e.g. "permit.*") or a list of them, got 5',
    '5:9 CONFIG_SCHEMA routes[1].on: the list is empty; give at least one event type or glob',
    '6:14 CONFIG_SCHEMA routes[2].on[1]: "bad type" is not an event type or glob; use letters, digits, _ . : - and * (any run of characters)',
  ]);
});

test('enum, type, range and name problems say what to write', async (t) => {
  const problems = await problemsOf(t, lines('name: My Connector', 'target: {url: "ftp://x"}', 'routes:', '  - on: a', '    method: post', '    path: api/x', 'concurrency: 0'));
  assert.deepEqual(summary(problems), [
    '1:7 CONFIG_SCHEMA name: "My Connector" is not a valid connector name; use lowercase letters, digits and dashes, starting with a letter (e.g. "my-connector")',
    '2:15 CONFIG_SCHEMA target.url: "ftp://x" is not an http(s) URL; write it like http://host:port or https://host/base',
    '5:13 CONFIG_SCHEMA routes[0].method: "post" is not allowed; use one of GET, POST, PUT, PATCH, DELETE; did you mean "POST"?',
    '6:11 CONFIG_SCHEMA routes[0].path: "api/x" must start with "/" (e.g. "/api/slots")',
    '7:14 CONFIG_SCHEMA concurrency: 0 is out of range; use a whole number from 1 to 1024',
  ]);
});

test('header values never appear in problem messages', async (t) => {
  const problems = await problemsOf(t, lines('name: c', 'target:', '  url: http://x', '  headers:', '    X-Api-Key: 918273645', 'routes: [{on: a}]'));
  assert.deepEqual(summary(problems), ['5:16 CONFIG_SCHEMA target.headers["X-Api-Key"]: must be text, got a number value (hidden)']);
});

test('an empty value points at its key', async (t) => {
  const problems = await problemsOf(t, lines('name: c', 'target:', 'routes: [{on: a}]'));
  assert.deepEqual(summary(problems), ['2:1 CONFIG_SCHEMA target: must be a mapping (key: value entries), got nothing (an empty value)']);
});

test('checks beyond the schema: URL shape, timeout range and unique route names', async (t) => {
  const problems = await problemsOf(t, lines(
    'name: c',
    'target:',
    '  url: http://user:pw@x/api?debug=1',
    '  timeout: 0s',
    'routes:',
    '  - {on: a, name: sync}',
    '  - {on: b, name: sync}',
  ));
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.code]), [[3, 8, 'CONFIG_SCHEMA'], [4, 12, 'CONFIG_SCHEMA'], [7, 19, 'CONFIG_DUPLICATE_NAME']]);
  assert.match(problems[0]?.message ?? '', /query string/);
  assert.match(problems[2]?.message ?? '', /routes\[1\]\.name: route name "sync" is already used by routes\[0\]/);
});

test('URL credentials are refused', async (t) => {
  const problems = await problemsOf(t, lines('name: c', 'target:', '  url: https://user:pw@x', 'routes: [{on: a}]'));
  assert.deepEqual(problems.map((p) => [p.line, p.column]), [[3, 8]]);
  assert.match(problems[0]?.message ?? '', /credentials/);
});
