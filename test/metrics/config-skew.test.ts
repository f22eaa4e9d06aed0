import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSkewOf, replicasPerRevision } from '../../engine/metrics/config-skew.js';
import type { ReplicaView } from '../../engine/store/replicas.js';

function replica(id: string, revision: string, revisionSince: number): ReplicaView {
  return { id, hostname: `pod-${id}`, version: '1.0.0', revision, revisionSince, startedAt: 0, heartbeatAt: 0, heldDeliveries: 0 };
}

test('no skew while every live replica runs one revision', () => {
  assert.equal(configSkewOf([replica('a', 'r1', 1), replica('b', 'r1', 5)]), null);
  assert.equal(configSkewOf([]), null);
});

test('the revision adopted last is the newest; replicas on any other are behind, whatever their number', () => {
  const live = [replica('a', 'old', 1), replica('b', 'old', 2), replica('c', 'new', 10)];
  assert.deepEqual(configSkewOf(live), { newest: 'new', behind: [{ id: 'a', hostname: 'pod-a', revision: 'old' }, { id: 'b', hostname: 'pod-b', revision: 'old' }] });
  assert.deepEqual(replicasPerRevision(live), { old: 2, new: 1 });
});

test('a replica that has not recorded its revision yet is neither newest nor behind', () => {
  assert.equal(configSkewOf([replica('a', 'r1', 1), replica('b', '', 9)]), null);
});
