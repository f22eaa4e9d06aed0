/**
 * The connector-wide rules (connector-state.ts) over time passed in: the breaker, the 429 pause,
 * the 410 disablement, the rate limit and what status shows. Answers are judged by the real
 * `judgeResult`, so a change to what a status means shows here too.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CompiledConnector } from '../../engine/config/compiled.js';
import { compileRetryOn } from '../../engine/config/values/retry-on.js';
import { ConnectorState, THROTTLE_PAUSE_MS } from '../../engine/dispatch/connector-state.js';
import type { HttpResult } from '../../engine/dispatch/http-client.js';
import { judgeResult, type Judgement } from '../../engine/dispatch/judge-attempt.js';
import { compiledConnector, type ConnectorSpec } from '../helpers/compiled-connector.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const COOLDOWN_MS = 10_000;
const HOUR_MS = 3_600_000;

const plain = connector({});
const guarded = connector({ breaker: { failures: 3, cooldownMs: COOLDOWN_MS } });

function connector(spec: Omit<ConnectorSpec, 'url'>): CompiledConnector {
  return compiledConnector({ url: 'http://127.0.0.1:9', ...spec });
}

function judged(status: number | 'refused', on: CompiledConnector, nowMs: number, retryAfter?: string): Judgement {
  const result: HttpResult =
    status === 'refused'
      ? { kind: 'error', message: 'ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9', durationMs: 1 }
      : { kind: 'response', status, bodySnippet: '', durationMs: 1, ...(retryAfter !== undefined && { retryAfter }) };
  return judgeResult(result, on, nowMs);
}

/** Observes an answer to a request that is not a breaker probe. */
function answer(state: ConnectorState, status: number | 'refused', on: CompiledConnector, nowMs: number, retryAfter?: string) {
  return state.observe(judged(status, on, nowMs, retryAfter), false, on, nowMs);
}

/** A state whose breaker opened at T0 after three 503s. */
function opened(): ConnectorState {
  const state = new ConnectorState();
  for (let i = 0; i < 3; i++) answer(state, 503, guarded, T0);
  return state;
}

