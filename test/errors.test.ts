import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ERROR_CODES, errorBody, HmsError, httpStatusOf } from '../engine/errors.js';

test('every error code is documented in docs/errors.md with its status', async () => {
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  for (const [code, { http }] of Object.entries(ERROR_CODES)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${http} \\|`), `${code} is missing from docs/errors.md`);
  }
});

test('unknown errors become a generic 500 body without their details', () => {
  const secret = new Error('connection string postgres://user:pw@db');
  assert.equal(httpStatusOf(secret), 500);
  assert.deepEqual(errorBody(secret), { error: { code: 'INTERNAL', message: 'internal error; see the engine log' } });
  assert.equal(httpStatusOf(new HmsError('INGEST_TOO_LARGE', 'x')), 413);
});
