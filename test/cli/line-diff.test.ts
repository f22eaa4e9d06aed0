import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffLines, unifiedDiff } from '../../engine/cli/line-diff.js';

const split = (text: string): string[] => (text === '' ? [] : text.split(''));

test('equal inputs give no hunks', () => {
  assert.deepEqual(unifiedDiff(['a', 'b'], ['a', 'b']), []);
  assert.deepEqual(unifiedDiff([], []), []);
});

test('writes hunks as diff -u does: 3 lines of context, separate hunks when far apart', () => {
  const before = split('abcdefghijklm');
  const after = split('XabcdefghiJklmn');
  assert.deepEqual(unifiedDiff(before, after), [
    '@@ -1,3 +1,4 @@', '+X', ' a', ' b', ' c',
    '@@ -7,7 +8,8 @@', ' g', ' h', ' i', '-j', '+J', ' k', ' l', ' m', '+n',
  ]);
});

test('an empty side is written start-1,0 and a count of 1 is left out, as diff -u does', () => {
  assert.deepEqual(unifiedDiff(['a', 'b'], []), ['@@ -1,2 +0,0 @@', '-a', '-b']);
  assert.deepEqual(unifiedDiff(['a', 'b', 'c'], ['a', 'B', 'c'], 0), ['@@ -2 +2 @@', '-b', '+B']);
  assert.deepEqual(unifiedDiff([], ['a']), ['@@ -0,0 +1 @@', '+a']);
});

test('a wide context shows the whole input in one hunk', () => {
  assert.deepEqual(unifiedDiff(split('abcdefghij'), split('abcdefghiJ'), 20), [
    '@@ -1,10 +1,10 @@', ' a', ' b', ' c', ' d', ' e', ' f', ' g', ' h', ' i', '-j', '+J',
  ]);
});

/** Rebuilds both sides from the hunks (context 0 keeps the check strict about line numbers). */
function applyHunks(before: readonly string[], hunks: readonly string[]): { old: string[]; new: string[] } {
  const old: string[] = [];
  const result: string[] = [];
  let next = 0;
  for (const line of hunks) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(line);
    if (header) {
      const start = Number(header[2] === '0' ? Number(header[1]) + 1 : header[1]) - 1;
      result.push(...before.slice(next, start));
      old.push(...before.slice(next, start));
      next = start;
    } else if (line.startsWith('-')) {
      assert.equal(line.slice(1), before[next], 'a removed line must be the base line at that position');
      old.push(line.slice(1));
      next++;
    } else if (line.startsWith('+')) {
      result.push(line.slice(1));
    } else {
      assert.equal(line.slice(1), before[next]);
      old.push(line.slice(1));
      result.push(line.slice(1));
      next++;
    }
  }
  result.push(...before.slice(next));
  old.push(...before.slice(next));
  return { old, new: result };
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  let row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const next = [0];
    b.forEach((y, j) => next.push(x === y ? row[j]! + 1 : Math.max(row[j + 1]!, next[j]!)));
    row = next;
  }
  return row[b.length]!;
}

test('for random inputs the hunks rebuild the new side and change as few lines as possible', () => {
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const before = Array.from({ length: random(12) }, () => 'abcd'[random(4)]!);
    const after = Array.from({ length: random(12) }, () => 'abcd'[random(4)]!);
    for (const context of [0, 3]) {
      const hunks = unifiedDiff(before, after, context);
      assert.deepEqual(applyHunks(before, hunks), { old: before, new: after }, `${before.join('')} → ${after.join('')}`);
      const removed = hunks.filter((line) => line.startsWith('-')).length;
      const added = hunks.filter((line) => line.startsWith('+')).length;
      const common = lcsLength(before, after);
      assert.equal(removed, before.length - common);
      assert.equal(added, after.length - common);
    }
  }
});

test('two changes far apart in a long body show as two hunks, not the middle replaced whole', () => {
  const before = Array.from({ length: 5_000 }, (_, index) => `  "field${index}": ${index},`);
  const after = [...before];
  after[10] = '  "field10": "ten",';
  after[4_990] = '  "field4990": "far",';
  const hunks = unifiedDiff(before, after);
  assert.deepEqual(hunks.filter((line) => line.startsWith('@@')), ['@@ -8,7 +8,7 @@', '@@ -4988,7 +4988,7 @@']);
  assert.deepEqual(hunks.filter((line) => /^[-+]/.test(line)), [
    '-  "field10": 10,', '+  "field10": "ten",', '-  "field4990": 4990,', '+  "field4990": "far",',
  ]);
});

test('sides too far apart for a shortest edit are shown as replaced whole', () => {
  const before = Array.from({ length: 3_000 }, (_, index) => `old ${index}`);
  const after = Array.from({ length: 3_000 }, (_, index) => `new ${index}`);
  const hunks = unifiedDiff(before, after);
  assert.equal(hunks[0], '@@ -1,3000 +1,3000 @@');
  assert.deepEqual(hunks.slice(1), [...before.map((line) => `-${line}`), ...after.map((line) => `+${line}`)]);
  assert.deepEqual(diffLines(before, after).map((line) => line.op).join(''), '-'.repeat(3_000) + '+'.repeat(3_000));
});

test('a carriage return stays part of its line and never splits one', () => {
  assert.deepEqual(unifiedDiff(['a\r', 'b\rc', 'd'], ['a', 'b\rc', 'd'], 0), ['@@ -1 +1 @@', '-a\r', '+a']);
  assert.deepEqual(diffLines(['x\r'], ['x\r']), [{ op: ' ', text: 'x\r' }]);
});
