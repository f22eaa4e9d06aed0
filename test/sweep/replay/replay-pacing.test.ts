/** A replay's pace (replay-pacing.ts), over time passed in. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_STEP_DELIVERIES, ReplayPace } from '../../../engine/sweep/replay/replay-pacing.js';

const T0 = 1_000_000;

test('earns perSecond deliveries a second, counted from the start, less what was spent', () => {
  const pace = new ReplayPace(100, T0);
  assert.equal(pace.allowance(T0), 0);
  assert.equal(pace.allowance(T0 + 100), 10);
  pace.spent(10);
  assert.equal(pace.allowance(T0 + 100), 0);
  assert.equal(pace.untilNext(T0 + 100), 10, 'the 11th is earned at 110 ms');
  assert.equal(pace.allowance(T0 + 1_000), 90);
});

test('a slow pace earns a delivery at a time, and says when the next is due', () => {
  const pace = new ReplayPace(0.5, T0);
  assert.equal(pace.allowance(T0 + 1_999), 0);
  assert.equal(pace.untilNext(T0), 2_000);
  assert.equal(pace.allowance(T0 + 2_000), 1);
});

test('never hands out more than one step takes, nor a negative allowance after an overspend', () => {
  const pace = new ReplayPace(1_000_000, T0);
  assert.equal(pace.allowance(T0 + 1_000), MAX_STEP_DELIVERIES);
  const slow = new ReplayPace(1, T0);
  slow.spent(5);
  assert.equal(slow.allowance(T0 + 1_000), 0);
});

test('a wait earns nothing: after a restart the pace counts from then', () => {
  const pace = new ReplayPace(10, T0);
  pace.restart(T0 + 60_000);
  assert.equal(pace.allowance(T0 + 60_000), 0, 'a minute of waiting is no burst of 600');
  assert.equal(pace.allowance(T0 + 60_500), 5);
});