describe('the circuit breaker', () => {
  test('opens after breaker.failures failures in a row and holds the connector until the cooldown ends', () => {
    const state = new ConnectorState();
    assert.deepEqual(answer(state, 503, guarded, T0), []);
    assert.deepEqual(answer(state, 'refused', guarded, T0), []);
    assert.deepEqual(answer(state, 500, guarded, T0), [{ kind: 'breaker-opened', breaker: { state: 'open', consecutiveFailures: 3, openUntil: T0 + COOLDOWN_MS } }]);
    assert.deepEqual(state.hold(guarded, T0 + COOLDOWN_MS - 1), { reason: 'breaker-open', dueAt: T0 + COOLDOWN_MS, timed: true });
    assert.equal(state.canStart(guarded, T0 + COOLDOWN_MS - 1), false);
  });

  test('counts only failures in a row: any answer from a live target resets the count, a 429 or nothing sent does not', () => {
    const state = new ConnectorState();
    for (const status of [503, 503, 404, 503, 503, 400, 503]) answer(state, status, guarded, T0);
    assert.equal(state.hold(guarded, T0), undefined, 'a 4xx shows the target is up');
    answer(state, 429, guarded, T0);
    state.observe(undefined, false, guarded, T0);
    assert.deepEqual(answer(state, 503, guarded, T0 + 1).map((change) => change.kind), []);
    assert.deepEqual(answer(state, 503, guarded, T0 + 1).map((change) => change.kind), ['breaker-opened']);
  });

  test('a 410 that retry.on lists counts as a failure', () => {
    const retries410 = connector({ breaker: { failures: 1, cooldownMs: COOLDOWN_MS }, retry: { scheduleMs: [1_000], maxRetryAfterMs: HOUR_MS, retryOn: compileRetryOn([410]) } });
    assert.deepEqual(answer(new ConnectorState(), 410, retries410, T0).map((change) => change.kind), ['breaker-opened']);
  });

  test('after the cooldown lets exactly one probe through, and nothing else while it is in flight', () => {
    const state = opened();
    const later = T0 + COOLDOWN_MS;
    assert.equal(state.hold(guarded, later), undefined);
    assert.equal(state.canStart(guarded, later), true);
    assert.equal(state.startRequest(guarded, later), true, 'the first request is the probe');
    assert.equal(state.canStart(guarded, later), false);
    assert.equal(state.canStart(guarded, later + HOUR_MS), false, 'the probe is waited for however long it takes');
  });

  test('a successful probe closes the breaker, and requests flow again without probes', () => {
    const state = opened();
    const later = T0 + COOLDOWN_MS;
    const probe = state.startRequest(guarded, later);
    assert.deepEqual(state.observe(judged(201, guarded, later), probe, guarded, later), [{ kind: 'breaker-closed' }]);
    assert.equal(state.canStart(guarded, later), true);
    assert.equal(state.startRequest(guarded, later), false);
    assert.equal(state.canStart(guarded, later), true);
    assert.deepEqual(state.status(guarded, later).breaker, { state: 'closed', consecutiveFailures: 0, openUntil: null });
  });

  test('a failed probe opens the breaker for another cooldown', () => {
    const state = opened();
    const later = T0 + COOLDOWN_MS + 500;
    const probe = state.startRequest(guarded, later);
    assert.deepEqual(state.observe(judged('refused', guarded, later), probe, guarded, later), [
      { kind: 'breaker-opened', breaker: { state: 'open', consecutiveFailures: 3, openUntil: later + COOLDOWN_MS } },
    ]);
    assert.deepEqual(state.hold(guarded, later), { reason: 'breaker-open', dueAt: later + COOLDOWN_MS, timed: true });
  });

  test('a probe that says nothing (a 429, nothing sent) leaves it half-open for the next probe', () => {
    const state = opened();
    const later = T0 + COOLDOWN_MS;
    assert.deepEqual(state.observe(undefined, state.startRequest(guarded, later), guarded, later), []);
    assert.equal(state.status(guarded, later).breaker?.state, 'half-open');
    assert.equal(state.startRequest(guarded, later), true, 'the next request is a probe again');
    assert.deepEqual(state.observe(judged(429, guarded, later), true, guarded, later), [{ kind: 'paused', until: later + THROTTLE_PAUSE_MS }]);
    assert.equal(state.status(guarded, later).breaker?.state, 'half-open');
    const resumed = later + THROTTLE_PAUSE_MS;
    assert.equal(state.canStart(guarded, resumed), true);
    assert.equal(state.startRequest(guarded, resumed), true);
  });

  test('an answer to a request started before the breaker opened changes nothing', () => {
    const state = opened();
    assert.deepEqual(answer(state, 200, guarded, T0 + 1), []);
    assert.deepEqual(answer(state, 200, guarded, T0 + COOLDOWN_MS), []);
    assert.equal(state.status(guarded, T0 + 1).breaker?.state, 'open');
  });

  test('without breaker settings, failures never hold the connector', () => {
    const state = new ConnectorState();
    for (let i = 0; i < 100; i++) assert.deepEqual(answer(state, 503, plain, T0), []);
    assert.equal(state.canStart(plain, T0), true);
    assert.equal(state.startRequest(plain, T0), false);
  });

  test('a breaker removed from the file is reset by reconcile', () => {
    const state = opened();
    assert.deepEqual(state.reconcile(plain), []);
    assert.equal(state.hold(plain, T0), undefined);
    assert.deepEqual(state.status(guarded, T0).breaker, { state: 'closed', consecutiveFailures: 0, openUntil: null }, 'put back, it starts closed');
    assert.equal(state.canStart(guarded, T0), true);
  });

  test('reconcile keeps a breaker the file still has', () => {
    const state = opened();
    assert.deepEqual(state.reconcile(guarded), []);
    assert.equal(state.hold(guarded, T0)?.reason, 'breaker-open');
  });
});

