import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRetryOn, namesSuccess } from '../../../engine/config/values/retry-on.js';

test('retryOn matches the listed codes and classes, and nothing else', () => {
  const retryOn = compileRetryOn([409, 423, '5xx']);
  const table: [number, boolean][] = [
    [409, true],
    [423, true],
    [500, true],
    [503, true],
    [599, true],
    [408, false],
    [429, false],
    [400, false],
    [410, false],
    [200, false],
    [600, false],
    [503.5, false],
  ];
  for (const [status, retried] of table) assert.equal(retryOn(status), retried, String(status));
});

test('a class covers its hundred statuses only', () => {
  const retryOn = compileRetryOn(['4xx']);
  assert.deepEqual([399, 400, 451, 499, 500].map(retryOn), [false, true, true, true, false]);
});

test('the predicate is frozen and independent of the list it came from', () => {
  const list: (number | string)[] = [429];
  const retryOn = compileRetryOn(list);
  list.push(500);
  assert.equal(retryOn(500), false);
  assert.ok(Object.isFrozen(retryOn));
});

test('2xx codes and the 2xx class name successes', () => {
  assert.deepEqual([200, 204, 299, '2xx', 300, '5xx', 199].map(namesSuccess), [true, true, true, true, false, false, false]);
});
