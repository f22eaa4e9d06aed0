/**
 * A client that sends its request too slowly gets 408 and loses its connection, over a real socket:
 * a trickling client cannot hold a connection (and a body buffer) open forever.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { useListeningServer } from '../helpers/listening-server.js';

const REQUEST_TIMEOUT_MS = 300;

/** Writes `head`, then waits for the server to answer and close; resolves with all it sent back. */
function sendAndWaitForClose(port: number, head: string): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
  });
}

describe('request timeout', () => {
  const server = useListeningServer({ requestTimeoutMs: REQUEST_TIMEOUT_MS });

  test('a body that stops arriving gets 408 and a closed connection, and nothing is stored', async () => {
    const partial = '{"type":"permitApproved","id":"slow-1"';
    const head = `POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${partial.length + 10}\r\n\r\n${partial}`;
    const { answer, closedAfterMs } = await sendAndWaitForClose(server.port, head);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(closedAfterMs >= REQUEST_TIMEOUT_MS, `closed after ${closedAfterMs} ms, not before the timeout`);
    assert.equal(await server.harness.engine.getEvent('slow-1'), undefined);
  });

  test('a whole request sent in time is served as usual', async () => {
    const body = '{"type":"permitApproved","id":"quick-1"}';
    const head = `POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    const { answer } = await sendAndWaitForClose(server.port, head);
    assert.match(answer, /^HTTP\/1\.1 202 /);
    assert.ok(await server.harness.engine.getEvent('quick-1'));
  });
});
