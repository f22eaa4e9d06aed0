/**
 * The fetcher of `diff --events-from` over real sockets, against a server on 127.0.0.1 that
 * answers as the engine's delivery-search API is specified (issue 14 section 1: GET /deliveries
 * with since, eventType, limit and a cursor; GET /events/:id with the body), until that API is
 * on main and test/e2e covers it with a real engine.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { createEngineApi } from '../../../engine/cli/diff/engine-api.js';
import { fetchEngineEvents, type EngineEventsQuery, type FetchedEvents } from '../../../engine/cli/diff/fetch-engine-events.js';
import { HmsError } from '../../../engine/errors.js';

interface StoredEvent {
  readonly id: string;
  readonly type: string;
  /** Deliveries the event has (one per route that took it). */
  readonly deliveries: number;
}

interface StandIn {
  readonly url: string;
  /** Every request's path and query, and its Authorization header. */
  readonly seen: { url: string; authorization?: string }[];
  /** Most GET /events/:id answered at once. */
  readonly peakEventReads: () => number;
}

/** `events` newest first, as GET /deliveries lists them; `answer` may replace any answer. */
async function standIn(t: TestContext, events: readonly StoredEvent[], answer?: (request: IncomingMessage) => { status: number; body: string } | undefined): Promise<StandIn> {
  const deliveries = events.flatMap((event) => Array.from({ length: event.deliveries }, (_, index) => ({ id: `${event.id}-d${index}`, eventId: event.id, eventType: event.type, state: 'delivered' })));
  const seen: StandIn['seen'] = [];
  let reading = 0;
  let peak = 0;
  const server: Server = createServer((request, response) => {
    seen.push({ url: request.url!, ...(request.headers.authorization !== undefined && { authorization: request.headers.authorization }) });
    const send = ({ status, body }: { status: number; body: string }): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    };
    const replaced = answer?.(request);
    if (replaced !== undefined) return send(replaced);
    const url = new URL(request.url!, 'http://x');
    const path = url.pathname.replace(/^\/hms/, '');
    if (path === '/deliveries') {
      const limit = Number(url.searchParams.get('limit'));
      const glob = url.searchParams.get('eventType');
      const matching = deliveries.filter((delivery) => glob === null || new RegExp(`^${glob.replace('*', '.*')}$`).test(delivery.eventType));
      const start = Number(url.searchParams.get('after') ?? 0);
      const page = matching.slice(start, start + limit);
      return send({ status: 200, body: JSON.stringify({ deliveries: page, next: start + limit < matching.length ? String(start + limit) : null }) });
    }
    const id = decodeURIComponent(path.slice('/events/'.length));
    const event = events.find((candidate) => candidate.id === id);
    if (event === undefined) return send({ status: 404, body: JSON.stringify({ error: { code: 'NOT_FOUND', message: `no event with id "${id}"` } }) });
    peak = Math.max(peak, ++reading);
    // Answers come back out of order: the later ids first.
    setTimeout(() => {
      reading--;
      send({ status: 200, body: JSON.stringify({ id, type: event.type, receivedAt: '2026-01-01T00:00:00.000Z', deliveries: [], body: { type: event.type, id, n: Number(id.slice(1)) } }) });
    }, 40 - Number(id.slice(1)) % 40);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, peakEventReads: () => peak };
}

async function fetchFrom(url: string, query: Partial<EngineEventsQuery> = {}, token?: string): Promise<FetchedEvents> {
  const api = createEngineApi(new URL(url), { ...(token !== undefined && { token }), connections: 8 });
  try {
    return await fetchEngineEvents(api, { since: '2026-01-01T00:00:00.000Z', limit: 500, ...query });
  } finally {
    await api.close();
  }
}

/** Events e00 (newest) to e{count-1}, each with `deliveries` deliveries. */
function stored(count: number, deliveries = 1, type = 'permitApproved'): StoredEvent[] {
  return Array.from({ length: count }, (_, index) => ({ id: `e${String(index).padStart(2, '0')}`, type, deliveries }));
}

async function fetchError(url: string, token?: string): Promise<string> {
  try {
    await fetchFrom(url, {}, token);
  } catch (error) {
    assert.ok(error instanceof HmsError, String(error));
    assert.equal(error.code, 'EVENTS_FETCH_FAILED');
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error.message;
  }
  assert.fail('the fetch succeeded');
}

