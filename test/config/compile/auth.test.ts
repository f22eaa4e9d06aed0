import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { LoadResult } from '../../../engine/config/compiled.js';
import { loadConnectors } from '../../../engine/config/load/load-connectors.js';
import { connectorDir, lines } from '../connector-dir.js';

/** A connector with the given `auth:` lines (starting at line 4). */
async function load(t: TestContext, auth: string[], env: Record<string, string> = {}): Promise<LoadResult> {
  const text = lines('name: auth', 'target:', '  url: https://api.example.test', ...auth, 'routes:', '  - on: permitApproved');
  return loadConnectors(await connectorDir(t, { 'c.yaml': text }), { env });
}

const summary = (result: LoadResult) => result.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`);

test('bearer auth compiles its token, which is a secret', async (t) => {
  const result = await load(t, ['auth:', '  type: bearer', '  token: ${env:API_TOKEN}'], { API_TOKEN: 'tok-123456' });
  assert.deepEqual(result.problems, []);
  const [c] = result.connectors;
  assert.deepEqual(c?.auth, { type: 'bearer', token: 'tok-123456' });
  assert.deepEqual(c?.secrets, ['tok-123456']);
  assert.ok(Object.isFrozen(c?.auth));
});

test('basic auth compiles username and password; the password and the base64 pair are secrets', async (t) => {
  const result = await load(t, ['auth:', '  type: basic', '  username: svc-sync', '  password: ${env:PASSWORD}'], { PASSWORD: 'pa55word' });
  assert.deepEqual(result.problems, []);
  const [c] = result.connectors;
  assert.deepEqual(c?.auth, { type: 'basic', username: 'svc-sync', password: 'pa55word' });
  const encoded = Buffer.from('svc-sync:pa55word').toString('base64');
  // A literal username is an identifier; one from the environment would be a secret like any env value.
  assert.deepEqual(c?.secrets, [encoded, 'pa55word']);
});

test('header auth compiles name and value; the value is a secret', async (t) => {
  const result = await load(t, ['auth:', '  type: header', '  name: X-Api-Key', '  value: ${env:KEY}'], { KEY: 'key-abcdef' });
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.connectors[0]?.auth, { type: 'header', name: 'X-Api-Key', value: 'key-abcdef' });
  assert.deepEqual(result.connectors[0]?.secrets, ['key-abcdef']);
});

test('oauth2 auth compiles every field; the client secret is a secret', async (t) => {
  const result = await load(t, [
    'auth:',
    '  type: oauth2',
    '  tokenUrl: https://login.example.test/oauth2/token?api-version=2',
    '  clientId: hms-sync',
    '  clientSecret: ${env:CLIENT_SECRET}',
    '  scope: slots.write',
    '  audience: https://api.example.test',
  ], { CLIENT_SECRET: 'client-secret-1' });
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.connectors[0]?.auth, {
    type: 'oauth2',
    tokenUrl: 'https://login.example.test/oauth2/token?api-version=2',
    clientId: 'hms-sync',
    clientSecret: 'client-secret-1',
    scope: 'slots.write',
    audience: 'https://api.example.test',
  });
  assert.deepEqual(result.connectors[0]?.secrets, ['client-secret-1']);
});

test('an oauth2 tokenUrl must be an http(s) URL without credentials', async (t) => {
  const auth = (url: string) => ['auth:', '  type: oauth2', `  tokenUrl: "${url}"`, '  clientId: c', '  clientSecret: s'];
  assert.deepEqual(summary(await load(t, auth('https://user:pw@login.example.test/token'))), [
    '6:13 CONFIG_SCHEMA auth.tokenUrl: must not contain credentials (URLs end up in logs); put the client secret in auth.clientSecret',
  ]);
  assert.deepEqual(summary(await load(t, auth('https://exa mple/token'))), [
    '6:13 CONFIG_SCHEMA auth.tokenUrl: is not a valid URL; write the token endpoint like https://login.example.com/oauth2/token',
  ]);
  assert.deepEqual(summary(await load(t, auth('ftp://login/token'))), [
    '6:13 CONFIG_SCHEMA auth.tokenUrl: "ftp://login/token" is not an http(s) URL; write it like http://host:port or https://host/base',
  ]);
});

test('an unknown auth type is one problem with a suggestion, not one per kind of auth', async (t) => {
  assert.deepEqual(summary(await load(t, ['auth:', '  type: baerer', '  token: x'])), [
    '5:9 CONFIG_SCHEMA auth.type: "baerer" is not an auth type; use one of bearer, basic, header, oauth2; did you mean "bearer"?',
  ]);
  assert.deepEqual(summary(await load(t, ['auth:', '  token: x'])), ['5:3 CONFIG_SCHEMA auth: missing required field "type"; use one of bearer, basic, header, oauth2']);
});

test('auth problems come from the kind its type names, and never show a credential', async (t) => {
  assert.deepEqual(summary(await load(t, ['auth:', '  type: basic', '  username: u', '  pasword: hunter2-secret'])), [
    '5:3 CONFIG_SCHEMA auth: missing required field "password"',
    '7:3 CONFIG_SCHEMA auth.pasword: unknown field "pasword"; did you mean "password"?',
  ]);
  assert.deepEqual(summary(await load(t, ['auth:', '  type: bearer', '  token: [a, b]'])), ['6:10 CONFIG_SCHEMA auth.token: must be text, got a list']);
  const result = await load(t, ['auth:', '  type: header', '  name: X-Key', '  value: 12345678']);
  assert.deepEqual(summary(result), ['7:10 CONFIG_SCHEMA auth.value: must be text, got a number value (hidden)']);
});

test('a bearer token written with its "Bearer " prefix is a problem that does not quote it', async (t) => {
  const result = await load(t, ['auth:', '  type: bearer', '  token: Bearer ${env:T}'], { T: 'tok-123456' });
  assert.deepEqual(summary(result), ['6:10 CONFIG_SCHEMA auth.token: starts with "Bearer "; write the token alone, hms-sync adds the "Bearer " prefix']);
});

test('a basic username with ":" is a problem; a header auth name must be a header name', async (t) => {
  assert.deepEqual(summary(await load(t, ['auth:', '  type: basic', '  username: "a:b"', '  password: p'])), [
    '6:13 CONFIG_SCHEMA auth.username: must not contain ":" (Basic authentication joins username and password with it); check the value',
  ]);
  assert.deepEqual(summary(await load(t, ['auth:', '  type: header', '  name: "X Key"', '  value: v'])), [
    '6:9 CONFIG_SCHEMA auth.name: "X Key" is not a valid header name; use letters, digits and - (e.g. X-Api-Key), no spaces or colons',
  ]);
});

test('a credential from a file may not hold a line break', async (t) => {
  const dir = await connectorDir(t, {
    'c.yaml': lines('name: auth', 'target:', '  url: https://x', 'auth:', '  type: bearer', '  token: ${file:token}', 'routes: [{on: a}]'),
    token: 'line-one\nline-two\n',
  });
  const { problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(summary({ connectors: [], problems }), [
    '6:10 CONFIG_SCHEMA auth.token: holds a line break or NUL, which a header value cannot; if it comes from a file, keep the file to one line',
  ]);
});
