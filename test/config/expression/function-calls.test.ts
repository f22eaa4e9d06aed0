import assert from 'node:assert/strict';
import { test } from 'node:test';
import jsonata from 'jsonata';
import { arityOf, JSONATA_FUNCTION_SIGNATURES } from '../../../engine/config/expression/function-calls.js';
import { compileExpression, ExpressionSyntaxError } from '../../../engine/config/expression/expression.js';
import type { Problem } from '../../../engine/config/compiled.js';
import { loadConnectors } from '../../../engine/config/load/load-connectors.js';
import { connectorDir, lines } from '../connector-dir.js';

test('the table of built-in functions is what jsonata declares, name for name and signature for signature', async () => {
  for (const [name, signature] of Object.entries(JSONATA_FUNCTION_SIGNATURES)) {
    const fn = (await jsonata(`$${name}`).evaluate({})) as { signature?: { definition?: string } } | undefined;
    assert.equal(fn?.signature?.definition, signature, `$${name}`);
  }
  // A name jsonata does not know is undefined there: the check above would catch a made-up entry.
  assert.equal(await jsonata('$lowcase').evaluate({}), undefined);
});

test('arity follows the signature: "-" may come from the context, "?" may be left out, "+" takes any number', () => {
  assert.deepEqual(arityOf('<s-:s>'), { min: 0, max: 1 });
  assert.deepEqual(arityOf('<s-nn?:s>'), { min: 1, max: 3 });
  assert.deepEqual(arityOf('<s-f<s:o>n?:a<o>>'), { min: 1, max: 3 });
  assert.deepEqual(arityOf('<s-(sf)(sf)n?:s>'), { min: 2, max: 4 });
  assert.deepEqual(arityOf('<af>'), { min: 2, max: 2 });
  assert.deepEqual(arityOf('<a+>'), { min: 1, max: Infinity });
  assert.deepEqual(arityOf('<:n>'), { min: 0, max: 0 });
  assert.deepEqual(arityOf('<(oa)-:o>'), { min: 0, max: 1 });
});

/** What compileExpression refuses `source` with, as "CODE offset detail" lines. */
function refusal(source: string): string[] {
  try {
    compileExpression(source, 'routes[0].map');
  } catch (error) {
    assert.ok(error instanceof ExpressionSyntaxError);
    return [error, ...error.more].map((p) => `${error.code} ${p.offset} ${'detail' in p ? p.detail : ''}`);
  }
  return [];
}

test('a call of a function that does not exist is refused at compile, naming it and the nearest built-in', () => {
  assert.deepEqual(refusal('$lowcase(name)'), ['CONFIG_JSONATA_FUNCTION 0 $lowcase is not a JSONata function, nor defined in this expression; did you mean $lowercase?']);
  assert.deepEqual(refusal('{ "a": name ~> $upercase }'), ['CONFIG_JSONATA_FUNCTION 15 $upercase is not a JSONata function, nor defined in this expression; did you mean $uppercase?']);
  assert.deepEqual(refusal('$frobnicate(1)'), ['CONFIG_JSONATA_FUNCTION 0 $frobnicate is not a JSONata function, nor defined in this expression; check its spelling against the JSONata function library']);
});

test('a built-in called with too many or too few arguments is refused; every such call is reported', () => {
  assert.deepEqual(refusal('$substring(name, 1, 2, 3) & $power()'), [
    'CONFIG_JSONATA_FUNCTION 0 $substring takes 1 to 3 arguments, not 4 (signature <s-nn?:s>)',
    'CONFIG_JSONATA_FUNCTION 28 $power takes 1 to 2 arguments, not 0 (signature <n-n:n>)',
  ]);
  assert.deepEqual(refusal('$random(1)'), ['CONFIG_JSONATA_FUNCTION 0 $random takes 0 arguments, not 1 (signature <:n>)']);
});

test('valid calls pass: context arguments, ~> chains, partial application, functions the expression defines', async () => {
  for (const source of [
    'name.$uppercase()',
    '$substringBefore(name, "-")',
    'name ~> $substring(1, 2) ~> $uppercase',
    '$map(items, function($v, $i) { $v & $i })',
    '($lowcase := function($s) { $lowercase($s) }; $lowcase(name))',
    '($first := $substring(?, 0, 1); $first(name))',
    'items@$it#$n.($it.x)',
    '$zip([1], [2], [3])',
    '$now() & $millis()',
  ]) {
    assert.deepEqual(refusal(source), [], source);
  }
  assert.equal(await compileExpression('name ~> $substring(1, 2) ~> $uppercase', 'x').evaluate({ name: 'lee' }), 'EE');
});

test('"==" gets the hint that JSONata compares with a single "="', () => {
  const [problem] = refusal('status == "approved"');
  assert.match(problem!, /^CONFIG_JSONATA_SYNTAX \d+ .*JSONata compares with a single "=" \(and "!="\), write a = b$/);
  assert.doesNotMatch(refusal('status = = "approved"').join(), /compares with a single/, 'only a doubled "=" gets the hint');
});

test('validate reports an unknown function at the file line and column of its $', async (t) => {
  const dir = await connectorDir(t, {
    'c.yaml': lines('name: c', 'target:', '  url: http://127.0.0.1:9', 'routes:', '  - on: a', '    map: |', '      {', '        "name": $lowcase(name)', '      }'),
  });
  const { problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(
    problems.map((p: Problem) => `${p.line}:${p.column} ${p.code} ${p.message}`),
    ['8:17 CONFIG_JSONATA_FUNCTION routes[0].map: invalid JSONata: $lowcase is not a JSONata function, nor defined in this expression; did you mean $lowercase?'],
  );
});
