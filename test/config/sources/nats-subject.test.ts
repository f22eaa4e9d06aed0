import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subjectMatches } from '../../../engine/config/sources/nats-subject.js';

test('NATS subject filters: * is one token, > one or more at the end', () => {
  assert.equal(subjectMatches('sync.outcomes.delivered', 'sync.outcomes.delivered'), true);
  assert.equal(subjectMatches('sync.*.delivered', 'sync.outcomes.delivered'), true);
  assert.equal(subjectMatches('sync.>', 'sync.outcomes.delivered'), true);
  assert.equal(subjectMatches('>', 'sync'), true);
  assert.equal(subjectMatches('sync.>', 'sync'), false);
  assert.equal(subjectMatches('sync.*', 'sync.outcomes.delivered'), false);
  assert.equal(subjectMatches('permits.>', 'sync.outcomes.delivered'), false);
});
