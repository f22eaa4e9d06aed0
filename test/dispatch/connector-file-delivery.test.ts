import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import type { CompiledConnector } from '../../engine/config/compiled.js';
import { loadConnectors } from '../../engine/config/load/load-connectors.js';
import { createAuthenticator, type Authenticator } from '../../engine/dispatch/auth/authenticator.js';
import { createHttpClient, type HttpClient } from '../../engine/dispatch/http-client.js';
import { renderEvent } from '../../engine/cli/render-event.js';
import { renderRequest } from '../../engine/dispatch/render-request.js';
import { startHttpsReceiver, type HttpsReceiver } from '../helpers/https-receiver.js';
import { startOAuth2Server, type OAuth2Server } from '../helpers/oauth2-server.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { tempDir } from '../helpers/temp-dir.js';
import { createTlsFixture, type TlsFixture } from '../helpers/tls-fixture.js';

const CLIENT_SECRET = 'yaml-client-secret-1';
const SIGNING_SECRET = `whsec_${Buffer.from('yaml signing key').toString('base64')}`;

const REGISTRY = `
name: registry
target:
  url: \${env:API_URL}
  headers:
    X-Env: target
auth:
  type: oauth2
  tokenUrl: \${env:TOKEN_URL}
  clientId: hms
  clientSecret: \${env:CLIENT_SECRET}
  scope: permits
signing:
  secrets: ["\${env:SIGNING_SECRET}"]
routes:
  - name: soap
    on: permitApproved
    path: /soap/{id}
    query: '{ "v": "2", "tag": tags }'
    headers:
      SOAPAction: urn:Create
      X-Permit: permit-{id}
    contentType: application/soap+xml
    map: '"<Permit id=\\"" & id & "\\"/>"'
  - name: form
    on: permitApproved
    path: /form
    format: form
    map: '{ "id": id, "tags": tags }'
`;

const SECURE = `
name: secure
target:
  url: \${env:HTTPS_URL}
tls:
  cert: client.pem
  key: client.key
  ca: ca.pem
routes:
  - on: permitApproved
    path: /secure/{id}
`;

describe('connectors written in YAML, delivered to real servers', () => {
  let pki: TlsFixture;
  let oauth: OAuth2Server;
  let api: Receiver;
  let secure: HttpsReceiver;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let connectors: readonly CompiledConnector[];
  let http: HttpClient;
  let authenticator: Authenticator;
  const event = { type: 'permitApproved', id: 7, tags: ['a', 'b c'] };

  before(async () => {
    pki = await createTlsFixture();
    [oauth, api, secure, dir] = await Promise.all([
      startOAuth2Server(),
      startReceiver(),
      startHttpsReceiver({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }),
      tempDir(),
    ]);
    await Promise.all([dir.write('registry.yaml', REGISTRY), dir.write('secure.yaml', SECURE), dir.write('client.pem', pki.clientCert), dir.write('client.key', pki.clientKey), dir.write('ca.pem', pki.ca)]);
    const env = { API_URL: api.url, TOKEN_URL: oauth.tokenUrl, CLIENT_SECRET, SIGNING_SECRET, HTTPS_URL: secure.url };
    const loaded = await loadConnectors(dir.path, { env });
    assert.deepEqual(loaded.problems, []);
    connectors = loaded.connectors;
    const clock = manualClock();
    http = createHttpClient({ clock });
    authenticator = createAuthenticator({ http, clock });
  });
  after(async () => {
    await http?.close();
    await Promise.all([oauth?.close(), api?.close(), secure?.close(), dir?.cleanup()]);
  });

  const deliverAll = async (name: string) => {
    const connector = connectors.find((candidate) => candidate.name === name)!;
    for (const route of connector.routes) {
      const request = await renderRequest(connector, route, event, { deliveryId: `d-${route.key}`, userAgent: 'hms-sync/test' });
      const result = await authenticator.send(connector, request, `d-${route.key}`);
      assert.equal(result.kind === 'response' && result.status, 200, JSON.stringify(result));
    }
  };

  test('auth, signing, query, route headers, SOAP and form bodies all reach the target', async () => {
    await deliverAll('registry');
    assert.equal(oauth.requests.length, 1);
    const [soap, form] = api.requests;
    assert.equal(soap?.url, '/soap/7?v=2&tag=a&tag=b%20c');
    assert.equal(soap?.headers['content-type'], 'application/soap+xml');
    assert.equal(soap?.headers.soapaction, 'urn:Create');
    assert.equal(soap?.headers['x-permit'], 'permit-7');
    assert.equal(soap?.headers['x-env'], 'target');
    assert.equal(soap?.headers.authorization, 'Bearer access-1');
    assert.equal(soap?.headers['webhook-id'], 'd-soap');
    assert.match(String(soap?.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.equal(soap?.body, '<Permit id="7"/>');
    assert.equal(form?.body, 'id=7&tags=a&tags=b+c');
    assert.equal(form?.headers.authorization, 'Bearer access-1');
  });

  test('tls files are read at load and used as the client certificate', async () => {
    await deliverAll('secure');
    assert.equal(secure.requests.at(-1)?.url, '/secure/7');
    assert.equal(secure.requests.at(-1)?.clientCommonName, 'hms-sync test client');
  });

  test('the preview of the same connectors shows no secret and fetches no token', async () => {
    const tokenRequests = oauth.requests.length;
    const text = JSON.stringify(await renderEvent(connectors, event, { userAgent: 'hms-sync/test' }));
    for (const secret of [CLIENT_SECRET, SIGNING_SECRET, pki.clientKey, 'PRIVATE KEY']) assert.ok(!text.includes(secret), secret);
    assert.match(text, /"authorization":"Bearer \[oauth2 token\]"/);
    assert.equal(oauth.requests.length, tokenRequests);
  });
});
