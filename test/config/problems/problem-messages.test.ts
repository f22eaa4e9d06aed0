import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { test } from 'node:test';
import { createConnectorValidator } from '../../../engine/config/schema/connector-validator.js';
import { formatProblem } from '../../../engine/config/problems/format-problem.js';
import { loadConnectorFiles } from '../../../engine/config/load/load-connectors.js';
import { repoPath } from '../connector-dir.js';

test('every kind of mistake is reported at once, as in everything-wrong.problems.txt', async () => {
  const file = repoPath('test', 'fixtures', 'connectors', 'everything-wrong.yaml');
  const expected = await readFile(repoPath('test', 'fixtures', 'connectors', 'everything-wrong.problems.txt'), 'utf8');
  const validator = await createConnectorValidator();
  const result = await loadConnectorFiles([file], { env: {}, validator });
  const root = repoPath();
  const actual = result.problems.map((p) => formatProblem({ ...p, file: relative(root, p.file) }));
  assert.deepEqual(actual, expected.trimEnd().split('\n'));
  // The same validator serves another load: it is compiled once per loader, not per file.
  const again = await loadConnectorFiles([file], { env: {}, validator });
  assert.equal(again.problems.length, result.problems.length);
});
