import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitPathTemplate } from '../../../engine/config/expression/path-template.js';

test('splits literals and placeholders', () => {
  assert.deepEqual(splitPathTemplate('/api/slots/{id}'), {
    ok: true,
    segments: [{ kind: 'literal', text: '/api/slots/' }, { kind: 'expression', source: 'id', offset: 12 }],
  });
  assert.deepEqual(splitPathTemplate('/a'), { ok: true, segments: [{ kind: 'literal', text: '/a' }] });
});

test('counts nested braces and skips quoted strings inside placeholders', () => {
  const split = splitPathTemplate('/x/{ $string(id) }/{ {"a": id}.a }/{ "}" & id }/{ `odd}name` }?q={q}');
  assert.ok(split.ok);
  assert.deepEqual(
    split.segments.map((s) => (s.kind === 'literal' ? s.text : `<${s.source}>`)),
    ['/x/', '< $string(id) >', '/', '< {"a": id}.a >', '/', '< "}" & id >', '/', '< `odd}name` >', '?q=', '<q>'],
  );
});

test('reports an unclosed {, a stray } and an empty placeholder at their offsets', () => {
  assert.deepEqual(splitPathTemplate('/a/{id'), { ok: false, offset: 3, message: 'this "{" is never closed; write placeholders as {expression}, e.g. {id}' });
  assert.equal((splitPathTemplate('/a/{ {"x": 1}.x') as { offset: number }).offset, 3);
  assert.equal((splitPathTemplate('/a}/b') as { offset: number }).offset, 2);
  assert.equal((splitPathTemplate('/a/{ }') as { offset: number }).offset, 3);
});
