import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HmsError } from '../../../engine/errors.js';
import { compileExpression, EXPRESSION_TIMEOUT_MS, ExpressionSyntaxError, isTruthy } from '../../../engine/config/expression/expression.js';
import { loadConnectors } from '../../../engine/config/load/load-connectors.js';
import { connectorDir, lines } from '../connector-dir.js';

test('isTruthy follows JSONata $boolean casting', async () => {
  const lambda = await compileExpression('function($x) { $x }', 'test').evaluate({});
  const table: [unknown, boolean][] = [
    [undefined, false], [null, false], [false, false], [true, true],
    [0, false], [NaN, false], [1, true], [-0.5, true],
    ['', false], ['false', true], ['0', true],
    [[], false], [[0], false], [[1], true], [[0, ''], false], [[0, 1], true], [[[]], false], [[[1]], true],
    [{}, false], [{ a: null }, true],
    [() => true, false], [lambda, false],
  ];
  for (const [value, expected] of table) assert.equal(isTruthy(value), expected, `isTruthy(${String(value)})`);
});

test('evaluate returns the expression result', async () => {
  const expression = compileExpression('{ "permitId": id, "upper": $uppercase(name) }', 'routes[0].map');
  assert.equal(expression.source, '{ "permitId": id, "upper": $uppercase(name) }');
  assert.deepEqual(JSON.parse(JSON.stringify(await expression.evaluate({ id: 7, name: 'lee' }))), { permitId: 7, upper: 'LEE' });
});

test('a runaway tail-recursive expression rejects with MAPPING_FAILED instead of hanging', async () => {
  const expression = compileExpression('($loop := function($x) { $loop($x) }; $loop(1))', 'routes[0].map');
  const started = Date.now();
  await assert.rejects(expression.evaluate({}), (error: unknown) => {
    assert.ok(error instanceof HmsError);
    assert.equal(error.code, 'MAPPING_FAILED');
    assert.match(error.message, /^routes\[0\]\.map: Evaluation timeout after 250 milliseconds/);
    return true;
  });
  assert.ok(Date.now() - started < EXPRESSION_TIMEOUT_MS * 8, 'the guardrail stops it promptly');
});

test('an evaluation the machine stalls past the time budget once is tried again rather than failed', async () => {
  const expression = compileExpression('{ "value": stalled, "id": $string(id) }', 'routes[0].map');
  let reads = 0;
  // The first read blocks the process past the budget, as a busy core or a long GC would.
  const input = {
    get stalled() {
      reads += 1;
      if (reads === 1) {
        const until = Date.now() + EXPRESSION_TIMEOUT_MS + 50;
        while (Date.now() < until);
      }
      return 'ok';
    },
    id: 7,
  };
  assert.deepEqual(JSON.parse(JSON.stringify(await expression.evaluate(input))), { value: 'ok', id: '7' });
  assert.equal(reads, 2, 'evaluated twice: the first evaluation ran out of time');
});

test('deep non-tail recursion rejects with MAPPING_FAILED (stack guardrail)', async () => {
  const expression = compileExpression('($deep := function($x) { 1 + $deep($x) }; $deep(1))', 'routes[1].when');
  await assert.rejects(expression.evaluate({}), { code: 'MAPPING_FAILED', message: /^routes\[1\]\.when: Stack overflow/ });
});

test('an evaluation error rejects with MAPPING_FAILED naming where, without the event data', async () => {
  const expression = compileExpression('$number(secret)', 'routes[0].map');
  await assert.rejects(expression.evaluate({ secret: 'hunter2-not-a-number' }), (error: unknown) => {
    assert.ok(error instanceof HmsError && error.code === 'MAPPING_FAILED');
    assert.equal(error.cause, undefined);
    assert.match(error.message, /^routes\[0\]\.map: /);
    return true;
  });
});

test('a syntax error throws ExpressionSyntaxError with the offending offset', () => {
  assert.throws(() => compileExpression('{ "a": id, "b" approvedDate }', 'routes[0].map'), (error: unknown) => {
    assert.ok(error instanceof ExpressionSyntaxError);
    assert.equal(error.code, 'CONFIG_JSONATA_SYNTAX');
    assert.equal(error.where, 'routes[0].map');
    assert.equal(error.offset, 15);
    return true;
  });
});

test('a JSONata syntax error in a block map reports the line and column inside the file', async (t) => {
  const text = lines(
    'name: c',
    'target: {url: "http://x"}',
    'routes:',
    '  - on: permitApproved',
    '    map: |',
    '      {',
    '        "permitId": id,',
    '',
    '        "date" approvedDate',
    '      }',
  );
  const dir = await connectorDir(t, { 'c.yaml': text });
  const { problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.code]), [[9, 16, 'CONFIG_JSONATA_SYNTAX']]);
  assert.equal(problems[0]?.message, 'routes[0].map: invalid JSONata: Expected ":", got "approvedDate"');
});

test('JSONata syntax errors in single-line when, quoted map and path placeholders point inside the value', async (t) => {
  const text = lines(
    'name: c',
    'target: {url: "http://x"}',
    'routes:',
    '  - on: a',
    '    when: status = = 1',
    '    map: "{ \'a\': (1 }"',
    '    path: /api/{id}/{ $string( }',
  );
  const dir = await connectorDir(t, { 'c.yaml': text });
  const { problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.code]), [
    [5, 20, 'CONFIG_JSONATA_SYNTAX'],
    [6, 21, 'CONFIG_JSONATA_SYNTAX'],
    [7, 30, 'CONFIG_JSONATA_SYNTAX'],
  ]);
});

test('an unclosed { in a path is a problem at the brace', async (t) => {
  const text = lines('name: c', 'target: {url: "http://x"}', 'routes:', '  - on: a', '    path: /api/slots/{id');
  const dir = await connectorDir(t, { 'c.yaml': text });
  const { problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.code]), [[5, 22, 'CONFIG_JSONATA_SYNTAX']]);
  assert.match(problems[0]?.message ?? '', /never closed/);
});
