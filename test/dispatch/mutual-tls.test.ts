import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import type { CompiledConnector, CompiledTls } from '../../engine/config/compiled.js';
import { createAuthenticator, type Authenticator } from '../../engine/dispatch/auth/authenticator.js';
import { classify } from '../../engine/dispatch/classify.js';
import { createHttpClient, type HttpClient, type HttpResult } from '../../engine/dispatch/http-client.js';
import { renderRequest } from '../../engine/dispatch/render-request.js';
import { compiledConnector } from '../helpers/compiled-connector.js';
import { startHttpsReceiver, type HttpsReceiver } from '../helpers/https-receiver.js';
import { createTlsFixture, type TlsFixture } from '../helpers/tls-fixture.js';

describe('mutual TLS', () => {
  let pki: TlsFixture;
  let receiver: HttpsReceiver;
  let http: HttpClient;
  let authenticator: Authenticator;

  before(async () => {
    pki = await createTlsFixture();
    receiver = await startHttpsReceiver({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca });
    const clock = manualClock();
    http = createHttpClient({ clock });
    authenticator = createAuthenticator({ http, clock });
  });
  after(async () => {
    await http.close();
    await receiver.close();
  });

  const connector = (name: string, tls: CompiledTls): CompiledConnector => compiledConnector({ name, url: receiver.url, route: { path: '/mtls' }, tls, timeoutMs: 2_000 });
  const send = async (target: CompiledConnector): Promise<HttpResult> => {
    const request = await renderRequest(target, target.routes[0]!, { type: 'thing', id: 1 }, { deliveryId: 'd-1', userAgent: 'hms-sync/test' });
    return authenticator.send(target, request, 'd-1');
  };

  test('a connector with the client certificate is accepted by a server that requires one', async () => {
    const result = await send(connector('with-cert', { cert: pki.clientCert, key: pki.clientKey, ca: pki.ca }));
    assert.equal(result.kind === 'response' && result.status, 200);
    assert.equal(receiver.requests.at(-1)?.clientCommonName, 'hms-sync test client');
  });

  test('a connector to the same host without the certificate fails as a retryable connection error (pools are not shared)', async () => {
    const before = receiver.requests.length;
    const result = await send(connector('ca-only', { ca: pki.ca }));
    assert.equal(result.kind, 'error', JSON.stringify(result));
    const verdict = classify(result);
    assert.equal(verdict.kind, 'retry');
    assert.doesNotMatch(JSON.stringify(verdict), /PRIVATE KEY/);
    assert.equal(receiver.requests.length, before);
  });

  test('without the CA, the server certificate is not trusted (retryable)', async () => {
    const result = await send(connector('no-ca', { cert: pki.clientCert, key: pki.clientKey }));
    assert.equal(result.kind, 'error');
    assert.match(classify(result).kind, /retry/);
  });
});
