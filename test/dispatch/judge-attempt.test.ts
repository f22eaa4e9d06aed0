/**
 * What one HTTP answer means for the deliveries it carried, through `judgeResult` and
 * `attemptResultFor` over answers written as data: no HTTP, no store, time and randomness fixed.
 * classify.test.ts and retry-policy.test.ts test the rules beneath one by one; these test what a
 * delivery ends up with: its state, error code, next attempt, error and kept body.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CompiledConnector } from '../../engine/config/compiled.js';
import { compileRetryOn } from '../../engine/config/values/retry-on.js';
import { RESPONSE_BODY_KEEP_BYTES, type HttpResult } from '../../engine/dispatch/http-client.js';
import { attemptResultFor, judgeResult, type AttemptResult } from '../../engine/dispatch/judge-attempt.js';
import { compiledConnector } from '../helpers/compiled-connector.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const SCHEDULE_MS = [5_000, 30_000, 120_000];
const HOUR_MS = 3_600_000;
const SECRET = 'tok_9f8e7d6c5b4a';

const target = connector({});

function connector(retry: Partial<CompiledConnector['retry']>, secrets: readonly string[] = [SECRET]): CompiledConnector {
  return compiledConnector({ url: 'http://127.0.0.1:9', retry: { scheduleMs: SCHEDULE_MS, maxRetryAfterMs: HOUR_MS, ...retry }, secrets });
}

function answer(status: number, fields: { body?: string; retryAfter?: string } = {}): HttpResult {
  const { body = '', retryAfter } = fields;
  return { kind: 'response', status, bodySnippet: body, durationMs: 7, ...(body !== '' && { errorBody: body }), ...(retryAfter !== undefined && { retryAfter }) };
}

const networkError = (message: string, timedOut = false): HttpResult => ({ kind: 'error', message, durationMs: 7, timedOut });

interface Attempt {
  readonly attempt?: number;
  readonly scheduleOffset?: number;
  readonly random?: () => number;
  readonly at?: number;
}

/** The result of `result` for a delivery on its `attempt`; jitter at its midpoint (none) unless `random` says otherwise. */
function attemptOf(result: HttpResult, on: CompiledConnector = target, options: Attempt = {}): AttemptResult {
  const { attempt = 1, scheduleOffset = 0, random = () => 0.5, at = NOW } = options;
  return attemptResultFor(judgeResult(result, on, at), on, attempt, scheduleOffset, random, at);
}

