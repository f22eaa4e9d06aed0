/** The fail-over scenario's figures (bench/failover-figures.ts), from observations made up here. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failoverFigures, type FailoverObservation } from '../../bench/failover-figures.js';

const KILL_AT = 1_000_000;

function observed(overrides: Partial<FailoverObservation>): FailoverObservation {
  return {
    leaseMs: 5_000,
    leaseRenewMs: 1_000,
    defaultLeaseMs: 30_000,
    killAt: KILL_AT,
    held: ['d1', 'd2', 'd3'],
    deliveredAt: new Map([['d1', KILL_AT + 4_200], ['d2', KILL_AT + 5_100], ['d3', KILL_AT + 4_900]]),
    arrivalsByKey: new Map([['d1', [KILL_AT - 10, KILL_AT + 4_200]], ['d2', [KILL_AT + 5_100]], ['d3', [KILL_AT + 4_900]], ['live', [KILL_AT + 1]]]),
    survivorAckedAfterKill: 500,
    survivorFailedEvents: 0,
    ...overrides,
  };
}

test('the fail-over time runs from the kill to the last held delivery delivered, and the default lease adds its difference', () => {
  const figures = failoverFigures(observed({}));
  assert.equal(figures.heldAtKill, 3);
  assert.equal(figures.heldUndelivered, 0);
  assert.equal(figures.failoverMs, 5_100);
  assert.equal(figures.impliedDefaultLeaseMs, 30_100);
});

test('a held delivery never delivered leaves the time unmeasured and is counted; no delivery held leaves it unmeasured too', () => {
  const missing = failoverFigures(observed({ deliveredAt: new Map([['d1', KILL_AT + 4_200]]) }));
  assert.deepEqual([missing.failoverMs, missing.impliedDefaultLeaseMs, missing.heldUndelivered], [null, null, 2]);
  assert.equal(failoverFigures(observed({ held: [], deliveredAt: new Map() })).failoverMs, null);
});

test('duplicates are deliveries seen twice; those the killed engine did not hold, and those seen twice before the kill, are counted apart', () => {
  const arrivalsByKey = new Map([
    ['d1', [KILL_AT - 10, KILL_AT + 4_200]],
    ['d2', [KILL_AT + 5_100, KILL_AT - 30, KILL_AT + 6_000]],
    ['live', [KILL_AT - 20, KILL_AT - 5]],
    ['other', [KILL_AT - 1]],
  ]);
  const figures = failoverFigures(observed({ arrivalsByKey }));
  assert.deepEqual([figures.duplicatedDeliveries, figures.duplicatedNotHeld, figures.duplicatedBeforeKill], [3, 1, 1]);
});
