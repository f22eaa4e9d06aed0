import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_EVENT_DEPTH, validateEvent } from '../../engine/bus/validate-event.js';
import { HmsError } from '../../engine/errors.js';

/** An event whose `deep` field holds arrays nested so that the event has `levels` levels. */
function eventOfDepth(levels: number): object {
  let deep: unknown = 1;
  for (let level = 2; level <= levels; level++) deep = [deep];
  return { type: 'permitApproved', deep };
}

const tooDeep = (index: number) => (error: unknown) =>
  error instanceof HmsError && error.code === 'INGEST_INVALID_EVENT' && error.message.startsWith(`event at index ${index} is nested more than ${MAX_EVENT_DEPTH} levels deep`);

describe('event nesting depth', () => {
  test(`accepts ${MAX_EVENT_DEPTH} levels, objects and arrays alike, and refuses one more`, () => {
    const atLimit = eventOfDepth(MAX_EVENT_DEPTH);
    assert.equal(validateEvent(atLimit, 0), atLimit);
    assert.throws(() => validateEvent(eventOfDepth(MAX_EVENT_DEPTH + 1), 3), tooDeep(3));
    let objects: Record<string, unknown> = { leaf: true };
    for (let level = 2; level <= MAX_EVENT_DEPTH; level++) objects = { child: objects };
    assert.throws(() => validateEvent({ type: 'x', objects }, 0), tooDeep(0));
  });

  test('refuses input far deeper than JSON.stringify can write, without overflowing the stack', () => {
    const text = `{"type":"x","deep":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const parsed: unknown = JSON.parse(text);
    assert.throws(() => JSON.stringify(parsed), RangeError, 'the hazard the limit guards against');
    assert.throws(() => validateEvent(parsed, 0), tooDeep(0));
  });

  test('refuses an in-process event that contains itself', () => {
    const event: Record<string, unknown> = { type: 'permitApproved', id: 'p1' };
    event.self = { back: event };
    assert.throws(() => validateEvent(event, 0), tooDeep(0));
  });
});
