import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ERROR_CODES, errorBody, HmsError, httpStatusOf } from '../engine/errors.js';
import { leadingCodeSpan, markdownTables } from './helpers/markdown-tables.js';

/** The rows of docs/errors.md's catalogue: code → its HTTP status cell and line. */
async function documentedCodes(): Promise<Map<string, { status: string; where: string }>> {
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const tables = markdownTables(doc).filter((table) => table.columns.includes('code') && table.columns.includes('HTTP status'));
  assert.equal(tables.length, 1, 'docs/errors.md must hold one table with the columns code and HTTP status');
  const codes = new Map<string, { status: string; where: string }>();
  for (const row of tables[0]?.rows ?? []) {
    const code = leadingCodeSpan(row.cells.code ?? '') ?? row.cells.code ?? '';
    const where = `docs/errors.md:${row.line}`;
    assert.ok(!codes.has(code), `${where}: ${code} is documented twice; keep one row`);
    codes.set(code, { status: row.cells['HTTP status'] ?? '', where });
  }
  return codes;
}

test('every error code is documented in docs/errors.md with its status', async () => {
  const documented = await documentedCodes();
  const wrong = Object.entries(ERROR_CODES).flatMap(([code, { http }]) => {
    const row = documented.get(code);
    if (row === undefined) return [`${code} is missing from docs/errors.md; add a row: | \`${code}\` | ${http} | what it means |`];
    return row.status === String(http) ? [] : [`${row.where}: ${code} has HTTP status ${row.status} but engine/errors.ts maps it to ${http}; correct the doc`];
  });
  assert.deepEqual(wrong, []);
});

test('every code documented in docs/errors.md exists in ERROR_CODES', async () => {
  const wrong = [...await documentedCodes()].flatMap(([code, { where }]) => code in ERROR_CODES ? [] : [`${where}: ${code} is not an error code of engine/errors.ts; remove the row, or add the code to ERROR_CODES`]);
  assert.deepEqual(wrong, []);
});

test('unknown errors become a generic 500 body without their details', () => {
  const secret = new Error('connection string postgres://user:pw@db');
  assert.equal(httpStatusOf(secret), 500);
  assert.deepEqual(errorBody(secret), { error: { code: 'INTERNAL', message: 'internal error; see the engine log' } });
  assert.equal(httpStatusOf(new HmsError('INGEST_TOO_LARGE', 'x')), 413);
});
