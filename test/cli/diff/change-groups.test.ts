import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changedEvents, groupChanges } from '../../../engine/cli/diff/change-groups.js';
import type { ChangeKind } from '../../../engine/cli/diff/change-kinds.js';
import type { RequestChange } from '../../../engine/cli/diff/diff-compare.js';
import { engineDiffEvents } from '../../../engine/cli/diff/diff-events.js';

const events = engineDiffEvents(
  ['e1', 'e2', 'e3', 'e4', 'e5'].map((id) => ({ id, body: { type: 't' } })),
  true,
);

function request(eventIndex: number, route: string, routeIndex: number, kinds: ChangeKind[]): RequestChange {
  return { change: kinds.length === 0 ? 'unchanged' : 'changed', event: events[eventIndex]!, route, routeIndex, kinds, before: ['x'], after: ['y'] };
}

const renamed: ChangeKind[] = [{ kind: 'field-added', field: 'feeCents' }, { kind: 'field-removed', field: 'fee' }];

test('counts the events of each route and kind, one event in as many groups as it has changes', () => {
  const requests = [
    request(0, 'book', 0, renamed),
    request(1, 'book', 0, renamed),
    request(2, 'book', 0, []),
    request(2, 'notify', 1, [{ kind: 'now-fails' }]),
  ];
  const groups = groupChanges(requests, 3).map((group) => [group.route, group.kind, group.events]);
  assert.deepEqual(groups, [
    ['book', { kind: 'field-added', field: 'feeCents' }, 2],
    ['book', { kind: 'field-removed', field: 'fee' }, 2],
    ['notify', { kind: 'now-fails' }, 1],
  ]);
  assert.equal(changedEvents(requests), 3);
});

test('keeps the first examples by event key, whatever order the requests come in', () => {
  const requests = [4, 2, 0, 3, 1].map((index) => request(index, 'book', 0, [{ kind: 'url-changed' }]));
  const [group] = groupChanges(requests, 3);
  assert.equal(group!.events, 5);
  assert.deepEqual(group!.examples.map((example) => example.event.source), ['e1', 'e2', 'e3'].map((label) => ({ kind: 'engine', label })));
});

test('orders groups by route position in the connector, then by kind of change', () => {
  const requests = [request(0, 'zeta', 0, [{ kind: 'field-changed', field: 'a' }]), request(0, 'alpha', 1, [{ kind: 'now-fails' }, { kind: 'now-taken' }])];
  assert.deepEqual(
    groupChanges(requests, 3).map((group) => `${group.route} ${group.kind.kind}`),
    ['zeta field-changed', 'alpha now-fails', 'alpha now-taken'],
  );
});

test('engine events are keyed and ordered by id, and numbered when their ids are hidden', () => {
  const hidden = engineDiffEvents([{ id: 'b', body: { type: 't' } }, { id: 'a', body: { type: 't' } }], false);
  assert.deepEqual(hidden.map((event) => [event.key, event.source]), [
    ['2\0a', { kind: 'engine', label: '#1' }],
    ['2\0b', { kind: 'engine', label: '#2' }],
  ]);
});
