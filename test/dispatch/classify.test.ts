import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classify } from '../../engine/dispatch/classify.js';

const response = (status: number, bodySnippet = '') => ({ kind: 'response' as const, status, bodySnippet, durationMs: 1 });

describe('classify', () => {
  test('2xx answers are delivered', () => {
    for (const status of [200, 201, 202, 204, 299]) assert.equal(classify(response(status)).kind, 'delivered', String(status));
  });

  test('408, 425, 429 and 5xx are retried', () => {
    for (const status of [408, 425, 429, 500, 502, 503, 504, 599]) assert.equal(classify(response(status)).kind, 'retry', String(status));
  });

  test('by default a status past 599, which undici passes on, is retried', () => {
    for (const status of [600, 799, 999]) assert.equal(classify(response(status)).kind, 'retry', String(status));
  });

  test('other 4xx are dead at once, with the status and body in the reason', () => {
    for (const status of [400, 401, 403, 404, 409, 410, 422]) assert.equal(classify(response(status)).kind, 'dead', String(status));
    const verdict = classify(response(422, 'permitId missing'));
    assert.deepEqual(verdict, { kind: 'dead', code: 'TARGET_REJECTED', reason: 'TARGET_REJECTED: HTTP 422: permitId missing' });
  });

  test('redirects are dead with advice, since they are not followed', () => {
    const verdict = classify(response(301));
    assert.equal(verdict.kind, 'dead');
    assert.match((verdict as { reason: string }).reason, /point target\.url at the final address/);
  });

  test('connection errors and timeouts are retried', () => {
    const verdict = classify({ kind: 'error', message: 'ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1', durationMs: 2 });
    assert.deepEqual(verdict, { kind: 'retry', code: 'TARGET_UNAVAILABLE', reason: 'TARGET_UNAVAILABLE: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1' });
  });

  test('retry.on decides which statuses retry, replacing the default', () => {
    const retryOn = (status: number) => status === 409 || (status >= 500 && status < 600);
    assert.equal(classify(response(409), retryOn).kind, 'retry');
    assert.equal(classify(response(503), retryOn).kind, 'retry');
    assert.equal(classify(response(429), retryOn).kind, 'dead');
    assert.equal(classify(response(200), retryOn).kind, 'delivered');
    assert.equal(classify({ kind: 'error', message: 'ETIMEDOUT', durationMs: 1 }, () => false).kind, 'retry', 'network errors always retry');
  });
});