describe('the 429 pause', () => {
  test(`a 429 without Retry-After pauses every route for THROTTLE_PAUSE_MS (${THROTTLE_PAUSE_MS} ms)`, () => {
    const state = new ConnectorState();
    assert.deepEqual(answer(state, 429, plain, T0), [{ kind: 'paused', until: T0 + THROTTLE_PAUSE_MS }]);
    assert.deepEqual(state.hold(plain, T0 + THROTTLE_PAUSE_MS - 1), { reason: 'paused', dueAt: T0 + THROTTLE_PAUSE_MS, timed: true });
    assert.equal(state.canStart(plain, T0 + THROTTLE_PAUSE_MS - 1), false);
  });

  test("a 429's Retry-After sets the pause, in seconds or as a date", () => {
    for (const retryAfter of ['30', new Date(T0 + 30_000).toUTCString()]) {
      const state = new ConnectorState();
      assert.deepEqual(answer(state, 429, plain, T0, retryAfter), [{ kind: 'paused', until: T0 + 30_000 }], retryAfter);
    }
  });

  test('the pause is bounded by retry.maxRetryAfter, with or without Retry-After', () => {
    const short = connector({ retry: { scheduleMs: [1_000], maxRetryAfterMs: 2_000 } });
    assert.deepEqual(answer(new ConnectorState(), 429, short, T0), [{ kind: 'paused', until: T0 + 2_000 }]);
    assert.deepEqual(answer(new ConnectorState(), 429, short, T0, '3600'), [{ kind: 'paused', until: T0 + 2_000 }]);
  });

  test('a later 429 lengthens the pause but never shortens it, and only the start of a pause is reported', () => {
    const state = new ConnectorState();
    assert.deepEqual(answer(state, 429, plain, T0, '30'), [{ kind: 'paused', until: T0 + 30_000 }]);
    assert.deepEqual(answer(state, 429, plain, T0 + 1_000, '60'), []);
    assert.deepEqual(state.hold(plain, T0 + 1_000), { reason: 'paused', dueAt: T0 + 61_000, timed: true });
    assert.deepEqual(answer(state, 429, plain, T0 + 2_000, '1'), []);
    assert.deepEqual(answer(state, 429, plain, T0 + 2_000), []);
    assert.deepEqual(state.hold(plain, T0 + 2_000), { reason: 'paused', dueAt: T0 + 61_000, timed: true });
  });

  test('the pause ends by itself, and a 429 after it starts a new one', () => {
    const state = new ConnectorState();
    answer(state, 429, plain, T0);
    const end = T0 + THROTTLE_PAUSE_MS;
    assert.equal(state.hold(plain, end), undefined);
    assert.equal(state.canStart(plain, end), true);
    assert.deepEqual(answer(state, 429, plain, end + 1), [{ kind: 'paused', until: end + 1 + THROTTLE_PAUSE_MS }]);
  });

  test('a 429 pauses the connector even when retry.on makes it dead', () => {
    const no429 = connector({ retry: { scheduleMs: [1_000], maxRetryAfterMs: HOUR_MS, retryOn: compileRetryOn(['5xx']) } });
    assert.deepEqual(answer(new ConnectorState(), 429, no429, T0), [{ kind: 'paused', until: T0 + THROTTLE_PAUSE_MS }]);
  });

  test('other answers do not pause', () => {
    const state = new ConnectorState();
    for (const status of [503, 408, 425, 400]) assert.deepEqual(answer(state, status, plain, T0, '30'), [], String(status));
    assert.equal(state.hold(plain, T0), undefined);
  });
});

describe('410 Gone', () => {
  const r2 = connector({ revision: 'r2' });
  const gone = { revision: 'r1', since: T0, reason: 'the target answered 410 Gone' };

  test('disables the connector for its revision, once', () => {
    const state = new ConnectorState();
    assert.deepEqual(answer(state, 410, plain, T0), [{ kind: 'disabled', disabled: gone }]);
    assert.deepEqual(answer(state, 410, plain, T0 + 1), [], 'requests in flight answering 410 report nothing more');
    for (const at of [T0, T0 + HOUR_MS, T0 + 1_000 * HOUR_MS]) assert.deepEqual(state.hold(plain, at), { reason: 'disabled', dueAt: at, timed: false });
    assert.equal(state.canStart(plain, T0 + HOUR_MS), false);
  });

  test('reconcile with the same revision changes nothing; another revision enables the connector', () => {
    const state = new ConnectorState();
    answer(state, 410, plain, T0);
    assert.deepEqual(state.reconcile(plain), []);
    assert.equal(state.hold(plain, T0)?.reason, 'disabled');
    assert.deepEqual(state.reconcile(r2), [{ kind: 'enabled' }]);
    assert.equal(state.hold(r2, T0), undefined);
    assert.deepEqual(state.reconcile(r2), [], 'enabled once');
    assert.equal(state.hold(plain, T0), undefined, 'the old record is gone, not merely out of date');
  });

  test('the record kept by the store holds its own revision only', () => {
    const state = new ConnectorState({ disabled: gone });
    assert.equal(state.hold(plain, T0)?.reason, 'disabled');
    assert.equal(state.hold(r2, T0), undefined);
    assert.deepEqual(state.reconcile(r2), [{ kind: 'enabled' }]);
  });

  test('a 410 that retry.on lists is retried and leaves the connector enabled', () => {
    const retries410 = connector({ retry: { scheduleMs: [1_000], maxRetryAfterMs: HOUR_MS, retryOn: compileRetryOn([410, '5xx']) } });
    const state = new ConnectorState();
    assert.deepEqual(answer(state, 410, retries410, T0), []);
    assert.equal(state.hold(retries410, T0), undefined);
  });
});

