import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextRetryDelayMs, RETRY_JITTER_RATIO, retryAfterDelayMs } from '../../engine/dispatch/retry-policy.js';

const schedule = [5_000, 30_000, 120_000];

describe('nextRetryDelayMs', () => {
  test('follows the schedule by attempts made, with no jitter at the midpoint', () => {
    assert.equal(nextRetryDelayMs(1, schedule, () => 0.5), 5_000);
    assert.equal(nextRetryDelayMs(2, schedule, () => 0.5), 30_000);
    assert.equal(nextRetryDelayMs(3, schedule, () => 0.5), 120_000);
  });

  test('jitter stays within plus or minus 20 percent', () => {
    assert.equal(RETRY_JITTER_RATIO, 0.2);
    assert.equal(nextRetryDelayMs(1, schedule, () => 0), 4_000);
    assert.equal(nextRetryDelayMs(1, schedule, () => 0.999999), 6_000);
    for (let i = 0; i < 1000; i++) {
      const delay = nextRetryDelayMs(2, schedule, Math.random)!;
      assert.ok(delay >= 24_000 && delay <= 36_000, String(delay));
    }
  });

  test('is null once the schedule is exhausted', () => {
    assert.equal(nextRetryDelayMs(4, schedule, () => 0.5), null);
    assert.equal(nextRetryDelayMs(1, [], () => 0.5), null);
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2026, 10, 27, 8, 0, 0);
  const hour = 3_600_000;

  test('replaces the scheduled delay for that attempt, without jitter', () => {
    assert.equal(nextRetryDelayMs(1, schedule, () => 0, 12_000), 12_000);
    assert.equal(nextRetryDelayMs(3, schedule, () => 0.9, 0), 0);
  });

  test('never revives an exhausted schedule', () => {
    assert.equal(nextRetryDelayMs(4, schedule, () => 0.5, 1_000), null);
  });

  test('reads delay-seconds and HTTP dates, bounded by the maximum and never negative', () => {
    assert.equal(retryAfterDelayMs('120', now, hour), 120_000);
    assert.equal(retryAfterDelayMs(' 0 ', now, hour), 0);
    assert.equal(retryAfterDelayMs(new Date(now + 90_000).toUTCString(), now, hour), 90_000);
    assert.equal(retryAfterDelayMs(new Date(now - 90_000).toUTCString(), now, hour), 0);
    assert.equal(retryAfterDelayMs('86400', now, hour), hour);
    assert.equal(retryAfterDelayMs(new Date(now + 2 * hour).toUTCString(), now, hour), hour);
  });

  test('ignores a missing or unreadable header', () => {
    for (const header of [undefined, '', 'soon', '-5', '1.5']) assert.equal(retryAfterDelayMs(header, now, hour), undefined, String(header));
  });
});
