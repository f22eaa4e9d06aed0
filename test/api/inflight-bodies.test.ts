/**
 * The cap on request bodies held at once and on open connections, over real sockets: a refusal
 * must come before the body is read, which only a client that has not sent it yet can show.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { createBodyBudget } from '../../engine/api/inflight-bodies.js';
import { useListeningServer } from '../helpers/listening-server.js';
import { waitUntil } from '../helpers/wait-until.js';

describe('body budget', () => {
  test('a share that would pass the budget is refused with INGEST_BUSY; a request alone gets in however large', () => {
    const budget = createBodyBudget(1000);
    const alone = budget.open();
    alone.take(5000);
    assert.throws(() => budget.open().take(1), { code: 'INGEST_BUSY', message: /already holds 0\.0 MiB of request bodies \(--max-inflight-body-bytes 1000\)/ });
    alone.take(10); // its own bytes never count against it
    alone.release();
    budget.open().take(1000);
  });

  test('released bytes come back once, however often release is called', () => {
    const budget = createBodyBudget(1000);
    const first = budget.open();
    first.take(600);
    first.release();
    first.release();
    const second = budget.open();
    second.take(600);
    assert.throws(() => budget.open().take(401), { code: 'INGEST_BUSY' });
    budget.open().take(400);
  });
});

const MAX_INFLIGHT_BYTES = 1000;
const MAX_CONNECTIONS = 4;

/** A raw HTTP/1.1 client: what it wrote is under test control, and what came back is kept. */
interface RawClient {
  readonly socket: Socket;
  answer(): string;
  /** Resolves once the server has closed the connection. */
  readonly closed: Promise<void>;
}

function rawClient(port: number, text: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(text);
      resolve({ socket, answer: () => answer, closed });
    });
  });
}

const event = (id: string, size: number): string => {
  const head = `{"type":"permitApproved","id":"${id}","pad":"`;
  return `${head}${'x'.repeat(size - head.length - 2)}"}`;
};
const postHead = (length: number) => `POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
const chunkedHead = 'POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`;

describe('POST /events past the bodies held at once', () => {
  const server = useListeningServer({ maxInflightBodyBytes: MAX_INFLIGHT_BYTES, maxConnections: MAX_CONNECTIONS });

  test('a declared body that does not fit gets 503 with Retry-After before it is sent, and its connection closes', async () => {
    const slow = event('held-1', 800);
    const holder = await rawClient(server.port, postHead(slow.length) + slow.slice(0, 100));
    const refused = await rawClient(server.port, postHead(300));
    await refused.closed;
    assert.match(refused.answer(), /^HTTP\/1\.1 503 /);
    assert.match(refused.answer(), /\r\nretry-after: 1\r\n/i);
    assert.match(refused.answer(), /\r\nconnection: close\r\n/i);
    assert.match(refused.answer(), /"code":"INGEST_BUSY"/);

    holder.socket.end(slow.slice(100));
    await holder.closed;
    assert.match(holder.answer(), /^HTTP\/1\.1 202 /, 'the request that held the room is served');
    const next = event('after-1', 300);
    const accepted = await rawClient(server.port, postHead(next.length).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n') + next);
    await accepted.closed;
    assert.match(accepted.answer(), /^HTTP\/1\.1 202 /, 'the room came back once the response was sent');
  });

  test('a chunked body is counted as it arrives and refused once it passes the cap; nothing of it is stored', async () => {
    const slow = event('held-2', 800);
    const holder = await rawClient(server.port, postHead(slow.length) + slow.slice(0, 100));
    const body = event('chunked-1', 400);
    const chunked = await rawClient(server.port, chunkedHead + chunk(body.slice(0, 150)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(chunked.answer(), '', '800 + 150 bytes fit in 1000');
    chunked.socket.write(chunk(body.slice(150)));
    await chunked.closed;
    assert.match(chunked.answer(), /^HTTP\/1\.1 503 [^]*"code":"INGEST_BUSY"/);
    holder.socket.end(slow.slice(100));
    await holder.closed;
    assert.equal(await server.harness.engine.getEvent('chunked-1'), undefined);
    assert.ok(await server.harness.engine.getEvent('held-2'));
  });

  test('a chunked body whose first chunk already passes the cap is refused, and the server keeps serving', async () => {
    const slow = event('held-3', 800);
    const holder = await rawClient(server.port, postHead(slow.length) + slow.slice(0, 100));
    const chunked = await rawClient(server.port, chunkedHead + chunk(event('chunked-2', 300)));
    await chunked.closed;
    assert.match(chunked.answer(), /^HTTP\/1\.1 503 [^]*"code":"INGEST_BUSY"/);
    holder.socket.end(slow.slice(100));
    await holder.closed;
    assert.match(holder.answer(), /^HTTP\/1\.1 202 /);
  });

  test('an upload cut off midway gives its bytes back', async () => {
    const slow = event('cut-1', 900);
    const cut = await rawClient(server.port, postHead(slow.length) + slow.slice(0, 100));
    await new Promise((resolve) => setTimeout(resolve, 50));
    cut.socket.destroy();
    const next = event('after-cut-1', 900);
    await waitUntil(async () => {
      const client = await rawClient(server.port, postHead(next.length).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n') + next);
      await client.closed;
      return client.answer().startsWith('HTTP/1.1 202 ') || undefined;
    }, 'a 900-byte body to be accepted once the cut upload is gone');
  });

  test('connections past --max-connections are closed at once, unanswered; one closing lets a new one in', async () => {
    const idle = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => rawClient(server.port, '')));
    await waitUntil(async () => (await countConnections(server.app.server)) === MAX_CONNECTIONS || undefined, 'the connections to be open');
    const dropped = await rawClient(server.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await dropped.closed;
    assert.equal(dropped.answer(), '');
    idle[0]!.socket.destroy();
    await waitUntil(async () => (await countConnections(server.app.server)) < MAX_CONNECTIONS || undefined, 'a connection to close');
    const served = await rawClient(server.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await served.closed;
    assert.match(served.answer(), /^HTTP\/1\.1 200 [^]*\{"status":"ok"\}$/);
    for (const client of idle) client.socket.destroy();
  });
});

function countConnections(server: { getConnections(callback: (error: Error | null, count: number) => void): void }): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}
