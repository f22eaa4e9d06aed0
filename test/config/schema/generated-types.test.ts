import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { GENERATED_TYPES, renderTypes, repoRoot } from '../../../scripts/gen-types.js';

for (const generated of GENERATED_TYPES) {
  test(`${generated.output} matches a fresh render of ${generated.schema}`, async () => {
    const checkedIn = await readFile(join(repoRoot(), generated.output), 'utf8');
    assert.equal(checkedIn, await renderTypes(generated), 'the schema changed: run npm run gen:types and commit the result');
  });
}
