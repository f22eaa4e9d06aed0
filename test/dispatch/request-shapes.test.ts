import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import type { CompiledConnector } from '../../engine/config/compiled.js';
import { createAuthenticator, type Authenticator } from '../../engine/dispatch/auth/authenticator.js';
import { createHttpClient, type HttpClient } from '../../engine/dispatch/http-client.js';
import { renderRequest } from '../../engine/dispatch/render-request.js';
import { HmsError } from '../../engine/errors.js';
import { compiledConnector, type ConnectorSpec } from '../helpers/compiled-connector.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';

const SOAP = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><CreatePermit><Id>7</Id><Note>a &amp; b</Note></CreatePermit></soap:Body></soap:Envelope>`;

describe('request bodies, query parameters and headers, as received', () => {
  let receiver: Receiver;
  let http: HttpClient;
  let authenticator: Authenticator;

  before(async () => {
    receiver = await startReceiver();
    const clock = manualClock();
    http = createHttpClient({ clock });
    authenticator = createAuthenticator({ http, clock });
  });
  after(async () => {
    await http.close();
    await receiver.close();
  });
  afterEach(() => {
    receiver.requests.length = 0;
  });

  const connector = (spec: Omit<ConnectorSpec, 'url'>): CompiledConnector => compiledConnector({ url: receiver.url, ...spec });
  const render = (target: CompiledConnector, event: object) =>
    renderRequest(target, target.routes[0]!, { type: 'thing', ...event }, { deliveryId: 'd-1', userAgent: 'hms-sync/test' });
  const deliver = async (target: CompiledConnector, event: object): Promise<ReceivedRequest> => {
    const result = await authenticator.send(target, await render(target, event), 'd-1');
    assert.equal(result.kind === 'response' && result.status, 200);
    return receiver.requests.at(-1)!;
  };
  const mappingFailure = (pattern: RegExp) => (error: unknown) => error instanceof HmsError && error.code === 'MAPPING_FAILED' && pattern.test(error.message);

  test('JSON is the default body', async () => {
    const received = await deliver(connector({ route: { path: '/p', map: '{ "id": id }' } }), { id: 7 });
    assert.equal(received.headers['content-type'], 'application/json');
    assert.equal(received.body, '{"id":7}');
  });

  test('a string map result with contentType is sent as it is (SOAP)', async () => {
    const target = connector({ route: { path: '/soap', map: 'envelope', contentType: 'application/soap+xml; charset=utf-8', headers: { SOAPAction: 'urn:CreatePermit' } } });
    const received = await deliver(target, { envelope: SOAP });
    assert.equal(received.headers['content-type'], 'application/soap+xml; charset=utf-8');
    assert.equal(received.headers.soapaction, 'urn:CreatePermit');
    assert.equal(received.body, SOAP);
  });

  test('contentType with a result that is not a string is a mapping failure', async () => {
    const target = connector({ route: { path: '/soap', map: '{ "id": id }', contentType: 'application/xml' } });
    await assert.rejects(render(target, { id: 1 }), mappingFailure(/^routes\[0\]\.map gave an object; with contentType "application\/xml" it must give the body as a string/));
  });

  test('format form sends fields url-encoded, arrays as repeated keys, null left out', async () => {
    const map = '{ "name": name, "tags": tags, "count": 3, "urgent": true, "note": null }';
    const received = await deliver(connector({ route: { path: '/form', map, format: 'form' } }), { name: 'Lee & Co', tags: ['x y', 'z'] });
    assert.equal(received.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(received.body, 'name=Lee+%26+Co&tags=x+y&tags=z&count=3&urgent=true');
    assert.deepEqual([...new URLSearchParams(received.body)], [['name', 'Lee & Co'], ['tags', 'x y'], ['tags', 'z'], ['count', '3'], ['urgent', 'true']]);
  });

  test('format form rejects a nested object with a clear message', async () => {
    const target = connector({ route: { path: '/form', map: '{ "name": name, "address": { "city": city } }', format: 'form' } });
    await assert.rejects(render(target, { name: 'a', city: 'Oslo' }), mappingFailure(/routes\[0\]\.map: field "address" holds an object; form fields take strings, numbers, booleans or arrays of them/));
  });

  test('a path placeholder that is a whole segment may not give "", "." or "..": each would change which resource is meant', async () => {
    const target = connector({ route: { method: 'DELETE', path: '/api/slots/{id}/hold?by={by}' } });
    await assert.rejects(render(target, { id: '..', by: 'x' }), mappingFailure(/^routes\[0\]\.path: \{id\} gave "\.\.", which would move the path up a level/));
    await assert.rejects(render(target, { id: '.', by: 'x' }), mappingFailure(/^routes\[0\]\.path: \{id\} gave "\.", which would move the path up a level/));
    await assert.rejects(render(target, { id: '', by: 'x' }), mappingFailure(/^routes\[0\]\.path: \{id\} gave an empty string, which would leave its path segment empty/));
    // Inside a segment, or in the query, such values change nothing about the path.
    assert.equal((await render(connector({ route: { path: '/api/v{v}/x' } }), { v: '..' })).url, `${receiver.url}/api/v../x`);
    assert.equal((await render(target, { id: '..a', by: '' })).url, `${receiver.url}/api/slots/..a/hold?by=`);
  });

  test('query gives url-encoded parameters after the path, arrays repeated, null and missing skipped', async () => {
    const query = '{ "since": since, "tag": tags, "q": q, "none": null, "missing": nothing }';
    const received = await deliver(connector({ route: { method: 'GET', path: '/search/{kind}?v=2', query } }), { kind: 'a/b', since: '2024-06-01', tags: ['x', 'y'], q: 'a b&c=d' });
    assert.equal(received.method, 'GET');
    assert.equal(received.url, '/search/a%2Fb?v=2&since=2024-06-01&tag=x&tag=y&q=a%20b%26c%3Dd');
    assert.equal(received.body, '');
    assert.equal(received.headers['content-type'], undefined);
  });

  test('a query that is not an object is a mapping failure', async () => {
    await assert.rejects(render(connector({ route: { query: '"x=1"' } }), {}), mappingFailure(/^routes\[0\]\.query gave a string; it must give an object/));
  });

  test('route header templates are filled from the event, not url-encoded', async () => {
    const target = connector({ route: { path: '/h', headers: { 'X-Permit': 'permit-{id}', 'X-Tenant': '{tenant}' } } });
    const received = await deliver(target, { id: 7, tenant: 'north / east' });
    assert.equal(received.headers['x-permit'], 'permit-7');
    assert.equal(received.headers['x-tenant'], 'north / east');
  });

  test('a header placeholder giving nothing, or a line break, is a mapping failure', async () => {
    const target = connector({ route: { headers: { 'X-Tenant': '{tenant}' } } });
    await assert.rejects(render(target, {}), mappingFailure(/^routes\[0\]\.headers\.X-Tenant: \{tenant\} gave nothing/));
    await assert.rejects(render(target, { tenant: 'a\r\nX-Evil: 1' }), mappingFailure(/line break/));
  });

  test('route headers override target headers; auth overrides both, names compared case-insensitively', async () => {
    const target = connector({
      headers: { 'X-Env': 'target', 'X-Keep': 'kept', Authorization: 'Bearer from-target' },
      route: { path: '/h', headers: { 'x-env': 'route', AUTHORIZATION: 'Bearer from-route' } },
      auth: { type: 'bearer', token: 'tok-from-auth-123' },
    });
    const request = await render(target, {});
    assert.deepEqual(Object.keys(request.headers).filter((name) => /^(x-env|authorization)$/i.test(name)), ['x-env', 'AUTHORIZATION']);
    const received = await deliver(target, {});
    assert.equal(received.headers['x-env'], 'route');
    assert.equal(received.headers['x-keep'], 'kept');
    assert.equal(received.headers.authorization, 'Bearer tok-from-auth-123');
  });

  test('basic and header auth are sent as configured', async () => {
    const basic = await deliver(connector({ auth: { type: 'basic', username: 'svc', password: 'pä:ss' } }), {});
    assert.equal(basic.headers.authorization, `Basic ${Buffer.from('svc:pä:ss', 'utf8').toString('base64')}`);
    const header = await deliver(connector({ auth: { type: 'header', name: 'X-Api-Key', value: 'key-123456' } }), {});
    assert.equal(header.headers['x-api-key'], 'key-123456');
  });
});