describe('what a status means for its delivery', () => {
  test('a 2xx is delivered, with no error, no kept body and no next attempt', () => {
    for (const status of [200, 202, 204, 299]) {
      const expected = { state: 'delivered', status, statusClass: '2xx', errorCode: null, error: null, responseBody: null, durationMs: 7, nextAttemptAt: null };
      assert.deepEqual(attemptOf(answer(status, { retryAfter: '60' })), expected, String(status));
    }
  });

  test('a 3xx is dead as TARGET_REJECTED, and the error says redirects are not followed', () => {
    for (const status of [301, 302, 307, 308]) {
      const result = attemptOf(answer(status, { body: 'moved' }));
      assert.equal(result.state, 'dead', String(status));
      assert.equal(result.statusClass, '3xx');
      assert.equal(result.errorCode, 'TARGET_REJECTED');
      assert.equal(result.error, `TARGET_REJECTED: HTTP ${status}: moved (redirects are not followed; point target.url at the final address)`);
      assert.equal(result.responseBody, 'moved');
      assert.equal(result.nextAttemptAt, null);
    }
  });

  test('408, 425, 429 and 5xx are retried by default at the first step of the schedule', () => {
    for (const status of [408, 425, 429, 500, 502, 503, 504, 599]) {
      assert.deepEqual(
        attemptOf(answer(status, { body: 'busy' })),
        { state: 'retrying', status, statusClass: status >= 500 ? '5xx' : '4xx', errorCode: 'TARGET_UNAVAILABLE', error: `TARGET_UNAVAILABLE: HTTP ${status}: busy`, responseBody: 'busy', durationMs: 7, nextAttemptAt: NOW + 5_000 },
        String(status),
      );
    }
  });

  test('any other 4xx, 410 among them, is dead at once although the schedule has steps left', () => {
    for (const status of [400, 401, 403, 404, 409, 410, 422, 451]) {
      const result = attemptOf(answer(status, { body: 'no' }));
      assert.deepEqual([result.state, result.errorCode, result.error, result.nextAttemptAt], ['dead', 'TARGET_REJECTED', `TARGET_REJECTED: HTTP ${status}: no`, null], String(status));
    }
  });

  test('a connection error or a timeout is retried, with no status (its class network or timeout) and no kept body, whatever retry.on says', () => {
    const nothingRetried = connector({ retryOn: compileRetryOn([409]) });
    const failures = [['ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9', false, 'network'], ['UND_ERR_HEADERS_TIMEOUT Headers Timeout Error', true, 'timeout']] as const;
    for (const [message, timedOut, statusClass] of failures) {
      for (const on of [target, nothingRetried]) {
        assert.deepEqual(attemptOf(networkError(message, timedOut), on), {
          state: 'retrying',
          status: null,
          statusClass,
          errorCode: 'TARGET_UNAVAILABLE',
          error: `TARGET_UNAVAILABLE: ${message}`,
          responseBody: null,
          durationMs: 7,
          nextAttemptAt: NOW + 5_000,
        });
      }
    }
  });

  test('retry.on replaces the default: its codes and classes are retried, every other failure is dead', () => {
    const codesAndClass = connector({ retryOn: compileRetryOn([409, '5xx']) });
    const states = (on: CompiledConnector, statuses: number[]) => statuses.map((status) => `${status} ${attemptOf(answer(status), on).state}`);
    assert.deepEqual(states(codesAndClass, [409, 500, 503, 599, 408, 425, 429, 404, 200]), ['409 retrying', '500 retrying', '503 retrying', '599 retrying', '408 dead', '425 dead', '429 dead', '404 dead', '200 delivered']);
    const classes = connector({ retryOn: compileRetryOn(['4xx', '3xx']) });
    assert.deepEqual(states(classes, [404, 410, 301, 500, 503]), ['404 retrying', '410 retrying', '301 retrying', '500 dead', '503 dead']);
  });

  test('410 is dead by default and retried when retry.on lists it', () => {
    assert.equal(attemptOf(answer(410)).state, 'dead');
    const retried = attemptOf(answer(410, { body: 'gone' }), connector({ retryOn: compileRetryOn([410, '5xx']) }));
    assert.deepEqual([retried.state, retried.errorCode, retried.error, retried.nextAttemptAt], ['retrying', 'TARGET_UNAVAILABLE', 'TARGET_UNAVAILABLE: HTTP 410: gone', NOW + 5_000]);
  });

  test('a 429 is retried when its Retry-After says, and dead when retry.on leaves it out', () => {
    assert.equal(attemptOf(answer(429, { retryAfter: '42' })).nextAttemptAt, NOW + 42_000);
    const dead = attemptOf(answer(429, { retryAfter: '42' }), connector({ retryOn: compileRetryOn(['5xx']) }));
    assert.deepEqual([dead.state, dead.errorCode, dead.nextAttemptAt], ['dead', 'TARGET_REJECTED', null]);
  });
});

