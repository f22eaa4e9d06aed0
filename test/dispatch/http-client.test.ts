import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { systemClock } from '../../engine/clock.js';
import { createHttpClient, RESPONSE_BODY_KEEP_BYTES, ERROR_BODY_SNIPPET_BYTES, READ_BODY_LIMIT_BYTES, type HttpRequest } from '../../engine/dispatch/http-client.js';
import { freePort } from '../../bench/free-port.js';
import { startReceiver } from '../helpers/receiver.js';

const client = createHttpClient({ clock: systemClock });
after(() => client.close());

const post = (url: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: '{"a":1}', timeoutMs: 2_000, ...extra });

describe('HTTP client', () => {
  it('sends method, path, query, headers and body, and reports a 2xx with no body kept', async () => {
    const receiver = await startReceiver(() => ({ status: 201, body: 'created' }));
    after(() => receiver.close());
    const result = await client.send(post(`${receiver.url}/api/slots?x=1`, { headers: { 'content-type': 'application/json', 'x-trace': 't1' } }));
    assert.equal(result.kind, 'response');
    assert.ok(result.kind === 'response');
    assert.deepEqual([result.status, result.bodySnippet, result.errorBody, result.body], [201, '', undefined, undefined]);
    assert.ok(result.durationMs >= 0);
    const [request] = receiver.requests;
    assert.deepEqual([request!.method, request!.url, request!.headers['x-trace'], request!.body], ['POST', '/api/slots?x=1', 't1', '{"a":1}']);
  });

  it('reads every answer to the end, so keep-alive connections carry request after request', async () => {
    const ports: number[] = [];
    const server = createServer((req, res) => {
      ports.push(req.socket.remotePort!);
      req.resume();
      req.on('end', () => res.writeHead(req.url === '/fail' ? 500 : 200).end('x'.repeat(100_000)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const paths = ['/ok', '/fail', '/ok', '/fail', '/ok', '/fail', '/ok', '/fail'];
    for (const path of paths) await client.send(post(url + path));
    assert.equal(ports.length, paths.length);
    // A body left unread would hold its connection: each request after it would need a new one.
    assert.ok(new Set(ports).size <= 2, `at most two connections for ${paths.length} requests, saw ports ${ports.join(', ')}`);
  });

  it('keeps a connection after a large 2xx body too, reading it to its end', async () => {
    const ports: number[] = [];
    const server = createServer((req, res) => {
      ports.push(req.socket.remotePort!);
      req.resume();
      req.on('end', () => res.writeHead(200).end('x'.repeat(300_000)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (let i = 0; i < 4; i++) assert.equal((await client.send(post(url))).kind, 'response');
    // undici's body.dump() stops after 128 KiB and closes the connection: each answer would need a new one.
    assert.ok(new Set(ports).size <= 2, `at most two connections for four 300 KB answers, saw ports ${ports.join(', ')}`);
  });

  it('keeps the start of a failed answer: RESPONSE_BODY_KEEP_BYTES as errorBody, a one-line snippet', async () => {
    const body = `first line\n${'e'.repeat(RESPONSE_BODY_KEEP_BYTES * 3)}`;
    const receiver = await startReceiver(() => ({ status: 503, body, headers: { 'retry-after': '7' } }));
    after(() => receiver.close());
    const result = await client.send(post(receiver.url));
    assert.ok(result.kind === 'response');
    assert.equal(result.status, 503);
    assert.equal(result.retryAfter, '7');
    assert.equal(result.errorBody, body.slice(0, RESPONSE_BODY_KEEP_BYTES));
    assert.equal(result.bodySnippet, `first line ${'e'.repeat(ERROR_BODY_SNIPPET_BYTES - 'first line\n'.length)}`);
  });

  it('returns the whole body of a 2xx when asked to, and an error past READ_BODY_LIMIT_BYTES', async () => {
    const receiver = await startReceiver((request) => ({ status: 200, body: request.url === '/big' ? 'b'.repeat(READ_BODY_LIMIT_BYTES + 1) : '{"access_token":"t"}' }));
    after(() => receiver.close());
    const small = await client.send(post(`${receiver.url}/small`, { readBody: true }));
    assert.ok(small.kind === 'response');
    assert.equal(small.body, '{"access_token":"t"}');
    const big = await client.send(post(`${receiver.url}/big`, { readBody: true }));
    assert.equal(big.kind, 'error');
    assert.ok(big.kind === 'error');
    assert.match(big.message, /over 65536 bytes/);
  });

  it('reports a target that does not answer in time (a timeout) and one that refuses connections (not one) as errors', async () => {
    const receiver = await startReceiver(() => ({ status: 200, delayMs: 1_000 }));
    after(() => receiver.close());
    const slow = await client.send(post(receiver.url, { timeoutMs: 100 }));
    assert.ok(slow.kind === 'error');
    assert.match(slow.message, /^UND_ERR_HEADERS_TIMEOUT /);
    assert.equal(slow.timedOut, true);
    const refused = await client.send(post(`http://127.0.0.1:${await freePort()}`));
    assert.ok(refused.kind === 'error');
    assert.match(refused.message, /ECONNREFUSED/);
    assert.equal(refused.timedOut, false, 'a refused connection is a network failure, not a timeout');
  });

  it('stops reading a body that trickles on past the timeout: the answer stands on its status, unless the whole body was wanted', { timeout: 15_000 }, async () => {
    // A byte every 50 ms for as long as the client listens: undici's body timeout only bounds the
    // gaps, so this held the request (and a concurrency slot) for ever.
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(req.url === '/unavailable' ? 503 : 200);
      const drip = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ok = await client.send(post(`${url}/ok`, { timeoutMs: 300 }));
    assert.ok(ok.kind === 'response' && ok.status === 200, JSON.stringify(ok));
    const unavailable = await client.send(post(`${url}/unavailable`, { timeoutMs: 300 }));
    assert.ok(unavailable.kind === 'response' && unavailable.status === 503, JSON.stringify(unavailable));
    assert.match(unavailable.errorBody ?? '', /^\.+$/, 'the start of the body is kept');
    const whole = await client.send(post(`${url}/ok`, { timeoutMs: 300, readBody: true }));
    assert.ok(whole.kind === 'error', JSON.stringify(whole));
    assert.match(whole.message, /response body not complete within 300 ms/);
    assert.equal(whole.timedOut, true);
  });

  it('answers every send after close with an error and sends nothing', async () => {
    const receiver = await startReceiver();
    after(() => receiver.close());
    const closing = createHttpClient({ clock: systemClock });
    await closing.close();
    assert.deepEqual(await closing.send(post(receiver.url)), { kind: 'error', message: 'HTTP client closed', durationMs: 0 });
    assert.equal(receiver.requests.length, 0);
  });
});
