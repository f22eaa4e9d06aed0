/** W3C traceparent on the way in: what is valid, what is ignored, and which one an event keeps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTraceparent, traceOf } from '../../engine/bus/trace-context.js';
import { attemptTraceparent } from '../../engine/dispatch/traceparent.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const VALID = `00-${TRACE}-00f067aa0ba902b7-01`;

test('keeps a valid traceparent in version 00 form, with the sampled flag alone', () => {
  assert.equal(parseTraceparent(VALID), VALID);
  assert.equal(parseTraceparent(` ${VALID} `), VALID, 'surrounding white space is allowed');
  assert.equal(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-00`), `00-${TRACE}-00f067aa0ba902b7-00`);
  assert.equal(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-03`), VALID, 'flags 00 does not define are dropped');
  assert.equal(parseTraceparent(`cc-${TRACE}-00f067aa0ba902b7-01-what-the-future-holds`), VALID, 'a later version: its first four fields');
  assert.equal(parseTraceparent(`cc-${TRACE}-00f067aa0ba902b7-01`), VALID);
});

test('ignores what the specification calls invalid', () => {
  for (const value of [
    undefined,
    42,
    '',
    `ff-${TRACE}-00f067aa0ba902b7-01`,
    `00-${TRACE}-00f067aa0ba902b7-01-extra`,
    `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
    `00-${TRACE}-0000000000000000-01`,
    `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
    `00-${TRACE}-00f067aa0ba902b7`,
    `00-${TRACE.slice(1)}-00f067aa0ba902b7-01`,
    `00-${TRACE}-00f067aa0ba902b7-0g`,
    `cc-${TRACE}-00f067aa0ba902b7-01.more`,
    `${VALID}, ${VALID}`,
  ]) {
    assert.equal(parseTraceparent(value), null, String(value));
  }
});

test("an event's own traceparent field wins over the request's; an invalid one falls back to it", () => {
  const header = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
  assert.equal(traceOf({ type: 't', traceparent: VALID }, header), VALID);
  assert.equal(traceOf({ type: 't', traceparent: 'nonsense' }, header), header);
  assert.equal(traceOf({ type: 't' }, null), null);
});

test('each attempt sends the trace id and flags with a span id of its own', () => {
  const first = attemptTraceparent(VALID, 'delivery-1', 1, 1_000);
  const second = attemptTraceparent(VALID, 'delivery-1', 2, 6_000);
  for (const sent of [first, second]) assert.match(sent, new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
  assert.notEqual(first.split('-')[2], second.split('-')[2]);
  assert.notEqual(first.split('-')[2], '00f067aa0ba902b7', 'not the producer span: a child of it');
  assert.equal(attemptTraceparent(VALID, 'delivery-1', 1, 1_000), first, 'derived, not drawn');
});
