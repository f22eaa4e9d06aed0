import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSize, parseStoreSize } from '../../../engine/config/values/size.js';

test('parses sizes: B, decimal KB and MB, binary KiB and MiB', () => {
  const table: [string, number][] = [
    ['1000B', 1_000],
    ['0B', 0],
    ['100KB', 100_000],
    ['512KiB', 524_288],
    ['2MB', 2_000_000],
    ['1MiB', 1_048_576],
    ['16MiB', 16_777_216],
  ];
  for (const [text, bytes] of table) assert.equal(parseSize(text), bytes, text);
});

test('refuses anything else, saying how to write a size', () => {
  for (const text of ['1 MiB', '1mib', '1GB', '1.5MB', 'MiB', '-1B', '1K', '']) {
    assert.throws(() => parseSize(text), { name: 'RangeError', message: `"${text}" is not a size; write a whole number followed by B, KB, MB, KiB or MiB (e.g. 1MiB)` }, text);
  }
  assert.throws(() => parseSize('99999999999999MiB'), /too large a size/);
});

test('a store size also takes GB, TB, GiB and TiB', () => {
  assert.equal(parseStoreSize('20GB'), 20_000_000_000);
  assert.equal(parseStoreSize('5GiB'), 5 * 1024 ** 3);
  assert.equal(parseStoreSize('1TB'), 1e12);
  assert.equal(parseStoreSize('500MB'), 500_000_000);
  assert.throws(() => parseStoreSize('20 GB'), { message: '"20 GB" is not a size; write a whole number followed by B, KB, MB, GB, TB, KiB, MiB, GiB or TiB (e.g. 20GB)' });
});
