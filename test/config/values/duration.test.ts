import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration, parseDurationOrNever, suggestDuration } from '../../../engine/config/values/duration.js';

test('parses whole numbers with ms, s, m, h or d into milliseconds', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('5s'), 5_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration('0s'), 0);
});

test('refuses anything else with a message saying how to write it', () => {
  for (const text of ['15', '1.5s', '15 s', 's', '', '1w', '-1s', '10S']) {
    assert.throws(() => parseDuration(text), RangeError, text);
  }
  assert.throws(() => parseDuration('99999999999999999999d'), /too long/);
});

test('guesses the duration meant', () => {
  assert.equal(suggestDuration('15 sec'), '15s');
  assert.equal(suggestDuration('2 Minutes'), '2m');
  assert.equal(suggestDuration('15'), '15s');
  assert.equal(suggestDuration(30), '30s');
  assert.equal(suggestDuration('1w'), undefined);
  assert.equal(suggestDuration('soon'), undefined);
});

test('a retention setting is a duration or never, and reads back as written', () => {
  assert.equal(parseDurationOrNever('never'), null);
  assert.equal(parseDurationOrNever('90d'), 90 * 86_400_000);
  assert.throws(() => parseDurationOrNever('forever'), { name: 'RangeError', message: '"forever" is neither a duration nor "never"; write a whole number followed by ms, s, m, h or d (e.g. 15s), or write never' });
  for (const text of ['7d', '30d', '36h', '90s', '1500ms', '0s', 'never']) assert.equal(formatDuration(parseDurationOrNever(text)), text === '0s' ? '0d' : text);
});
