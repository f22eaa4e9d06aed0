import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextRetryDelayMs, RETRY_JITTER_RATIO } from '../../engine/dispatch/retry-policy.js';

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
