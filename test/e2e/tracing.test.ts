/**
 * W3C trace context end to end: POST /events over a real socket with a traceparent header (or a
 * traceparent field on an NDJSON line), delivered to a real receiver that reads the header of
 * each attempt, and shown on the delivery's page. A malformed traceparent is ignored.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { request } from 'undici';
import { buildServer } from '../../engine/api/server.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { startTestEngine } from '../helpers/test-engine.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PRODUCER = `00-${TRACE}-b7ad6b7169203331-01`;
const OTHER = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-00`;
const connectors = {
  'registry.yaml': `
name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: create
    on: permitApproved
    path: /permits
retry:
  schedule: [5s]
`,
  'warehouse.yaml': `
name: warehouse
target:
  url: \${env:RECEIVER_URL}
routes:
  - name: rows
    on: rowAdded
    path: /rows
    batch: { maxEvents: 3, maxWait: 50ms }
`,
};

describe('tracing', () => {
  const fixture = useEngineFixture();
  // Closed after each test, passed or failed: a server left open keeps the file from ending.
  const servers: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function withApi() {
    fixture.harness = await startTestEngine(connectors, { RECEIVER_URL: fixture.receiver.url });
    const app = buildServer({ engine: fixture.harness.engine, logger: fixture.harness.logs.logger });
    servers.push(app);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const post = async (body: string, headers: Record<string, string>) => {
      const response = await request(`${url}/events`, { method: 'POST', headers, body });
      assert.equal(response.statusCode, 202, await response.body.text());
    };
    return { app, url, post, harness: fixture.harness };
  }

  test('each attempt carries the trace of the request that brought the event, with a span of its own, shown on its page', async () => {
    const { url, post, harness } = await withApi();
    fixture.receiver.respond = (_request, index) => (index === 0 ? 503 : 200);
    await post(JSON.stringify({ type: 'permitApproved', id: 't1' }), { 'content-type': 'application/json', traceparent: PRODUCER });
    await harness.settled('t1', (d) => d.attempts === 1);
    harness.clock.advance(5_000);
    await harness.engine.sweep();
    const event = await harness.settled('t1', (d) => d.state === 'delivered');
    const sent = fixture.receiver.requests.map((r) => r.headers.traceparent as string);
    assert.equal(sent.length, 2);
    for (const header of sent) assert.match(header, new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    const spans = sent.map((header) => header.split('-')[2]);
    assert.equal(new Set([...spans, 'b7ad6b7169203331']).size, 3, 'a new span id per attempt, none the producer');

    const page = (await (await request(`${url}/deliveries/${event.deliveries[0]!.id}`)).body.json()) as { traceparent: string; history: { traceparent: string; request: { headers: Record<string, string> } }[] };
    assert.equal(page.traceparent, PRODUCER);
    assert.deepEqual(page.history.map((a) => a.traceparent), sent);
    assert.equal(page.history[0]!.request.headers.traceparent, sent[0], 'the failed attempt kept the request it sent, header included');
  });

  test('a traceparent field on an NDJSON line wins over the header; a malformed one is ignored, not refused', async () => {
    const { post, harness } = await withApi();
    const lines = [
      { type: 'permitApproved', id: 'own', traceparent: OTHER },
      { type: 'permitApproved', id: 'header' },
      { type: 'permitApproved', id: 'broken', traceparent: 'not-a-trace' },
    ];
    await post(lines.map((line) => JSON.stringify(line)).join('\n'), { 'content-type': 'application/x-ndjson', traceparent: PRODUCER });
    await post(JSON.stringify({ type: 'permitApproved', id: 'none' }), { 'content-type': 'application/json', traceparent: 'garbage-00' });
    for (const id of ['own', 'header', 'broken', 'none']) await harness.settled(id);
    const byId = new Map(fixture.receiver.requests.map((r) => [JSON.parse(r.body).id as string, r.headers.traceparent as string | undefined]));
    assert.match(byId.get('own')!, new RegExp(`^00-${'1'.repeat(32)}-[0-9a-f]{16}-00$`));
    assert.match(byId.get('header')!, new RegExp(`^00-${TRACE}-`));
    assert.match(byId.get('broken')!, new RegExp(`^00-${TRACE}-`), 'an invalid field: the request header applies');
    assert.equal(byId.get('none'), undefined, 'an invalid header: no trace, and the event is accepted');
    assert.equal((await harness.engine.getEvent('none'))!.traceparent, null);
  });

  test('a batch carries the trace of its first item that has one, and each item records it', async () => {
    const { post, harness } = await withApi();
    const rows = [{ type: 'rowAdded', id: 'r1' }, { type: 'rowAdded', id: 'r2', traceparent: PRODUCER }, { type: 'rowAdded', id: 'r3', traceparent: OTHER }];
    await post(JSON.stringify(rows), { 'content-type': 'application/json' });
    for (const row of rows) await harness.settled(row.id);
    assert.equal(fixture.receiver.requests.length, 1);
    const carried = fixture.receiver.requests[0]!.headers.traceparent as string;
    assert.match(carried, new RegExp(`^00-${TRACE}-`));
    for (const row of rows) assert.equal((await harness.engine.getEvent(row.id))!.deliveries[0]!.history[0]!.traceparent, carried);
  });
});
