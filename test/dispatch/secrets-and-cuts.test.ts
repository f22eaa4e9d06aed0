/** Found by breaking the delivery rules on purpose: the snippet and kept body of a failed answer never keep part of a secret or a cut character, and a 429 that asks for no wait pauses nothing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectorState } from '../../engine/dispatch/connector-state.js';
import { systemClock } from '../../engine/clock.js';
import { createHttpClient, ERROR_BODY_SNIPPET_BYTES, RESPONSE_BODY_KEEP_BYTES } from '../../engine/dispatch/http-client.js';
import { judgeResult } from '../../engine/dispatch/judge-attempt.js';
import { compiledConnector } from '../helpers/compiled-connector.js';
import { startReceiver } from '../helpers/receiver.js';

const SECRET = 'tok_9f8e7d6c5b4a';
const target = compiledConnector({ url: 'http://127.0.0.1:9', secrets: [SECRET] });

test('the error leaves no part of a secret that the 512-byte snippet cut in two', () => {
  // What http-client gives for a 500 whose body has the secret across byte 512.
  const errorBody = `${'x'.repeat(ERROR_BODY_SNIPPET_BYTES - 8)}${SECRET}`;
  const bodySnippet = Buffer.from(errorBody).subarray(0, ERROR_BODY_SNIPPET_BYTES).toString('utf8');
  const judgement = judgeResult({ kind: 'response', status: 500, bodySnippet, errorBody, durationMs: 1 }, target, 0);
  assert.ok(!judgement.error!.includes(SECRET.slice(0, 8)), judgement.error!.slice(-30));
});

test('the kept body does not end in U+FFFD when the cut falls inside a 4-byte character', async () => {
  const receiver = await startReceiver(() => ({ status: 500, body: `${'a'.repeat(RESPONSE_BODY_KEEP_BYTES - 3)}😀tail` }));
  const client = createHttpClient({ clock: systemClock });
  try {
    const result = await client.send({ method: 'POST', url: receiver.url, headers: {}, body: '{}', timeoutMs: 2_000 });
    assert.equal(result.kind, 'response');
    const judgement = judgeResult(result, target, 0);
    assert.equal(judgement.responseBody, 'a'.repeat(RESPONSE_BODY_KEEP_BYTES - 3));
  } finally {
    await client.close();
    await receiver.close();
  }
});

test('a multi-line secret echoed in the body is removed from the error', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----';
  const withKey = compiledConnector({ url: 'http://127.0.0.1:9', secrets: [pem] });
  const errorBody = `bad client key: ${pem}`;
  const bodySnippet = errorBody.replace(/\s+/g, ' ').trim(); // http-client's snippetOf
  const judgement = judgeResult({ kind: 'response', status: 400, bodySnippet, errorBody, durationMs: 1 }, withKey, 0);
  assert.ok(!judgement.error!.includes('MIIEvQIBADANBg'), judgement.error!);
});

test('a 429 whose Retry-After is 0 reports no pause', () => {
  const state = new ConnectorState();
  const judgement = judgeResult({ kind: 'response', status: 429, bodySnippet: '', retryAfter: '0', durationMs: 1 }, target, 1_000);
  assert.deepEqual(state.observe(judgement, false, target, 1_000), []);
});
