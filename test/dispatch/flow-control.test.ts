import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Batcher } from '../../engine/dispatch/batcher.js';
import { CircuitBreaker } from '../../engine/dispatch/circuit-breaker.js';
import { OrderingQueue } from '../../engine/dispatch/ordering-queue.js';
import { RATE_LIMIT_BURST_MS, TokenBucket } from '../../engine/dispatch/rate-limiter.js';
import { manualTimers } from '../helpers/manual-timers.js';

const T0 = Date.UTC(2026, 0, 1);

describe('TokenBucket', () => {
  test('starts with a tenth of a second of tokens, then refills at perSecond', () => {
    assert.equal(RATE_LIMIT_BURST_MS, 100);
    const bucket = new TokenBucket(20, T0);
    assert.equal(bucket.burst, 2);
    assert.equal(bucket.take(T0), 0);
    assert.equal(bucket.take(T0), 0);
    assert.equal(bucket.take(T0), 50, 'the next token comes 1/20 s later');
    assert.equal(bucket.take(T0 + 25), 25);
    assert.equal(bucket.take(T0 + 50), 0);
    assert.equal(bucket.available(T0 + 10_000), 2, 'never holds more than its burst');
  });

  test('a slow rate holds one token and waits long', () => {
    const bucket = new TokenBucket(1 / 60, T0);
    assert.equal(bucket.burst, 1);
    assert.equal(bucket.take(T0), 0);
    assert.equal(bucket.take(T0), 60_000);
  });

  test('starts at most perSecond + burst requests in any one-second window', () => {
    const bucket = new TokenBucket(50, T0);
    const starts: number[] = [];
    for (let t = T0; t < T0 + 3_000; t++) while (bucket.take(t) === 0) starts.push(t);
    for (const start of starts) assert.ok(starts.filter((s) => s >= start && s < start + 1_000).length <= 50 + bucket.burst);
    assert.ok(starts.length >= 150 && starts.length <= 150 + bucket.burst, String(starts.length));
  });
});

describe('CircuitBreaker', () => {
  const settings = { failures: 3, cooldownMs: 10_000 };

  test('opens after N consecutive failures; a success in between resets the count', () => {
    const breaker = new CircuitBreaker();
    assert.equal(breaker.record('failure', false, settings, T0), undefined);
    assert.equal(breaker.record('failure', false, settings, T0), undefined);
    assert.equal(breaker.record('success', false, settings, T0), undefined);
    assert.equal(breaker.status(T0).consecutiveFailures, 0);
    breaker.record('failure', false, settings, T0);
    breaker.record('neutral', false, settings, T0);
    breaker.record('failure', false, settings, T0);
    assert.equal(breaker.record('failure', false, settings, T0 + 5), 'opened');
    assert.deepEqual(breaker.status(T0 + 6), { state: 'open', consecutiveFailures: 3, openUntil: T0 + 10_005 });
    assert.equal(breaker.canStart(T0 + 10_004), false);
  });

  test('after the cooldown lets one probe through; a failed probe re-opens, a successful one closes', () => {
    const breaker = new CircuitBreaker();
    for (let i = 0; i < 3; i++) breaker.record('failure', false, settings, T0);
    const later = T0 + 10_000;
    assert.equal(breaker.state(later), 'half-open');
    assert.equal(breaker.canStart(later), true);
    assert.equal(breaker.start(later), true);
    assert.equal(breaker.canStart(later), false, 'one probe at a time');
    assert.equal(breaker.record('failure', false, settings, later), undefined, 'a request from before the opening is ignored');
    assert.equal(breaker.record('failure', true, settings, later + 1), 'opened');
    assert.equal(breaker.blockedUntil(later + 2), later + 10_001);
    const again = later + 10_001;
    assert.equal(breaker.start(again), true);
    assert.equal(breaker.record('neutral', true, settings, again), undefined, 'a 429 probe says nothing');
    assert.equal(breaker.start(again), true);
    assert.equal(breaker.record('success', true, settings, again), 'closed');
    assert.deepEqual(breaker.status(again), { state: 'closed', consecutiveFailures: 0, openUntil: null });
  });
});

describe('OrderingQueue', () => {
  const item = (id: string, orderingKey: string | null) => ({ id, orderingKey });

  test('passes one item per key, the next after a final outcome; unkeyed items always pass', () => {
    const queue = new OrderingQueue<{ id: string; orderingKey: string | null }>();
    const [a1, a2, a3, b1, free] = [item('a1', 'A'), item('a2', 'A'), item('a3', 'A'), item('b1', 'B'), item('free', null)];
    assert.deepEqual([a1, a2, a3, b1, free].map((i) => queue.admit(i)), [true, false, false, true, true]);
    assert.equal(queue.size, 2);
    assert.deepEqual(queue.finish(a2, true), { giveBack: [] }, 'a waiting item holds nothing');
    assert.deepEqual(queue.finish(a1, true), { next: a2, giveBack: [] });
    assert.deepEqual(queue.finish(a2, false), { giveBack: [a3] }, 'a head going back to the store takes its followers with it');
    assert.equal(queue.admit(item('a4', 'A')), true, 'the key is free again');
  });
});

describe('Batcher', () => {
  const settings = { maxEvents: 3, maxBytes: 100, maxWaitMs: 1_000 };
  /** A JSON array's brackets, less the comma the last item does not have. */
  const JSON_FRAME_BYTES = 1;

  test('flushes at maxEvents, at maxBytes, or when maxWait fires, whichever comes first', () => {
    const { timers, fireAll, pending } = manualTimers();
    const flushed: string[][] = [];
    const batcher = new Batcher<string>(timers, (_key, entries) => flushed.push(entries.map((e) => e.value)));
    for (const v of ['a', 'b', 'c', 'd']) batcher.add('r', settings, { value: v, bytes: 10 }, JSON_FRAME_BYTES);
    assert.deepEqual(flushed, [['a', 'b', 'c']]);
    batcher.add('r', settings, { value: 'big', bytes: 90 }, JSON_FRAME_BYTES);
    assert.deepEqual(flushed.at(-1), ['d'], 'the next item would pass maxBytes: the group goes first');
    fireAll();
    assert.deepEqual(flushed.at(-1), ['big']);
    batcher.add('r', settings, { value: 'huge', bytes: 500 }, JSON_FRAME_BYTES);
    assert.deepEqual(flushed.at(-1), ['huge'], 'an item over maxBytes travels alone');
    assert.equal(pending().length, 0, 'no timer left behind');
  });

  test('take removes waiting items without sending them', () => {
    const { timers, pending } = manualTimers();
    const batcher = new Batcher<string>(timers, () => assert.fail('nothing flushes'));
    batcher.add('crm\0r', settings, { value: 'x', bytes: 1 }, JSON_FRAME_BYTES);
    batcher.add('erp\0r', settings, { value: 'y', bytes: 1 }, JSON_FRAME_BYTES);
    assert.deepEqual(batcher.take((key) => key.startsWith('crm\0')), ['x']);
    assert.equal(batcher.count(() => true), 1);
    batcher.close();
    assert.equal(pending().length, 0);
  });
});