describe('a pause by an operator', () => {
  const pausedFile = connector({ paused: true });

  test('an operator pause holds every delivery, with no end of its own, until resumed', () => {
    const state = new ConnectorState();
    assert.deepEqual(state.pause('api token', T0), [{ kind: 'operator-paused', pause: { by: 'api token', since: T0 } }]);
    assert.deepEqual(state.hold(plain, T0 + HOUR_MS), { reason: 'paused-by-operator', dueAt: T0 + HOUR_MS, timed: false });
    assert.equal(state.canStart(plain, T0 + HOUR_MS), false);
    assert.deepEqual(state.pause('someone else', T0 + 1), [], 'the first pause is kept');
    assert.deepEqual(state.status(plain, T0).pausedBy, { file: false, operator: { by: 'api token', since: T0 } });
    assert.deepEqual(state.resume('read token'), [{ kind: 'operator-resumed', by: 'read token' }]);
    assert.equal(state.hold(plain, T0), undefined);
    assert.deepEqual(state.resume('read token'), [], 'resumed once');
    assert.equal(state.status(plain, T0).pausedBy, null);
  });

  test("the file's pause holds whatever an operator does; the connector sends only when neither holds", () => {
    const state = new ConnectorState();
    assert.deepEqual(state.reconcile(pausedFile), [{ kind: 'file-paused' }], 'noted at start');
    assert.equal(state.hold(pausedFile, T0)?.reason, 'paused-by-operator');
    state.pause('api token', T0);
    state.resume('api token');
    assert.equal(state.hold(pausedFile, T0)?.reason, 'paused-by-operator', "resume ends the operator's pause only");
    assert.deepEqual(state.status(pausedFile, T0).pausedBy, { file: true, operator: null });
    state.pause('api token', T0);
    assert.deepEqual(state.reconcile(plain), [{ kind: 'file-resumed' }]);
    assert.equal(state.hold(plain, T0)?.reason, 'paused-by-operator', "the operator's pause outlives the file's");
    state.resume('api token');
    assert.equal(state.hold(plain, T0), undefined);
    assert.deepEqual(state.reconcile(plain), [], 'a file without a pause is no change');
  });

  test('a pause the store kept holds from the start, before anything is reconciled', () => {
    const state = new ConnectorState({ operatorPause: { by: 'api token', since: T0 } });
    assert.equal(state.hold(plain, T0)?.reason, 'paused-by-operator');
    assert.deepEqual(state.reconcile(plain), []);
    assert.equal(state.status(plain, T0).state, 'paused-by-operator');
  });

  test('the pause comes first: a paused connector that also answered 410 shows as paused, and the 410 stays recorded', () => {
    const state = new ConnectorState();
    answer(state, 410, plain, T0);
    state.pause('api token', T0);
    const status = state.status(plain, T0);
    assert.equal(status.state, 'paused-by-operator');
    assert.equal(status.disabled?.revision, 'r1');
    state.resume('api token');
    assert.equal(state.hold(plain, T0)?.reason, 'disabled');
  });
});

describe('the rate limit', () => {
  const tenPerSecond = connector({ rateLimit: { perSecond: 10, text: '10/s' } });

  test('without rateLimit every request may start at once', () => {
    const state = new ConnectorState();
    for (let i = 0; i < 1_000; i++) assert.equal(state.takeToken(plain, T0), 0);
  });

  test('takes a token per request and says how long until the next', () => {
    const state = new ConnectorState();
    assert.equal(state.takeToken(tenPerSecond, T0), 0);
    assert.equal(state.takeToken(tenPerSecond, T0), 100);
    assert.equal(state.takeToken(tenPerSecond, T0 + 40), 60, 'a wait takes nothing');
    assert.equal(state.takeToken(tenPerSecond, T0 + 100), 0);
    assert.equal(state.takeToken(tenPerSecond, T0 + 100), 100);
  });

  test('a changed rate starts a full bucket at the new rate; a removed one stops limiting', () => {
    const state = new ConnectorState();
    state.takeToken(tenPerSecond, T0);
    const twenty = connector({ rateLimit: { perSecond: 20, text: '20/s' } });
    assert.deepEqual([state.takeToken(twenty, T0), state.takeToken(twenty, T0), state.takeToken(twenty, T0)], [0, 0, 50]);
    assert.equal(state.takeToken(plain, T0), 0);
    assert.equal(state.takeToken(tenPerSecond, T0), 0, 'put back, it starts full');
  });

  test('split among live replicas, each takes its share, and the split follows their number', () => {
    const state = new ConnectorState();
    state.shareLimit(2);
    assert.equal(state.takeToken(tenPerSecond, T0), 0);
    assert.equal(state.takeToken(tenPerSecond, T0), 200, 'five per second on this replica');
    assert.equal(state.status(tenPerSecond, T0).rateLimit?.perSecond, 5);
    state.shareLimit(1);
    assert.equal(state.status(tenPerSecond, T0).rateLimit?.perSecond, 10, 'alone again: the whole limit');
  });
});

