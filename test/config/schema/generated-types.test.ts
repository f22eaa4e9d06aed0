import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { GENERATED_FILES, repoRoot } from '../../../scripts/gen-types.js';

for (const file of GENERATED_FILES) {
  test(`${file.path} matches a fresh render of the schema`, async () => {
    const checkedIn = await readFile(join(repoRoot(), file.path), 'utf8');
    assert.equal(checkedIn, await file.render(), `${file.path} differs from the schema: run npm run gen:types and commit the result (never edit it by hand)`);
  });
}
