import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readinessOf } from '../../engine/metrics/readiness.js';

const WRITABLE = { writable: true, lastFailure: null };
const FULL_DISK = { writable: false, lastFailure: { at: 0, message: 'the engine cannot store anything now: the disk of its data directory is full' } };

test('ready when the store can write and the engine runs, whatever the connector files', () => {
  assert.deepEqual(readinessOf({ closing: false, store: WRITABLE, problemFiles: 0 }), { ready: true, reasons: [], warnings: [] });
  assert.deepEqual(readinessOf({ closing: false, store: WRITABLE, problemFiles: 2 }), { ready: true, reasons: [], warnings: ['2 connector files have problems; GET /status lists them'] });
});

test('not ready while the store cannot write or the engine shuts down, with every reason', () => {
  assert.deepEqual(readinessOf({ closing: true, store: FULL_DISK, problemFiles: 0 }), {
    ready: false,
    reasons: ['the engine is shutting down', 'the store cannot write: the engine cannot store anything now: the disk of its data directory is full'],
    warnings: [],
  });
});

test('config skew across replicas is a warning, not a reason', () => {
  const configSkew = { newest: 'rev-b', behind: [{ id: 'r1', hostname: 'pod-1', revision: 'rev-a' }] };
  assert.deepEqual(readinessOf({ closing: false, store: WRITABLE, problemFiles: 0, configSkew }), {
    ready: true,
    reasons: [],
    warnings: ['config skew: 1 live replica runs another connector revision than the newest; GET /status (configSkew) names them'],
  });
});
