import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTypeMatcher } from '../../../engine/config/expression/type-pattern.js';
import { callInWorker } from '../../helpers/in-worker.js';

test('an exact type matches only itself, case-sensitively', () => {
  const matches = compileTypeMatcher(['permitApproved']);
  assert.equal(matches('permitApproved'), true);
  assert.equal(matches('permitapproved'), false);
  assert.equal(matches('permitApproved2'), false);
});

test('* matches any run of characters, dots included, possibly empty', () => {
  const matches = compileTypeMatcher(['permit.*']);
  assert.equal(matches('permit.approved'), true);
  assert.equal(matches('permit.a.b.c'), true);
  assert.equal(matches('permit.'), true);
  assert.equal(matches('permit'), false);
  assert.equal(matches('permitXapproved'), false, '. is literal, not a regex wildcard');
  const prefix = compileTypeMatcher(['permit*']);
  assert.ok(prefix('permit') && prefix('permitApproved') && prefix('permit.cancelled'));
  assert.equal(prefix('xpermit'), false);
  const middle = compileTypeMatcher(['a*z']);
  assert.ok(middle('az') && middle('a.b.z') && !middle('a.b.zz.'));
});

test('a list matches when any pattern does; "*" matches everything', () => {
  const matches = compileTypeMatcher(['permitApproved', 'permit.*', 'inspection:*:done']);
  assert.ok(matches('permitApproved') && matches('permit.x') && matches('inspection:42:done'));
  assert.equal(matches('inspection:42'), false);
  const all = compileTypeMatcher(['x', '*']);
  assert.ok(all('anything') && all(''));
});

test('outcome events (sync.*) are taken only by patterns that name them', () => {
  assert.equal(compileTypeMatcher(['*'])('sync.dead'), false);
  assert.equal(compileTypeMatcher(['s*'])('sync.delivered'), false);
  assert.equal(compileTypeMatcher(['*'])('permitApproved'), true);
  assert.equal(compileTypeMatcher(['sync.dead'])('sync.dead'), true);
  assert.equal(compileTypeMatcher(['sync.dead'])('sync.delivered'), false);
  assert.equal(compileTypeMatcher(['sync.*'])('sync.delivered'), true);
  assert.equal(compileTypeMatcher(['sync.*', 'permit*'])('permitX'), true);
  assert.equal(compileTypeMatcher(['sync.*'])('permitX'), false);
});

test('globs match as the equivalent anchored .* regex does, over many patterns and types', () => {
  // Small alphabets make overlaps and near misses common; the regex is the reference.
  let seed = 7;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const word = (alphabet: string, max: number) => Array.from({ length: random(max + 1) }, () => alphabet[random(alphabet.length)]).join('');
  let matched = 0;
  for (let i = 0; i < 3000; i++) {
    const pattern = `${word('ab*', 6)}*${word('ab*.', 4)}`;
    const type = word('ab.', 10);
    const literal = pattern.split('*').map((part) => part.replace(/[.]/g, '\\.')).join('.*');
    const expected = pattern === '*' || new RegExp(`^${literal}$`, 's').test(type);
    assert.equal(compileTypeMatcher([pattern])(type), expected, `${pattern} against ${JSON.stringify(type)}`);
    if (expected) matched += 1;
  }
  assert.ok(matched > 100 && matched < 2900, `both outcomes are exercised (${matched} of 3000 matched)`);
});

test('a long type that almost matches a many-star glob is decided, not backtracked over', async () => {
  // As a regex, ^a.*b.*c.*d$ against this type takes about 16 s at 8 KB and grows with the cube.
  const type = `a${'bc'.repeat(500_000)}`;
  assert.equal(await callInWorker(new URL(import.meta.url), 'matchesGlob', ['a*b*c*d', type]), false);
  assert.equal(await callInWorker(new URL(import.meta.url), 'matchesGlob', ['a*b*c*d', `${type}d`]), true);
});

/** For callInWorker. */
export function matchesGlob(pattern: string, type: string): boolean {
  return compileTypeMatcher([pattern])(type);
}
