import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompiledConnector } from '../../engine/config/compiled.js';
import { DEFAULT_RETENTION, retentionPolicy } from '../../engine/sweep/retention-policy.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
const named = (name: string, retention?: CompiledConnector['retention']) => ({ name, ...(retention && { retention }) }) as CompiledConnector;

test('the engine settings give the cutoffs of every connector without its own retention', () => {
  assert.deepEqual(retentionPolicy(DEFAULT_RETENTION, [named('plain')], NOW), {
    deliveredBefore: NOW - 7 * DAY,
    deadBefore: null,
    eventsBefore: NOW - 30 * DAY,
    connectors: new Map(),
  });
});

test("a connector's retention replaces the settings field by field; its dead: never keeps dead ones whatever the engine says", () => {
  const settings = { ...DEFAULT_RETENTION, deadMs: 14 * DAY };
  const policy = retentionPolicy(settings, [named('both', { deliveredMs: 30 * DAY, deadMs: 90 * DAY }), named('delivered-only', { deliveredMs: DAY }), named('keeps-dead', { deadMs: null })], NOW);
  assert.equal(policy.deadBefore, NOW - 14 * DAY);
  assert.deepEqual(Object.fromEntries(policy.connectors), {
    both: { deliveredBefore: NOW - 30 * DAY, deadBefore: NOW - 90 * DAY },
    'delivered-only': { deliveredBefore: NOW - DAY, deadBefore: NOW - 14 * DAY },
    'keeps-dead': { deliveredBefore: NOW - 7 * DAY, deadBefore: null },
  });
});
