import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTypeMatcher } from '../../engine/config/type-pattern.js';

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