describe('fetching events from an engine', () => {
  test('pages through deliveries until it has --limit distinct events, the newest first, sorted by id', async (t) => {
    const api = await standIn(t, stored(30, 3));
    const { events, vanished } = await fetchFrom(api.url, { limit: 12 });
    assert.deepEqual(events.map((event) => event.id), stored(12).map((event) => event.id));
    assert.deepEqual(events[5], { id: 'e05', body: { type: 'permitApproved', id: 'e05', n: 5 } });
    assert.equal(vanished, 0);
    const pages = api.seen.filter((request) => request.url.startsWith('/deliveries'));
    // 12 deliveries a page, 3 per event: three pages hold twelve events, and no more is asked for.
    assert.equal(pages.length, 3);
    assert.equal(pages[0]!.url, '/deliveries?since=2026-01-01T00%3A00%3A00.000Z&limit=12');
    assert.equal(pages[1]!.url, '/deliveries?since=2026-01-01T00%3A00%3A00.000Z&limit=12&after=12');
  });

  test('stops at the last page when fewer events match, and passes the type glob', async (t) => {
    const api = await standIn(t, [...stored(3, 2, 'permitApproved'), { id: 'x1', type: 'invoicePaid', deliveries: 1 }]);
    const { events } = await fetchFrom(api.url, { types: 'permit*' });
    assert.deepEqual(events.map((event) => event.id), ['e00', 'e01', 'e02']);
    assert.match(api.seen[0]!.url, /&eventType=permit\*$/);
  });

  test('reads at most 8 event bodies at once', async (t) => {
    const api = await standIn(t, stored(40));
    const { events } = await fetchFrom(api.url);
    assert.equal(events.length, 40);
    assert.equal(api.peakEventReads(), 8);
  });

  test('sends the token as a Bearer token, under the path the URL gives', async (t) => {
    const api = await standIn(t, stored(2));
    await fetchFrom(`${api.url}/hms/`, {}, 'read-token-1');
    assert.ok(api.seen.length >= 3);
    for (const request of api.seen) {
      assert.match(request.url, /^\/hms\/(deliveries|events)/);
      assert.equal(request.authorization, 'Bearer read-token-1');
    }
  });

  test('counts an event deleted between the list and the read as vanished', async (t) => {
    const api = await standIn(t, stored(3), (request) => (request.url === '/events/e01' ? { status: 404, body: '{"error":{"code":"NOT_FOUND","message":"no event"}}' } : undefined));
    const { events, vanished } = await fetchFrom(api.url);
    assert.deepEqual(events.map((event) => event.id), ['e00', 'e02']);
    assert.equal(vanished, 1);
  });

  test('an engine that cannot be reached is one line naming it, without the credentials of its URL', async () => {
    const message = await fetchError('http://user:hunter2@127.0.0.1:1');
    assert.match(message, /^--events-from http:\/\/127\.0\.0\.1:1: GET \/deliveries\?since=[^ ]+ could not be sent: connect ECONNREFUSED 127\.0\.0\.1:1; is the engine running at that address/);
    assert.doesNotMatch(message, /hunter2|user/);
  });

  test('401 and 403 say which token to set, and never show it', async (t) => {
    const refuse = (status: number) => () => ({ status, body: JSON.stringify({ error: { code: status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message: 'no' } }) });
    const missing = await fetchError((await standIn(t, [], refuse(401))).url);
    assert.match(missing, /answered 401 \(UNAUTHORIZED: no\); the engine needs a token: set HMS_SYNC_READ_TOKEN \(or HMS_SYNC_API_TOKEN\)/);
    const wrong = await fetchError((await standIn(t, [], refuse(401))).url, 'sekrit-token');
    assert.match(wrong, /the engine refused the token: set HMS_SYNC_READ_TOKEN/);
    assert.doesNotMatch(wrong, /sekrit/);
    const forbidden = await fetchError((await standIn(t, [], refuse(403))).url, 'sekrit-token');
    assert.match(forbidden, /answered 403 .*that token may not read deliveries and events/);
  });

  test('an answer that is not the delivery-search API is a clear error', async (t) => {
    const html = await standIn(t, [], () => ({ status: 200, body: '<html>login</html>' }));
    assert.match(await fetchError(html.url), /GET \/deliveries\?[^ ]+ answered 200 with a body that is not JSON; is --events-from the address of an hms-sync engine\?/);
    const deadOnly = await standIn(t, [], () => ({ status: 400, body: JSON.stringify({ error: { code: 'QUERY_INVALID', message: '"state" is missing; only state=dead can be listed' } }) }));
    assert.match(await fetchError(deadOnly.url), /answered 400 \(QUERY_INVALID: "state" is missing; only state=dead can be listed\); the engine refused the query \(an engine without delivery search lists only dead deliveries/);
    const noList = await standIn(t, [], () => ({ status: 200, body: '{"items":[]}' }));
    assert.match(await fetchError(noList.url), /GET \/deliveries answered without a "deliveries" list/);
    const noBody = await standIn(t, stored(1), (request) => (request.url!.startsWith('/events/') ? { status: 200, body: '{"id":"e00","type":"permitApproved","deliveries":[]}' } : undefined));
    assert.match(await fetchError(noBody.url), /GET \/events\/e00 answered without the event's "body"; the engine is older than its delivery-search API/);
    const failing = await standIn(t, [], () => ({ status: 500, body: JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error;\nsee the engine log' } }) }));
    assert.match(await fetchError(failing.url), /answered 500 \(INTERNAL: internal error; see the engine log\); try again later/);
  });
});