describe('Retry-After', () => {
  test('delay-seconds replaces the scheduled delay, without jitter', () => {
    const judgement = judgeResult(answer(503, { retryAfter: '120' }), target, NOW);
    assert.equal(judgement.retryAfterMs, 120_000);
    for (const random of [() => 0, () => 0.999]) assert.equal(attemptResultFor(judgement, target, 1, 0, random, NOW).nextAttemptAt, NOW + 120_000);
  });

  test('an HTTP date is counted from the time passed in, not the machine clock', () => {
    const header = new Date(NOW + 90_000).toUTCString();
    assert.equal(attemptOf(answer(503, { retryAfter: header })).nextAttemptAt, NOW + 90_000);
    assert.equal(attemptOf(answer(503, { retryAfter: header }), target, { at: NOW + 30_000 }).nextAttemptAt, NOW + 90_000);
  });

  test('a date in the past, or 0 seconds, means try again now', () => {
    for (const retryAfter of [new Date(NOW - 90_000).toUTCString(), '0']) {
      assert.equal(judgeResult(answer(503, { retryAfter }), target, NOW).retryAfterMs, 0, retryAfter);
      assert.equal(attemptOf(answer(503, { retryAfter })).nextAttemptAt, NOW, retryAfter);
    }
  });

  test('an unreadable value is ignored: the schedule applies, with its jitter', () => {
    for (const retryAfter of ['', 'soon', '-5', '1.5', '0x10', 'Thu, 32 Foo 2026 25:00:00 GMT']) {
      assert.equal(judgeResult(answer(503, { retryAfter }), target, NOW).retryAfterMs, undefined, retryAfter);
      assert.equal(attemptOf(answer(503, { retryAfter }), target, { random: () => 0 }).nextAttemptAt, NOW + 4_000, retryAfter);
    }
  });

  test('is cut to retry.maxRetryAfter, in both forms', () => {
    const capped = connector({ maxRetryAfterMs: 60_000 });
    for (const retryAfter of ['3600', new Date(NOW + 2 * HOUR_MS).toUTCString()]) {
      assert.equal(judgeResult(answer(503, { retryAfter }), capped, NOW).retryAfterMs, 60_000, retryAfter);
      assert.equal(attemptOf(answer(429, { retryAfter }), capped).nextAttemptAt, NOW + 60_000, retryAfter);
    }
    assert.equal(attemptOf(answer(503, { retryAfter: '59' }), capped).nextAttemptAt, NOW + 59_000, 'a shorter one stands');
  });

  test('never buys an attempt the schedule has not', () => {
    const last = attemptOf(answer(503, { retryAfter: '1' }), target, { attempt: SCHEDULE_MS.length + 1 });
    assert.deepEqual([last.state, last.errorCode, last.nextAttemptAt], ['dead', 'RETRIES_EXHAUSTED', null]);
  });

  test('does not revive an answer that is dead', () => {
    assert.equal(attemptOf(answer(400, { retryAfter: '5' })).nextAttemptAt, null);
  });
});

describe('the retry schedule', () => {
  test('attempt n waits step n, scaled by a jitter factor between 0.8 and 1.2', () => {
    const delays = (random: () => number) => [1, 2, 3].map((attempt) => attemptOf(answer(503), target, { attempt, random }).nextAttemptAt! - NOW);
    assert.deepEqual(delays(() => 0), [4_000, 24_000, 96_000]);
    assert.deepEqual(delays(() => 0.5), [5_000, 30_000, 120_000]);
    assert.deepEqual(delays(() => 0.999_999), [6_000, 36_000, 144_000]);
  });

  test('after the last step the delivery is dead as RETRIES_EXHAUSTED, with its last error and body', () => {
    assert.deepEqual(attemptOf(answer(503, { body: 'busy' }), target, { attempt: 4 }), {
      state: 'dead',
      status: 503,
      statusClass: '5xx',
      errorCode: 'RETRIES_EXHAUSTED',
      error: 'RETRIES_EXHAUSTED after 4 attempts; last: TARGET_UNAVAILABLE: HTTP 503: busy',
      responseBody: 'busy',
      durationMs: 7,
      nextAttemptAt: null,
    });
    const timedOut = attemptOf(networkError('UND_ERR_CONNECT_TIMEOUT'), target, { attempt: 4 });
    assert.equal(timedOut.error, 'RETRIES_EXHAUSTED after 4 attempts; last: TARGET_UNAVAILABLE: UND_ERR_CONNECT_TIMEOUT');
  });

  test('an empty schedule makes the first retryable failure final', () => {
    assert.equal(attemptOf(answer(503), connector({ scheduleMs: [] })).errorCode, 'RETRIES_EXHAUSTED');
  });

  test('a re-driven delivery starts the schedule again after its scheduleOffset, and counts every attempt', () => {
    const redriven = (attempt: number) => attemptOf(answer(503), target, { attempt, scheduleOffset: 4 });
    assert.equal(redriven(5).nextAttemptAt, NOW + 5_000);
    assert.equal(redriven(7).nextAttemptAt, NOW + 120_000);
    assert.equal(redriven(8).error, 'RETRIES_EXHAUSTED after 8 attempts; last: TARGET_UNAVAILABLE: HTTP 503');
  });
});

