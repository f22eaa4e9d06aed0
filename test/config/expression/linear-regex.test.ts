import assert from 'node:assert/strict';
import { test } from 'node:test';
import jsonata from 'jsonata';
import { compileExpression, ExpressionSyntaxError } from '../../../engine/config/expression/expression.js';
import { loadConnectors } from '../../../engine/config/load/load-connectors.js';
import { callInWorker } from '../../helpers/in-worker.js';
import { connectorDir, lines } from '../connector-dir.js';

/** Plain JSON, so jsonata's sequence arrays compare as arrays. */
const plain = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

test('regexes in expressions give what jsonata gives with JavaScript regexes', async () => {
  const input = { text: 'Permit P-12 and P-345; permit p-6\nLine two', csv: 'a, b ,c', mixed: 'ÉTÉ été' };
  const expressions = [
    '$match(text, /P-(\\d+)/)',
    '$match(text, /p-(\\d+)/i)',
    '$match(text, /(?<kind>[a-z]+) p-(\\d)/i)',
    '$match(text, /^Line/m).index',
    '$match(text, /^Line/)',
    '$replace(text, /P-(\\d+)/, "#$1")',
    '$replace(text, /permit/i, function($m) { $uppercase($m.match) }, 1)',
    '$split(csv, /\\s*,\\s*/)',
    '$contains(text, /P-\\d{3}/)',
    '$contains(mixed, /été/i)',
    '$match(mixed, /[éÉ]t./)',
    'text ~> /two$/',
  ];
  for (const source of expressions) {
    const ours = await compileExpression(source, 'routes[0].map').evaluate(input);
    const native = await jsonata(source).evaluate(input);
    assert.deepEqual(plain(ours), plain(native), source);
  }
});

test('a regex matching the empty string fails as it does in jsonata', async () => {
  await assert.rejects(compileExpression('$replace("abc", /x*/, "-")', 'routes[0].map').evaluate({}), { code: 'MAPPING_FAILED', message: /^routes\[0\]\.map: Regular expression matches zero length string/ });
  await assert.rejects(jsonata('$replace("abc", /x*/, "-")').evaluate({}), { code: 'D1004' });
});

test('the one difference the docs state: . takes a whole character outside the BMP', async () => {
  assert.equal(await compileExpression('$match(text, /x(.)/).groups[0]', 'x').evaluate({ text: 'x😀' }), '😀');
  assert.equal(await jsonata('$match(text, /x(.)/).groups[0]').evaluate({ text: 'x😀' }), '\ud83d');
});

test('a regex that could backtrack for hours is matched in linear time', async () => {
  // With JavaScript's RegExp this takes longer than the age of the universe; jsonata's timeout
  // cannot interrupt a single match, so it used to stall the engine.
  const text = `${'a'.repeat(5_000)}!`;
  assert.equal(await callInWorker(new URL(import.meta.url), 'evaluateIn', ['$contains(text, /^(a+)+$/)', { text }]), false);
  assert.equal(await callInWorker(new URL(import.meta.url), 'evaluateIn', ['$contains(text, /^(\\w+\\s?)*$/i)', { text: `${'word '.repeat(2_000)}!` }]), false);
});

/** For callInWorker. */
export async function evaluateIn(source: string, input: unknown): Promise<unknown> {
  return compileExpression(source, 'routes[0].when').evaluate(input);
}

test('a regex RE2 cannot run is a syntax error at its offending token, saying what to change', () => {
  // The offset is the offending token's: the backreference, the lookahead, the repeat count.
  for (const [source, offset] of [['$match(x, /(a)\\1/)', 14], ['x ~> /^(?=.*\\d)/i', 7], ['$contains(x, /a{2000}/)', 15]] as const) {
    assert.throws(() => compileExpression(source, 'routes[0].when'), (error: unknown) => {
      assert.ok(error instanceof ExpressionSyntaxError, source);
      assert.equal(error.code, 'CONFIG_JSONATA_SYNTAX');
      assert.equal(error.offset, offset, source);
      assert.match(error.message, /^routes\[0\]\.when: invalid JSONata: regular expression \/.+\/\w* cannot run in linear time \(.+\); rewrite it without backreferences, lookahead or lookbehind/);
      return true;
    });
  }
});

test('a connector with such a regex fails to load at file:line:col, and the others load', async (t) => {
  const bad = lines('name: bad', 'target: {url: "http://x"}', 'routes:', '  - on: a', '    when: $contains(note, /(\\w)\\1/)');
  const good = lines('name: good', 'target: {url: "http://x"}', 'routes:', '  - on: a', '    when: $contains(note, /(\\w)x/)');
  const dir = await connectorDir(t, { 'bad.yaml': bad, 'good.yaml': good });
  const { connectors, problems } = await loadConnectors(dir, { env: {} });
  assert.deepEqual(connectors.map((connector) => connector.name), ['good']);
  assert.deepEqual(problems.map((p) => [p.file.endsWith('bad.yaml'), p.line, p.column, p.code]), [[true, 5, 32, 'CONFIG_JSONATA_SYNTAX']]);
});
