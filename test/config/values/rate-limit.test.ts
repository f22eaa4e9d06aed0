import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRateLimit } from '../../../engine/config/values/rate-limit.js';

test('a rate becomes requests per second, keeping its text', () => {
  const table: [string, number][] = [
    ['50/s', 50],
    ['1/s', 1],
    ['600/m', 10],
    ['90/m', 1.5],
    ['3600/h', 1],
    ['1/h', 1 / 3600],
  ];
  for (const [text, perSecond] of table) assert.deepEqual(parseRateLimit(text), { perSecond, text }, text);
});

test('refuses anything else, saying how to write a rate', () => {
  for (const text of ['0/s', '50 per second', '50/d', '50/sec', '/s', '1.5/s']) {
    assert.throws(() => parseRateLimit(text), /is not a rate; write a whole number of requests per s, m or h \(e\.g\. 50\/s, 600\/m\)/, text);
  }
});
