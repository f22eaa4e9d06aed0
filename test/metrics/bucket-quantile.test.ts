import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketQuantile } from '../../engine/metrics/bucket-quantile.js';

const BOUNDS = [0.1, 0.5, 1];

function near(actual: number | null, expected: number): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${String(actual)} is not ${expected}`);
}

test('interpolates inside the bucket that holds the rank, from 0 for the first', () => {
  near(bucketQuantile(BOUNDS, [10, 0, 0, 0], 0.5), 0.05);
  near(bucketQuantile(BOUNDS, [0, 10, 0, 0], 0.5), 0.3);
  near(bucketQuantile(BOUNDS, [5, 0, 5, 0], 0.9), 0.9);
});

test('passes over empty buckets, and answers the highest bound for a rank past it', () => {
  near(bucketQuantile(BOUNDS, [1, 0, 0, 0], 1), 0.1);
  near(bucketQuantile(BOUNDS, [0, 0, 0, 4], 0.5), 1);
});

test('answers null without observations', () => {
  assert.equal(bucketQuantile(BOUNDS, [0, 0, 0, 0], 0.5), null);
});
