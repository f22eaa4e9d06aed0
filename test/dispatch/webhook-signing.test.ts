import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { manualClock } from '../../engine/clock.js';
import type { CompiledConnector } from '../../engine/config/compiled.js';
import { createAuthenticator, type Authenticator } from '../../engine/dispatch/auth/authenticator.js';
import { createHttpClient, type HttpClient } from '../../engine/dispatch/http-client.js';
import { renderRequest } from '../../engine/dispatch/render-request.js';
import { signatureHeaders } from '../../engine/dispatch/sign-request.js';
import { compiledConnector, type RouteSpec } from '../helpers/compiled-connector.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';

/**
 * A verifier written from the Standard Webhooks spec, independent of the engine's signer:
 * signed content is `${webhook-id}.${webhook-timestamp}.${body}`, the key is the base64 after
 * `whsec_`, and the header holds space-separated `v1,<base64 HMAC-SHA256>` entries; any one
 * matching (compared in constant time) verifies. Timestamps more than 5 minutes off are refused.
 */
function verify(secret: string, headers: Record<string, string | string[] | undefined>, body: Buffer, nowSeconds: number): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body])).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || signature === undefined) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const WHSEC = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const RAW_SECRET = 'plain-text-signing-secret';

describe('Standard Webhooks signing', () => {
  let receiver: Receiver;
  let clock: ReturnType<typeof manualClock>;
  let http: HttpClient;
  let authenticator: Authenticator;

  before(async () => {
    receiver = await startReceiver();
    clock = manualClock(Date.UTC(2026, 5, 1, 12, 0, 0, 750));
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

  const connector = (secrets: string[], route: RouteSpec = {}): CompiledConnector =>
    compiledConnector({ url: receiver.url, route: { path: '/hooks', ...route }, signing: { secrets }, secrets });
  const deliver = async (target: CompiledConnector, event: object, deliveryId = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W'): Promise<ReceivedRequest> => {
    const request = await renderRequest(target, target.routes[0]!, { type: 'thing', ...event }, { deliveryId, userAgent: 'hms-sync/test' });
    const result = await authenticator.send(target, request, deliveryId);
    assert.equal(result.kind === 'response' && result.status, 200);
    const received = receiver.requests.at(-1);
    assert.ok(received);
    return received;
  };
  const nowSeconds = () => Math.floor(clock.now() / 1000);

  test('matches the example in the Standard Webhooks reference tests', () => {
    const headers = signatureHeaders(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], { messageId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', nowMs: 1614265330_999, body: '{"test": 2432232314}' });
    assert.deepEqual(headers, {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  test('a whsec_ secret signs id, timestamp and the exact body received', async () => {
    const received = await deliver(connector([WHSEC]), { id: 1, name: 'Zoë ✓' });
    assert.equal(received.headers['webhook-id'], 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W');
    assert.equal(received.headers['webhook-timestamp'], String(nowSeconds()));
    assert.ok(verify(WHSEC, received.headers, Buffer.from(received.body, 'utf8'), nowSeconds()));
    assert.ok(!verify(`whsec_${Buffer.from('another key entirely').toString('base64')}`, received.headers, Buffer.from(received.body, 'utf8'), nowSeconds()));
    assert.ok(!verify(WHSEC, received.headers, Buffer.from(`${received.body} `, 'utf8'), nowSeconds()));
  });

  test('two secrets give two signatures, each verifying with its own secret (rotation)', async () => {
    const received = await deliver(connector([WHSEC, RAW_SECRET]), { id: 2 });
    const signatures = String(received.headers['webhook-signature']).split(' ');
    assert.equal(signatures.length, 2);
    const body = Buffer.from(received.body, 'utf8');
    for (const [index, secret] of [WHSEC, RAW_SECRET].entries()) {
      assert.ok(verify(secret, { ...received.headers, 'webhook-signature': signatures[index] }, body, nowSeconds()), `secret ${index}`);
      assert.ok(!verify(secret, { ...received.headers, 'webhook-signature': signatures[1 - index] }, body, nowSeconds()), `secret ${index} against the other signature`);
    }
  });

  test('each attempt is signed with a fresh timestamp and the same webhook-id', async () => {
    const target = connector([WHSEC]);
    const first = await deliver(target, { id: 3 }, 'delivery-3');
    clock.advance(90_000);
    const retry = await deliver(target, { id: 3 }, 'delivery-3');
    assert.equal(retry.headers['webhook-id'], first.headers['webhook-id']);
    assert.equal(Number(retry.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp']), 90);
    assert.ok(verify(WHSEC, retry.headers, Buffer.from(retry.body, 'utf8'), nowSeconds()));
    assert.ok(!verify(WHSEC, { ...retry.headers, 'webhook-timestamp': first.headers['webhook-timestamp'] }, Buffer.from(retry.body, 'utf8'), nowSeconds()));
  });

  test('form and XML bodies are signed as sent, after encoding', async () => {
    const form = await deliver(connector([RAW_SECRET], { map: '{ "name": name, "tag": ["a b", "c&d"] }', format: 'form' }), { name: 'Zoë' });
    assert.equal(form.body, 'name=Zo%C3%AB&tag=a+b&tag=c%26d');
    assert.ok(verify(RAW_SECRET, form.headers, Buffer.from(form.body, 'utf8'), nowSeconds()));
    const xml = await deliver(connector([RAW_SECRET], { map: '"<a>" & name & "</a>"', contentType: 'application/xml' }), { name: 'Zoë' });
    assert.equal(xml.body, '<a>Zoë</a>');
    assert.ok(verify(RAW_SECRET, xml.headers, Buffer.from(xml.body, 'utf8'), nowSeconds()));
  });

  test('signing headers override target and route headers of the same name', async () => {
    const target = compiledConnector({
      url: receiver.url,
      headers: { 'Webhook-Id': 'from-target' },
      route: { path: '/hooks', headers: { 'webhook-timestamp': '1' } },
      signing: { secrets: [WHSEC] },
    });
    const received = await deliver(target, { id: 4 }, 'delivery-4');
    assert.equal(received.headers['webhook-id'], 'delivery-4');
    assert.ok(verify(WHSEC, received.headers, Buffer.from(received.body, 'utf8'), nowSeconds()));
  });
});