describe('state another replica recorded', () => {
  test('an operator\'s pause and a 410 disable adopted from the store hold the connector; adopting none frees it', () => {
    const state = new ConnectorState();
    state.adopt({ operatorPause: { by: 'ops on another replica', since: T0 } });
    assert.equal(state.hold(plain, T0)?.reason, 'paused-by-operator');
    state.adopt({ disabled: { revision: plain.revision, since: T0, reason: 'the target answered 410 Gone' } });
    assert.equal(state.hold(plain, T0)?.reason, 'disabled');
    state.adopt({});
    assert.equal(state.hold(plain, T0), undefined);
  });
});

describe('status', () => {
  const limited = connector({ breaker: { failures: 3, cooldownMs: COOLDOWN_MS }, rateLimit: { perSecond: 10, text: '10/s' } });
  const closed = { state: 'closed', consecutiveFailures: 0, openUntil: null } as const;

  test('active: nothing held, a full bucket before the first request', () => {
    const state = new ConnectorState();
    assert.deepEqual(state.status(plain, T0), { state: 'active', pausedBy: null, disabled: null, pausedUntil: null, breaker: null, rateLimit: null });
    assert.deepEqual(state.status(limited, T0), { state: 'active', pausedBy: null, disabled: null, pausedUntil: null, breaker: closed, rateLimit: { perSecond: 10, burst: 1, available: 1 } });
    state.takeToken(limited, T0);
    assert.equal(state.status(limited, T0).rateLimit?.available, 0);
  });

  test('paused: until when', () => {
    const state = new ConnectorState();
    answer(state, 429, plain, T0);
    assert.deepEqual(state.status(plain, T0 + 1), { state: 'paused', pausedBy: null, disabled: null, pausedUntil: T0 + THROTTLE_PAUSE_MS, breaker: null, rateLimit: null });
    assert.deepEqual(state.status(plain, T0 + THROTTLE_PAUSE_MS), { state: 'active', pausedBy: null, disabled: null, pausedUntil: null, breaker: null, rateLimit: null });
  });

  test('breaker-open while the cooldown runs, active with a half-open breaker after it', () => {
    const state = opened();
    const open = { state: 'open', consecutiveFailures: 3, openUntil: T0 + COOLDOWN_MS };
    assert.deepEqual(state.status(guarded, T0 + 1), { state: 'breaker-open', pausedBy: null, disabled: null, pausedUntil: null, breaker: open, rateLimit: null });
    const halfOpen = { ...open, state: 'half-open' };
    assert.deepEqual(state.status(guarded, T0 + COOLDOWN_MS), { state: 'active', pausedBy: null, disabled: null, pausedUntil: null, breaker: halfOpen, rateLimit: null });
  });

  test('disabled: the 410 record of this revision, first of the holds but a pause by an operator', () => {
    const state = new ConnectorState();
    for (let i = 0; i < 3; i++) answer(state, 503, limited, T0);
    answer(state, 429, limited, T0);
    answer(state, 410, limited, T0);
    const status = state.status(limited, T0 + 1);
    assert.deepEqual([status.state, status.disabled, status.pausedUntil, status.breaker?.state], ['disabled', { revision: 'r1', since: T0, reason: 'the target answered 410 Gone' }, T0 + THROTTLE_PAUSE_MS, 'open']);
    assert.equal(state.status(connector({ revision: 'r2' }), T0 + 1).disabled, null, 'another revision is not disabled');
  });

  test('a connector no longer configured shows nothing held', () => {
    const state = opened();
    answer(state, 410, guarded, T0);
    assert.deepEqual(state.status(undefined, T0), { state: 'active', pausedBy: null, disabled: null, pausedUntil: null, breaker: null, rateLimit: null });
  });
});
