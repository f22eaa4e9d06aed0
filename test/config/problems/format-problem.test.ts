import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem } from '../../../engine/config/problems/format-problem.js';

test('formats file:line:col message with the path as given', () => {
  assert.equal(
    formatProblem({ file: 'connectors.d/a.yaml', line: 6, column: 5, code: 'CONFIG_SCHEMA', message: 'routes[0].methd: unknown field "methd"; did you mean "method"?' }),
    'connectors.d/a.yaml:6:5 routes[0].methd: unknown field "methd"; did you mean "method"?',
  );
});

test('a problem with the whole file has no position', () => {
  assert.equal(formatProblem({ file: 'connectors.d', line: 0, column: 0, code: 'CONFIG_READ', message: 'missing' }), 'connectors.d missing');
});
