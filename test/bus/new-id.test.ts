import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createIdGenerator } from '../../engine/bus/new-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('id generator', () => {
  it('makes distinct UUIDv7 ids across many refills of its random pool', () => {
    const newId = createIdGenerator();
    const ids = Array.from({ length: 5_000 }, () => newId());
    for (const id of ids) assert.match(id, UUID_V7);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('stamps each id with the current millisecond, so ids sort by creation time across milliseconds', () => {
    const newId = createIdGenerator();
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    const stamped = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    assert.ok(stamped >= before && stamped <= after, `${stamped} within [${before}, ${after}]`);
  });

  it('gives separate generators separate random pools', () => {
    const a = createIdGenerator();
    const b = createIdGenerator();
    const tail = (id: string) => id.slice(-12);
    assert.notEqual(tail(a()), tail(b()));
  });
});
