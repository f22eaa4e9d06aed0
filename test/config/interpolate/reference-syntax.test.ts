import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitReferences } from '../../../engine/config/interpolate/reference-syntax.js';

test('splits env and file references, with defaults, from text', () => {
  assert.deepEqual(splitReferences('Bearer ${env:TOKEN} and ${file:/run/secrets/a:-dev}!'), [
    { kind: 'text', text: 'Bearer ' },
    { kind: 'env', name: 'TOKEN', offset: 7, raw: '${env:TOKEN}' },
    { kind: 'text', text: ' and ' },
    { kind: 'file', path: '/run/secrets/a', fallback: 'dev', offset: 24, raw: '${file:/run/secrets/a:-dev}' },
    { kind: 'text', text: '!' },
  ]);
});

test('a file path may hold ":" but ends at ":-" or "}"', () => {
  assert.deepEqual(splitReferences('${file:C:/x}'), [{ kind: 'file', path: 'C:/x', offset: 0, raw: '${file:C:/x}' }]);
  assert.deepEqual(splitReferences('${file:a:-}'), [{ kind: 'file', path: 'a', fallback: '', offset: 0, raw: '${file:a:-}' }]);
});

test('$${ is a literal ${; any other ${ is malformed', () => {
  assert.deepEqual(splitReferences('$${env:X} $5'), [{ kind: 'text', text: '${env:X} $5' }]);
  assert.deepEqual(splitReferences('a${file:}b'), [{ kind: 'text', text: 'a' }, { kind: 'malformed', offset: 1 }, { kind: 'text', text: '${file:}b' }]);
  assert.deepEqual(splitReferences('${HOME}').map((p) => p.kind), ['malformed', 'text']);
});

