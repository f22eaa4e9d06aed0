import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOrderCheck } from '../../bench/order-check.js';

test('each key in increasing order, interleaved with other keys and with gaps, is no violation', () => {
  const check = createOrderCheck();
  for (const [key, seq] of [['a', 0], ['b', 0], ['a', 1], ['b', 2], ['a', 5]] as const) check.see(key, seq);
  assert.deepEqual(check.tally(), { keys: 2, checked: 5, outOfOrder: 0, repeated: 0, firstViolation: null });
});

test('a number below the highest seen for its key is out of order, and the first one is named', () => {
  const check = createOrderCheck();
  for (const [key, seq] of [['a', 0], ['a', 2], ['a', 1], ['b', 3], ['b', 0]] as const) check.see(key, seq);
  const tally = check.tally();
  assert.equal(tally.outOfOrder, 2);
  assert.equal(tally.firstViolation, 'key a: 1 after 2');
});

test('the same number again is a repeat (at-least-once), not an order violation', () => {
  const check = createOrderCheck();
  for (const seq of [0, 1, 1]) check.see('a', seq);
  const tally = check.tally();
  assert.equal(tally.repeated, 1);
  assert.equal(tally.outOfOrder, 0);
  assert.equal(tally.firstViolation, null);
});
