/**
 * The schema holds every default of the connector format; docs/connectors.md states them in the
 * Default column of its field tables, and schema descriptions may repeat them in words. These
 * tests hold the three together, both ways.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../../../scripts/gen-types.js';
import { flowText, readConnectorSchema, SCHEMA_PATH, schemaFields, type SchemaField } from '../../../scripts/schema-fields.js';
import { leadingCodeSpan, markdownTables } from '../../helpers/markdown-tables.js';

const DOC_PATH = 'docs/connectors.md';

/** Where the fields of each table with a Default column sit in a connector file, by the heading above it. */
const FIELD_TABLES: Readonly<Record<string, string>> = { Fields: '', Routes: 'routes[].' };

interface DocumentedField {
  readonly where: string;
  /** The Default cell's leading code span: the value it states, as YAML; undefined when it states none (`none`, prose). */
  readonly stated?: string;
}

let fields: SchemaField[];
let documented: Map<string, DocumentedField>;

before(async () => {
  fields = schemaFields(await readConnectorSchema(repoRoot()));
  documented = documentedFields(await readFile(join(repoRoot(), DOC_PATH), 'utf8'));
});

test('every default in the schema is stated in the Default column of its field in docs/connectors.md', () => {
  const wrong: string[] = [];
  for (const field of fields) {
    if (!field.hasDefault) continue;
    const row = documented.get(field.path);
    const expected = flowText(field.schema.default);
    if (row === undefined) wrong.push(`${DOC_PATH} has no row for \`${field.path}\`: add ${rowToAdd(field.path)}, with \`${expected}\` in its Default column`);
    else if (row.stated === undefined) wrong.push(`${row.where}: the Default column states no value; write \`${expected}\`, the default of ${SCHEMA_PATH} ${field.pointer}`);
  }
  assert.deepEqual(wrong, []);
});

test('every default docs/connectors.md states is the default in the schema', () => {
  const wrong: string[] = [];
  for (const [path, row] of documented) {
    const field = fields.find((candidate) => candidate.path === path);
    if (field === undefined) wrong.push(`${row.where}: ${SCHEMA_PATH} has no field \`${path}\`; correct the name or remove the row`);
    else if (row.stated === undefined) continue;
    else if (!field.hasDefault) wrong.push(`${row.where}: the Default column says \`${row.stated}\` but ${SCHEMA_PATH} ${field.pointer} has no default; add it to the schema (and run npm run gen:types), or write none`);
    else if (!isDeepStrictEqual(parseYaml(row.stated), field.schema.default)) {
      wrong.push(`${row.where}: the Default column says \`${row.stated}\` but ${SCHEMA_PATH} ${field.pointer} says \`${flowText(field.schema.default)}\`; the schema is the source: correct the docs, or change the schema and run npm run gen:types`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('a schema description that mentions the default states the schema\'s default', () => {
  const wrong: string[] = [];
  for (const field of fields) {
    const description = field.schema.description ?? '';
    if (!field.hasDefault || !/default/i.test(description)) continue;
    const expected = flowText(field.schema.default);
    const token = new RegExp(`(?<![\\w.])${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w)`);
    if (!token.test(description)) wrong.push(`${SCHEMA_PATH} ${field.pointer}: the description mentions a default but not \`${expected}\`, the field's default; correct the description`);
  }
  assert.deepEqual(wrong, []);
});

/** The rows of the field tables, by field path (`routes[].method` for `method` in the Routes table). */
function documentedFields(text: string): Map<string, DocumentedField> {
  const rows = new Map<string, DocumentedField>();
  for (const table of markdownTables(text)) {
    if (!table.columns.includes('Field') || !table.columns.includes('Default')) continue;
    const prefix = FIELD_TABLES[table.heading];
    assert.ok(prefix !== undefined, `${DOC_PATH}: a table of fields with a Default column under "${table.heading}"; add that heading to FIELD_TABLES in this test, with where its fields sit in a connector file`);
    for (const row of table.rows) {
      const name = leadingCodeSpan(row.cells.Field ?? '');
      assert.ok(name !== undefined && `\`${name}\`` === row.cells.Field, `${DOC_PATH}:${row.line}: the Field cell must be one field name in backticks, like \`target.timeout\``);
      const stated = leadingCodeSpan(row.cells.Default ?? '');
      rows.set(`${prefix}${name}`, { where: `${DOC_PATH}:${row.line} \`${name}\``, ...(stated !== undefined && { stated }) });
    }
  }
  return rows;
}

/** Where a field's row goes, for messages: `` `batch.maxWait` to the Routes table `` for `routes[].batch.maxWait`. */
function rowToAdd(path: string): string {
  const [heading, prefix] = Object.entries(FIELD_TABLES).filter(([, prefix]) => path.startsWith(prefix)).sort(([, a], [, b]) => b.length - a.length)[0] ?? ['Fields', ''];
  return `\`${path.slice(prefix.length)}\` to the ${heading} table`;
}
