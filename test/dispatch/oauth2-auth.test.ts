import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import type { CompiledConnector } from '../../engine/config/compiled.js';
import { createAuthenticator, type Authenticator } from '../../engine/dispatch/auth/authenticator.js';
import { TOKEN_REFRESH_MARGIN_MS } from '../../engine/dispatch/auth/oauth2-token-source.js';
import { classify } from '../../engine/dispatch/classify.js';
import { createHttpClient, type HttpClient, type HttpResult } from '../../engine/dispatch/http-client.js';
import { renderRequest } from '../../engine/dispatch/render-request.js';
import { compiledConnector } from '../helpers/compiled-connector.js';
import { startOAuth2Server, type OAuth2Server } from '../helpers/oauth2-server.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const CLIENT_SECRET = 'cs-4f1e9b7d2a6c';

describe('OAuth2 client credentials', () => {
  let oauth: OAuth2Server;
  let api: Receiver;
  let clock: ReturnType<typeof manualClock>;
  let http: HttpClient;
  let authenticator: Authenticator;

  before(async () => {
    api = await startReceiver();
  });
  after(async () => {
    await api.close();
  });
  beforeEach(async () => {
    oauth = await startOAuth2Server();
    clock = manualClock();
    http = createHttpClient({ clock });
    authenticator = createAuthenticator({ http, clock });
    api.requests.length = 0;
    api.respond = () => 200;
  });
  afterEach(async () => {
    await http.close();
    await oauth.close();
  });

  const connector = (tokenUrl = oauth.tokenUrl): CompiledConnector =>
    compiledConnector({
      url: api.url,
      route: { path: '/items/{id}' },
      auth: { type: 'oauth2', tokenUrl, clientId: 'hms', clientSecret: CLIENT_SECRET, scope: 'items:write', audience: 'https://api.example' },
      secrets: [CLIENT_SECRET],
    });

  const send = async (target: CompiledConnector, id = 1): Promise<HttpResult> => {
    const route = target.routes[0]!;
    const request = await renderRequest(target, route, { type: 'thing', id }, { deliveryId: `d-${id}`, userAgent: 'hms-sync/test' });
    return authenticator.send(target, request, `d-${id}`);
  };
  const statusOf = (result: HttpResult) => (result.kind === 'response' ? result.status : result.message);
  const bearers = () => api.requests.map((request) => request.headers.authorization);

  test('twenty concurrent sends share one token request, made with the client credentials in the form body', async () => {
    oauth.delayMs = 50;
    const target = connector();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => send(target, i)));
    assert.deepEqual(results.map(statusOf), Array(20).fill(200));
    assert.equal(oauth.requests.length, 1);
    assert.deepEqual(oauth.requests[0], {
      contentType: 'application/x-www-form-urlencoded',
      fields: { grant_type: 'client_credentials', client_id: 'hms', client_secret: CLIENT_SECRET, scope: 'items:write', audience: 'https://api.example' },
    });
    assert.deepEqual(new Set(bearers()), new Set(['Bearer access-1']));
  });

  test('reuses the token until the safety margin before expiry, then fetches exactly one more', async () => {
    const target = connector();
    await send(target);
    clock.advance(3600_000 - TOKEN_REFRESH_MARGIN_MS - 1);
    await send(target);
    assert.equal(oauth.requests.length, 1);
    clock.advance(1);
    await Promise.all([send(target), send(target)]);
    assert.equal(oauth.requests.length, 2);
    assert.deepEqual(bearers(), ['Bearer access-1', 'Bearer access-1', 'Bearer access-2', 'Bearer access-2']);
  });

  test('a short-lived token is refreshed 10% of its lifetime early', async () => {
    oauth.expiresInSeconds = 100;
    const target = connector();
    await send(target);
    clock.advance(89_999);
    await send(target);
    assert.equal(oauth.requests.length, 1);
    clock.advance(1);
    await send(target);
    assert.equal(oauth.requests.length, 2);
  });

  test('a 401 to the cached token fetches a new one and resends the request once', async () => {
    const target = connector();
    await send(target);
    api.respond = (request) => (request.headers.authorization === 'Bearer access-1' ? 401 : 200);
    const result = await send(target, 7);
    assert.equal(statusOf(result), 200);
    assert.equal(oauth.requests.length, 2);
    const [, stale, resent] = api.requests;
    assert.equal(stale?.headers.authorization, 'Bearer access-1');
    assert.equal(resent?.headers.authorization, 'Bearer access-2');
    assert.equal(resent?.url, '/items/7');
    assert.equal(resent?.headers['idempotency-key'], stale?.headers['idempotency-key']);
    assert.equal(resent?.body, stale?.body);
  });

  test('a second 401 is returned as it is, after exactly one refresh', async () => {
    api.respond = () => ({ status: 401, body: 'token rejected' });
    const result = await send(connector());
    assert.equal(statusOf(result), 401);
    assert.equal(oauth.requests.length, 2);
    assert.equal(api.requests.length, 2);
    assert.equal(classify(result).kind, 'dead');
  });

  test('concurrent 401s to one stale token cause a single refresh', async () => {
    const target = connector();
    await send(target);
    api.respond = (request) => (request.headers.authorization === 'Bearer access-1' ? 401 : 200);
    oauth.delayMs = 30;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => send(target, i)));
    assert.deepEqual(results.map(statusOf), Array(10).fill(200));
    assert.equal(oauth.requests.length, 2);
  });

  test('a failing token endpoint is a retryable failure that names the status, and is not cached', async () => {
    oauth.failWith = { status: 500, body: 'boom' };
    const target = connector();
    const failed = await send(target);
    assert.deepEqual(classify(failed), { kind: 'retry', code: 'TARGET_UNAVAILABLE', reason: 'TARGET_UNAVAILABLE: OAuth2 token endpoint answered 500' });
    assert.equal(api.requests.length, 0);
    oauth.failWith = undefined;
    assert.equal(statusOf(await send(target)), 200);
    assert.equal(oauth.requests.length, 2);
  });

  test('a refused client shows the OAuth2 error code, never the secret or the description', async () => {
    oauth.failWith = { status: 401, body: JSON.stringify({ error: 'invalid_client', error_description: `secret ${CLIENT_SECRET} is wrong` }) };
    const verdict = classify(await send(connector()));
    assert.deepEqual(verdict, { kind: 'retry', code: 'TARGET_UNAVAILABLE', reason: 'TARGET_UNAVAILABLE: OAuth2 token endpoint answered 401 (invalid_client)' });
  });

  test('an unreachable token endpoint is a retryable connection failure', async () => {
    const closed = await startOAuth2Server();
    await closed.close();
    const verdict = classify(await send(connector(closed.tokenUrl)));
    assert.equal(verdict.kind, 'retry');
    assert.match((verdict as { reason: string }).reason, /^TARGET_UNAVAILABLE: OAuth2 token endpoint unreachable: .*ECONNREFUSED/);
  });

  test('a token the target echoes in an error body is redacted', async () => {
    api.respond = (request) => ({ status: 400, body: `bad header ${request.headers.authorization ?? ''}` });
    const result = await send(connector());
    assert.equal(result.kind === 'response' && result.bodySnippet, 'bad header Bearer [REDACTED]');
  });

  test('each connector object (each revision) has its own token', async () => {
    await send(connector());
    await send(connector());
    assert.equal(oauth.requests.length, 2);
  });
});
