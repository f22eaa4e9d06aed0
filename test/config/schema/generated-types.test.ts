import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { GENERATED_TYPES_PATH, renderConnectorTypes, repoRoot } from '../../../scripts/gen-types.js';

test('engine/config/schema/connector-file.generated.ts matches a fresh render of the schema', async () => {
  const checkedIn = await readFile(join(repoRoot(), GENERATED_TYPES_PATH), 'utf8');
  assert.equal(checkedIn, await renderConnectorTypes(), 'the schema changed: run npm run gen:types and commit the result');
});