describe('secrets in what is kept', () => {
  test('are removed from the error and the kept body of a rejected answer', () => {
    const result = attemptOf(answer(401, { body: `bad token ${SECRET}; expected ${SECRET}` }));
    assert.equal(result.error, 'TARGET_REJECTED: HTTP 401: bad token [REDACTED]; expected [REDACTED]');
    assert.equal(result.responseBody, 'bad token [REDACTED]; expected [REDACTED]');
  });

  test('are removed from a retried answer, a network error and a RETRIES_EXHAUSTED error', () => {
    assert.equal(attemptOf(answer(503, { body: `echo ${SECRET}` })).error, 'TARGET_UNAVAILABLE: HTTP 503: echo [REDACTED]');
    assert.equal(attemptOf(networkError(`ENOTFOUND getaddrinfo ${SECRET}.example`)).error, 'TARGET_UNAVAILABLE: ENOTFOUND getaddrinfo [REDACTED].example');
    const exhausted = attemptOf(answer(503, { body: SECRET }), target, { attempt: 4 });
    assert.equal(exhausted.error, 'RETRIES_EXHAUSTED after 4 attempts; last: TARGET_UNAVAILABLE: HTTP 503: [REDACTED]');
    assert.equal(exhausted.responseBody, '[REDACTED]');
  });

  test('the snippet stands in for a body the client did not keep', () => {
    const result = attemptOf({ kind: 'response', status: 500, bodySnippet: `oops ${SECRET}`, durationMs: 7 });
    assert.equal(result.responseBody, 'oops [REDACTED]');
  });
});

describe('the kept body', () => {
  const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

  test('is kept whole up to RESPONSE_BODY_KEEP_BYTES', () => {
    const body = `${'é'.repeat(RESPONSE_BODY_KEEP_BYTES / 2 - 2)}abcd`;
    assert.equal(utf8Bytes(body), RESPONSE_BODY_KEEP_BYTES);
    assert.equal(attemptOf(answer(500, { body })).responseBody, body);
  });

  test('is cut at RESPONSE_BODY_KEEP_BYTES without splitting a character, when redaction made it longer', () => {
    // Each `[REDACTED]` is 4 bytes longer than `short1`: the body fits, its redacted text does not,
    // and the limit falls inside the character.
    const redacted = '[REDACTED] [REDACTED] ';
    for (const char of ['é', '€', '😀']) {
      for (let bytesBefore = 1; bytesBefore < utf8Bytes(char); bytesBefore++) {
        const filler = 'a'.repeat(RESPONSE_BODY_KEEP_BYTES - redacted.length - bytesBefore);
        const kept = attemptOf(answer(500, { body: `short1 short1 ${filler}${char}tail` }), connector({}, ['short1'])).responseBody;
        assert.equal(kept, `${redacted}${filler}`, `${char} cut after ${bytesBefore} of its bytes`);
      }
    }
  });

  test('drops the start of a secret that the cut left at its end', () => {
    for (const length of [4, 8, SECRET.length - 1]) {
      const body = `${'x'.repeat(RESPONSE_BODY_KEEP_BYTES - length)}${SECRET.slice(0, length)}`;
      const result = attemptOf(answer(500, { body }));
      assert.equal(result.responseBody, 'x'.repeat(RESPONSE_BODY_KEEP_BYTES - length), `${length} characters of the secret`);
    }
  });

  test('keeps an ending too short to give a secret away', () => {
    const body = `${'x'.repeat(RESPONSE_BODY_KEEP_BYTES - 3)}${SECRET.slice(0, 3)}`;
    assert.equal(attemptOf(answer(500, { body })).responseBody, body);
  });

  test('is null for a delivered answer and a network error', () => {
    assert.equal(judgeResult({ kind: 'response', status: 200, bodySnippet: '', durationMs: 1, body: SECRET }, target, NOW).responseBody, null);
    assert.equal(judgeResult(networkError('ECONNRESET'), target, NOW).responseBody, null);
  });
});
