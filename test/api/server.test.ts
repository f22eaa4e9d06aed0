import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

import { buildServer } from '../../engine/api/server.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { startTestEngine, type TestEngine } from '../helpers/test-engine.js';

const CONNECTOR = `
name: registry
target: { url: "\${env:RECEIVER_URL}" }
routes:
  - on: permitApproved
  - on: "permit*"
    path: /all
`;

describe('HTTP API', () => {
  let receiver: Receiver;
  let harness: TestEngine;
  let app: ReturnType<typeof buildServer>;

  before(async () => {
    receiver = await startReceiver();
    harness = await startTestEngine({ 'registry.yaml': CONNECTOR }, { RECEIVER_URL: receiver.url });
    app = buildServer({ engine: harness.engine, logger: harness.logs.logger, bodyLimitBytes: 2048 });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await harness.close();
    await receiver.close();
  });

  const post = (payload: string | Buffer, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/events', payload, headers: { 'content-type': contentType } });

  test('GET /healthz answers 200', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200);
  });

  test('accepts one event and answers 202 with its id and matched routes', async () => {
    const response = await post('{"type":"permitApproved","id":"h1"}');
    assert.equal(response.statusCode, 202);
    assert.deepEqual(response.json(), { accepted: [{ id: 'h1', deliveries: 2 }] });
  });

  test('accepts a JSON array and NDJSON', async () => {
    const array = await post('[{"type":"permitCancelled","id":"h2"},{"type":"other","id":"h3"}]');
    assert.equal(array.statusCode, 202);
    assert.deepEqual(array.json(), { accepted: [{ id: 'h2', deliveries: 1 }, { id: 'h3', deliveries: 0 }] });
    const ndjson = await post('{"type":"permitApproved","id":"h4"}\n{"type":"permitApproved"}\n', 'application/x-ndjson');
    assert.equal(ndjson.statusCode, 202);
    const accepted = ndjson.json().accepted as { id: string; deliveries: number }[];
    assert.equal(accepted.length, 2);
    assert.deepEqual(accepted[0], { id: 'h4', deliveries: 2 });
    assert.equal(accepted[1]!.deliveries, 2);
  });

  test('a duplicate id is acknowledged again with no new deliveries', async () => {
    await post('{"type":"permitApproved","id":"h5"}');
    const again = await post('{"type":"permitApproved","id":"h5"}');
    assert.equal(again.statusCode, 202);
    assert.deepEqual(again.json(), { accepted: [{ id: 'h5', deliveries: 0, duplicate: true }] });
  });

  test('GET /events/:id shows each delivery and the configuration revision of each attempt', async () => {
    await post('{"type":"permitApproved","id":"h6"}');
    await harness.settled('h6');
    const response = await app.inject({ method: 'GET', url: '/events/h6' });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.id, 'h6');
    assert.equal(body.type, 'permitApproved');
    assert.equal(body.receivedAt, new Date(harness.clock.now()).toISOString());
    assert.deepEqual(
      body.deliveries.map((d: Record<string, unknown>) => [d.connector, d.route, d.state, d.attempts, d.lastStatus, d.lastError, d.nextAttemptAt]),
      [
        ['registry', '0', 'delivered', 1, 200, null, null],
        ['registry', '1', 'delivered', 1, 200, null, null],
      ],
    );
    assert.deepEqual(Object.keys(body.deliveries[0]).sort(), ['attempts', 'connector', 'history', 'id', 'lastError', 'lastStatus', 'nextAttemptAt', 'route', 'state']);
    const { revision } = (await app.inject({ method: 'GET', url: '/status' })).json() as { revision: string };
    assert.match(revision, /^[0-9a-f]{12}/);
    assert.deepEqual(body.deliveries[0].history.map((a: Record<string, unknown>) => [a.attempt, a.status, a.revision]), [[1, 200, revision]]);
  });

  const postEncoded = (payload: Buffer, encoding: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/events', payload, headers: { 'content-type': contentType, 'content-encoding': encoding } });

  test('decompresses gzip, deflate and br bodies before parsing them', async () => {
    const ndjson = Buffer.from('{"type":"permitApproved","id":"gz-1"}\n{"type":"permitApproved","id":"gz-2"}\n');
    const gzipped = await postEncoded(gzipSync(ndjson), 'gzip', 'application/x-ndjson');
    assert.equal(gzipped.statusCode, 202, gzipped.body);
    assert.deepEqual(gzipped.json().accepted.map((a: { id: string }) => a.id), ['gz-1', 'gz-2']);
    assert.equal((await postEncoded(deflateSync(Buffer.from('{"type":"permitApproved","id":"df-1"}')), 'deflate')).statusCode, 202);
    assert.equal((await postEncoded(brotliCompressSync(Buffer.from('{"type":"permitApproved","id":"br-1"}')), 'BR')).statusCode, 202);
    for (const id of ['gz-1', 'gz-2', 'df-1', 'br-1']) assert.ok(await harness.engine.getEvent(id), id);
  });

  test('refuses an unknown encoding (415), a corrupt body (400) and one that expands past the body limit (413), storing nothing', async () => {
    const event = Buffer.from('{"type":"permitApproved","id":"enc-bad"}');
    const unknown = await postEncoded(event, 'compress');
    assert.deepEqual([unknown.statusCode, unknown.json().error.code], [415, 'INGEST_UNSUPPORTED_MEDIA_TYPE']);
    assert.match(unknown.json().error.message, /Content-Encoding "compress" is not supported/);
    const corrupt = await postEncoded(event, 'gzip');
    assert.deepEqual([corrupt.statusCode, corrupt.json().error.code], [400, 'INGEST_INVALID_JSON']);
    assert.match(corrupt.json().error.message, /^body is not valid gzip data/);
    // 3 KB of events compress to far less than the 2 KB limit, but expand past it.
    const bomb = gzipSync(Buffer.from(JSON.stringify([{ type: 'permitApproved', id: 'enc-bad', pad: ' '.repeat(3000) }])));
    assert.ok(bomb.length < 2048);
    const expanded = await postEncoded(bomb, 'gzip');
    assert.deepEqual([expanded.statusCode, expanded.json().error.code], [413, 'INGEST_TOO_LARGE']);
    assert.equal(await harness.engine.getEvent('enc-bad'), undefined);
  });

  test('GET /events/:id is 404 for an unknown id', async () => {
    const response = await app.inject({ method: 'GET', url: '/events/nope' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error.code, 'NOT_FOUND');
  });

  const latin1Json = '[{"type":"permitApproved","id":"bad-8","city":"Montréal"}]';
  const latin1Line = '{"type":"permitApproved","id":"bad-10","v":"ü"}';
  const rejected: [string, string | Buffer, string, number, RegExp][] = [
    ['not JSON', '{"type":', 'application/json', 400, /^body is not valid JSON/],
    ['an event with no type', '[{"type":"permitApproved","id":"bad-1"},{"id":"x"}]', 'application/json', 400, /^event at index 1 has no string "type"/],
    ['an event that is not an object', '[{"type":"permitApproved","id":"bad-2"},"hello"]', 'application/json', 400, /^event at index 1 is a string/],
    ['bad NDJSON', '{"type":"permitApproved","id":"bad-3"}\nnope\n', 'application/x-ndjson', 400, /^event at index 1 \(line 2\) is not valid JSON/],
    ['an event nested too deeply', `[{"type":"permitApproved","id":"bad-6"},{"type":"permitApproved","id":"bad-7","deep":${'['.repeat(100)}${']'.repeat(100)}}]`, 'application/json', 400, /^event at index 1 is nested more than 100 levels deep/],
    ['an empty array', '[]', 'application/json', 400, /no events/],
    ['another content type', '{"type":"permitApproved","id":"bad-4"}', 'text/plain', 415, /application\/json or application\/x-ndjson/],
    ['a body over the limit', JSON.stringify([{ type: 'permitApproved', id: 'bad-5', pad: 'x'.repeat(4096) }]), 'application/json', 413, /over the body limit/],
    ['a Latin-1 JSON body', Buffer.from(latin1Json, 'latin1'), 'application/json', 400, new RegExp(`^body is not valid UTF-8 at line 1, column ${latin1Json.indexOf('é') + 1}; JSON must be sent as UTF-8`)],
    ['a Latin-1 NDJSON line', Buffer.from(`{"type":"permitApproved","id":"bad-9"}\n${latin1Line}\n`, 'latin1'), 'application/x-ndjson', 400, new RegExp(`^body is not valid UTF-8 at line 2, column ${latin1Line.indexOf('ü') + 1};`)],
  ];
  for (const [what, payload, contentType, status, message] of rejected) {
    test(`rejects ${what} with ${status} and stores nothing`, async () => {
      const response = await post(payload, contentType);
      assert.equal(response.statusCode, status);
      assert.match(response.json().error.message, message);
      for (const id of ['bad-1', 'bad-2', 'bad-3', 'bad-4', 'bad-5', 'bad-6', 'bad-7', 'bad-8', 'bad-9', 'bad-10']) assert.equal(await harness.engine.getEvent(id), undefined);
    });
  }
});
