import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, backoffDelayMs } from '../../../engine/bus/sources/backoff.js';

test('the wait doubles per failure from the base, up to the maximum', () => {
  const middle = () => 0.5;
  assert.deepEqual([1, 2, 3, 4].map((failures) => backoffDelayMs(failures, middle)), [BACKOFF_BASE_MS, 2 * BACKOFF_BASE_MS, 4 * BACKOFF_BASE_MS, 8 * BACKOFF_BASE_MS]);
  assert.equal(backoffDelayMs(50, middle), BACKOFF_MAX_MS);
});

test('jitter spreads each wait over half to one and a half times it', () => {
  assert.equal(backoffDelayMs(1, () => 0), BACKOFF_BASE_MS / 2);
  assert.equal(backoffDelayMs(1, () => 0.999999), Math.round(BACKOFF_BASE_MS * 1.499999));
  assert.equal(backoffDelayMs(100, () => 0.999999), Math.round(BACKOFF_MAX_MS * 1.499999));
});
