/**
 * The console with an API token: it asks for a token once and keeps a session cookie (HttpOnly,
 * SameSite=Strict, Path=/console) that expires; the API token may act, the read token may read
 * (no action buttons, its posts 403 FORBIDDEN), the ingest and metrics tokens cannot log in (403),
 * a wrong token is 401. The API's Bearer check still guards every other path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CONSOLE_CSP } from '../../../engine/api/console/layout.js';
import { SESSION_TTL_MS } from '../../../engine/api/console/session.js';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine.js';
import { consoleClient, textOf, type ConsoleClient } from './console-helpers.js';

const TOKENS = { api: 'api-token-1d6c0f3a', read: 'read-token-8b2e7c41', ingest: 'ingest-token-5a9d3e26', metrics: 'metrics-token-7f4b1c98' } as const;
const CONNECTOR = `
name: registry
target:
  url: http://127.0.0.1:9
routes:
  - name: create
    on: permitApproved
`;

describe('console login, sessions and roles', () => {
  let harness: TestEngine;
  const clients: ConsoleClient[] = [];

  before(async () => {
    harness = await startTestEngine({ 'registry.yaml': CONNECTOR });
  });
  after(async () => {
    for (const client of clients) await client.app.close();
    await harness.close();
  });

  async function client() {
    const made = await consoleClient(harness, { apiToken: TOKENS.api, readToken: TOKENS.read, ingestToken: TOKENS.ingest, metricsToken: TOKENS.metrics });
    clients.push(made);
    return made;
  }

  async function loggedIn(token: string) {
    const made = await client();
    const response = await made.post('/console/login', { token });
    assert.equal(response.statusCode, 303);
    return made;
  }

  test('a page without a session redirects to the login form; a form post is 401', async () => {
    const anonymous = await client();
    for (const url of ['/console/', '/console/deliveries', '/console/dead', '/console/replays', '/console/deliveries/x']) {
      const response = await anonymous.get(url);
      assert.equal(response.statusCode, 303, url);
      assert.equal(response.headers.location, '/console/login', url);
      assert.equal(response.headers['content-security-policy'], CONSOLE_CSP, url);
    }
    const form = await anonymous.get('/console/login');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<input type="password" name="token"/);
    const post = await anonymous.post('/console/connectors/registry/pause', { _csrf: 'x' });
    assert.equal(post.statusCode, 401);
    assert.match(textOf(post.body), /UNAUTHORIZED/);
    // A Bearer header opens the API, not the console.
    const bearer = await anonymous.app.inject({ method: 'GET', url: '/console/', headers: { authorization: `Bearer ${TOKENS.api}` } });
    assert.equal(bearer.statusCode, 303);
  });

  test('logging in with the API token sets an HttpOnly, SameSite=Strict cookie on /console, and the console acts', async () => {
    const api = await client();
    const response = await api.post('/console/login', { token: TOKENS.api });
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/console/');
    const cookie = String(response.headers['set-cookie']);
    assert.match(cookie, /^hms_console=[A-Za-z0-9_-]{43}; /);
    for (const flag of ['HttpOnly', 'SameSite=Strict', 'Path=/console', `Max-Age=${SESSION_TTL_MS / 1000}`]) assert.ok(cookie.includes(flag), `${flag} in ${cookie}`);
    assert.ok(!cookie.includes(TOKENS.api), 'the cookie is not the token');
    const overview = await api.get('/console/');
    assert.equal(overview.statusCode, 200);
    assert.match(textOf(overview.body), /api token Log out/);
    assert.match(overview.body, /action="\/console\/connectors\/registry\/pause"/);
    assert.equal((await api.post('/console/connectors/registry/pause')).statusCode, 303);
    assert.equal((await harness.engine.status()).flow.registry?.state, 'paused-by-operator');
    assert.equal((await api.post('/console/connectors/registry/resume')).statusCode, 303);
    const line = harness.logs.lines().find((l) => l.msg === 'api write' && l.request === 'POST /console/connectors/:name/pause' && l.status === 303);
    assert.equal(line?.who, 'api token');
    assert.ok(!harness.logs.text().includes(TOKENS.api), 'the token is never logged');
  });

  test('the read token reads the console without action buttons; its posts are 403 FORBIDDEN', async () => {
    const reader = await loggedIn(TOKENS.read);
    for (const url of ['/console/', '/console/replays', '/console/dead', '/console/deliveries']) {
      const page = await reader.get(url);
      assert.equal(page.statusCode, 200, url);
      assert.doesNotMatch(page.body, /method="post" action="\/console\/(?!logout)/, `${url} shows no action`);
    }
    assert.match(textOf((await reader.get('/console/')).body), /read token \(read only\)/);
    const post = await reader.post('/console/connectors/registry/pause');
    assert.equal(post.statusCode, 403);
    assert.match(textOf(post.body), /FORBIDDEN: the read token may read the console but not act/);
    assert.equal((await harness.engine.status()).flow.registry?.state, 'active');
    assert.equal((await reader.post('/console/logout')).statusCode, 303, 'a reader may log out');
  });

  test('a wrong token is 401 and the form says so; the ingest and metrics tokens are 403', async () => {
    const wrong = await (await client()).post('/console/login', { token: 'guess' });
    assert.equal(wrong.statusCode, 401);
    assert.match(textOf(wrong.body), /That token is not one this engine knows/);
    assert.equal(wrong.headers['set-cookie'], undefined);
    for (const token of [TOKENS.ingest, TOKENS.metrics]) {
      const refused = await (await client()).post('/console/login', { token });
      assert.equal(refused.statusCode, 403);
      assert.match(textOf(refused.body), /cannot open the console/);
      assert.equal(refused.headers['set-cookie'], undefined);
    }
  });

  test('a session carries its own CSRF token: another session\'s is 403 CSRF_INVALID', async () => {
    const first = await loggedIn(TOKENS.api);
    const second = await loggedIn(TOKENS.api);
    await first.get('/console/');
    await second.get('/console/');
    assert.notEqual(first.csrf, second.csrf);
    const crossed = await first.post('/console/connectors/registry/pause', { _csrf: second.csrf! });
    assert.equal(crossed.statusCode, 403);
    assert.match(textOf(crossed.body), /CSRF_INVALID/);
    const login = await (await client()).post('/console/login', { token: TOKENS.api }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(login.statusCode, 403, 'a login posted from another site is refused');
  });

  test('logout ends the session and clears the cookie; a session expires after its lifetime', async () => {
    const api = await loggedIn(TOKENS.api);
    const stale = api.cookie!;
    await api.get('/console/');
    const out = await api.post('/console/logout');
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers.location, '/console/login');
    assert.match(String(out.headers['set-cookie']), /^hms_console=; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=0/);
    const reused = await api.app.inject({ method: 'GET', url: '/console/', headers: { cookie: stale } });
    assert.equal(reused.statusCode, 303, 'the old cookie opens nothing');

    const later = await loggedIn(TOKENS.api);
    assert.equal((await later.get('/console/')).statusCode, 200);
    harness.clock.advance(SESSION_TTL_MS);
    const expired = await later.get('/console/');
    assert.equal(expired.statusCode, 303);
    assert.equal(expired.headers.location, '/console/login');
  });

  test('the API keeps its Bearer check: a console cookie opens no API path', async () => {
    const api = await loggedIn(TOKENS.api);
    for (const url of ['/status', '/deliveries', '/consolex', '/console%2F..%2Fstatus']) {
      const response = await api.get(url);
      assert.ok(response.statusCode === 401, `${url} answered ${response.statusCode}`);
    }
  });
});
