import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import jsonata from 'jsonata';
import { compileExpression } from '../../../engine/config/expression/expression.js';
import { compileFastPath, DECLINE } from '../../../engine/config/expression/fast-expression.js';
import { isTruthy } from '../../../engine/config/expression/truthy.js';

const IN_SUBSET = [
  'id',
  'permitId',
  'a.b',
  'a.b.c',
  'items.price',
  'toString',
  'a.constructor',
  '"text"',
  '42',
  'true',
  'null',
  'inspectionRequired = true',
  'flag != "no"',
  'n = 3 and s = "x"',
  'flag or n = 3',
  'a.b = a.c',
  'missing = missing',
  '{ "permitId": permitId, "date": approvedDate, "nested": a.b, "lit": 1, "none": missing, "flag": flag = true }',
  '{ "whole": a }',
];

const OUTSIDE = ['$string(id)', 'a[0]', 'a.b[c = 1]', '$', 'n + 1', '{ "k": id, "k": n }', '{ id: n }', 'n > 3', '$sum(x)', 'a.b.c ? 1 : 2', '"a" & "b"'];

/** A small deterministic generator (xorshift) so failures can be replayed. */
function randomEvents(count: number, seed = 7): unknown[] {
  let state = seed;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const scalar = (): unknown => [() => 'x', () => 'no', () => 3, () => 0, () => true, () => false, () => null, () => '', () => [1, 2], () => [], () => ({})][Math.floor(next() * 11)]!();
  const value = (depth: number): unknown => {
    const roll = next();
    if (depth > 0 && roll < 0.35) {
      const object: Record<string, unknown> = {};
      for (const key of ['b', 'c', 'd']) if (next() < 0.7) object[key] = value(depth - 1);
      return object;
    }
    if (depth > 0 && roll < 0.45) return [value(depth - 1), value(depth - 1)];
    return scalar();
  };
  return Array.from({ length: count }, (_, i) => {
    const event: Record<string, unknown> = { type: 'permitApproved', id: i };
    for (const key of ['permitId', 'approvedDate', 'inspectionRequired', 'flag', 'n', 's', 'a', 'toString']) if (next() < 0.75) event[key] = value(2);
    return event;
  });
}

describe('the JSONata fast path', () => {
  test('takes the simple expressions and leaves the rest to jsonata', () => {
    for (const source of IN_SUBSET) assert.ok(compileFastPath(jsonata(source).ast()), `${source} should be fast`);
    for (const source of OUTSIDE) assert.equal(compileFastPath(jsonata(source).ast()), undefined, `${source} is outside the subset`);
  });

  test('gives exactly what jsonata gives, or declines, over 600 varied events', async () => {
    const events = randomEvents(600);
    let fastAnswers = 0;
    for (const source of IN_SUBSET) {
      const expression = jsonata(source);
      const fast = compileFastPath(expression.ast())!;
      for (const event of events) {
        const fromFast = fast(event);
        if (fromFast === DECLINE) continue;
        fastAnswers++;
        const fromJsonata = (await expression.evaluate(event)) as unknown;
        const where = `${source} over ${JSON.stringify(event)}`;
        assert.equal(JSON.stringify(fromFast), JSON.stringify(fromJsonata), where);
        assert.equal(fromFast === undefined, fromJsonata === undefined, where);
        assert.equal(isTruthy(fromFast), isTruthy(fromJsonata), where);
      }
    }
    assert.ok(fastAnswers > IN_SUBSET.length * 300, `the fast path answered only ${fastAnswers} times`);
  });

  test('compiled expressions give the same results with the fast path as jsonata alone', async () => {
    const compiled = compileExpression('{ "permitId": permitId, "items": a.b }', 'routes[0].map');
    const withArray = { permitId: 'P-1', a: { b: [1, 2] } };
    assert.deepEqual(JSON.parse(JSON.stringify(await compiled.evaluate(withArray))), { permitId: 'P-1', items: [1, 2] });
    assert.deepEqual(JSON.parse(JSON.stringify(await compiled.evaluate({ permitId: 'P-2' }))), { permitId: 'P-2' });
  });
});
