import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import type { CompiledAuth, CompiledConnector } from '../../engine/config/compiled.js';
import { createAuthenticator } from '../../engine/dispatch/auth/authenticator.js';
import { classify } from '../../engine/dispatch/classify.js';
import { createHttpClient } from '../../engine/dispatch/http-client.js';
import { redactSecrets } from '../../engine/dispatch/redact.js';
import { renderEvent } from '../../engine/cli/render-event.js';
import { renderRequest } from '../../engine/dispatch/render-request.js';
import { compiledConnector } from '../helpers/compiled-connector.js';
import { startOAuth2Server, type OAuth2Server } from '../helpers/oauth2-server.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const BEARER = 'bearer-secret-111';
const PASSWORD = 'basic-pass-222';
const BASIC = Buffer.from(`svc:${PASSWORD}`).toString('base64');
const API_KEY = 'header-val-333';
const CLIENT_SECRET = 'client-secret-444';
const SIGNING = [`whsec_${Buffer.from('signing-key-555').toString('base64')}`, 'raw-signing-666'];
const TLS_KEY = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIkey777\n-----END PRIVATE KEY-----\n';
const EVERY_SECRET = [BEARER, PASSWORD, BASIC, API_KEY, CLIENT_SECRET, ...SIGNING, TLS_KEY, 'PRIVATE KEY', 'key777'];

describe('secrets in previews and error messages', () => {
  let oauth: OAuth2Server;
  let receiver: Receiver;
  let connectors: CompiledConnector[];

  before(async () => {
    oauth = await startOAuth2Server();
    // Echoes every credential-bearing header back, as a careless target might in an error body.
    receiver = await startReceiver((request) => ({
      status: 500,
      body: `rejected ${String(request.headers.authorization)} ${String(request.headers['x-api-key'])} ${String(request.headers['webhook-signature'])}`,
    }));
    const make = (name: string, auth: CompiledAuth, secrets: string[]) =>
      compiledConnector({ name, url: receiver.url, route: { path: '/items' }, auth, signing: { secrets: SIGNING }, tls: { key: TLS_KEY, cert: 'cert' }, secrets: [...secrets, ...SIGNING, TLS_KEY] });
    connectors = [
      make('bearer', { type: 'bearer', token: BEARER }, [BEARER]),
      make('basic', { type: 'basic', username: 'svc', password: PASSWORD }, [PASSWORD]),
      make('header', { type: 'header', name: 'X-Api-Key', value: API_KEY }, [API_KEY]),
      make('oauth', { type: 'oauth2', tokenUrl: oauth.tokenUrl, clientId: 'hms', clientSecret: CLIENT_SECRET }, [CLIENT_SECRET]),
    ];
  });
  after(async () => {
    await receiver.close();
    await oauth.close();
  });

  const headersOf = (rendered: Awaited<ReturnType<typeof renderEvent>>, connector: string) => rendered.find((delivery) => delivery.connector === connector)?.request?.headers;

  test('masked previews show auth headers redacted and signing headers as placeholders, with no secret and no token fetch', async () => {
    const rendered = await renderEvent(connectors, { type: 'thing', id: 1 }, { userAgent: 'hms-sync/test' });
    const text = JSON.stringify(rendered);
    for (const secret of EVERY_SECRET) assert.ok(!text.includes(secret), `preview shows ${secret}`);
    assert.equal(headersOf(rendered, 'bearer')?.authorization, 'Bearer [REDACTED]');
    assert.equal(headersOf(rendered, 'basic')?.authorization, 'Basic [REDACTED]');
    assert.equal(headersOf(rendered, 'header')?.['X-Api-Key'], '[REDACTED]');
    assert.equal(headersOf(rendered, 'oauth')?.authorization, 'Bearer [oauth2 token]');
    const signed = headersOf(rendered, 'bearer');
    assert.equal(signed?.['webhook-id'], '<delivery-id>');
    assert.equal(signed?.['webhook-timestamp'], '<timestamp>');
    assert.equal(signed?.['webhook-signature'], 'v1,<signature> v1,<signature>');
    assert.equal(oauth.requests.length, 0);
  });

  test('unmasked renders (connector tests) show static credentials but still no token, signature or TLS key', async () => {
    const rendered = await renderEvent(connectors, { type: 'thing', id: 1 }, { userAgent: 'hms-sync/test', maskSecrets: false });
    assert.equal(headersOf(rendered, 'bearer')?.authorization, `Bearer ${BEARER}`);
    assert.equal(headersOf(rendered, 'oauth')?.authorization, 'Bearer [oauth2 token]');
    assert.equal(headersOf(rendered, 'basic')?.['webhook-signature'], 'v1,<signature> v1,<signature>');
    assert.ok(!JSON.stringify(rendered).includes('PRIVATE KEY'));
    assert.equal(oauth.requests.length, 0);
  });

  test('error messages recorded for failed sends hold no credential, even when the target echoes them', async () => {
    const clock = manualClock();
    const http = createHttpClient({ clock });
    const authenticator = createAuthenticator({ http, clock });
    try {
      for (const connector of connectors) {
        const request = await renderRequest(connector, connector.routes[0]!, { type: 'thing', id: 1 }, { deliveryId: 'd-1', userAgent: 'hms-sync/test' });
        const result = await authenticator.send(connector, request, 'd-1');
        const verdict = classify(result);
        const responseBody = redactSecrets(result.kind === 'response' ? (result.errorBody ?? '') : '', connector.secrets);
        assert.match(responseBody, /^rejected /);
        assert.equal(verdict.kind, 'retry');
        // What the dispatcher stores: the reason with the connector's secrets redacted.
        const stored = redactSecrets((verdict as { reason: string }).reason, connector.secrets);
        assert.match(stored, /^TARGET_UNAVAILABLE: HTTP 500: rejected /, connector.name);
        for (const secret of [...EVERY_SECRET, ...oauth.issued]) {
          assert.ok(!stored.includes(secret), `${connector.name}: ${stored} shows ${secret}`);
          assert.ok(!responseBody.includes(secret), `${connector.name}: ${responseBody} shows ${secret}`);
        }
      }
    } finally {
      await http.close();
    }
  });
});
