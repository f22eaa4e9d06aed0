import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Problem } from '../../../engine/config/compiled.js';
import { loadConnectors } from '../../../engine/config/load/load-connectors.js';
import { connectorDir, lines } from '../connector-dir.js';

async function problemsOf(t: import('node:test').TestContext, text: string): Promise<string[]> {
  const dir = await connectorDir(t, { 'c.yaml': text });
  const { problems } = await loadConnectors(dir, { env: {} });
  return problems.map((p: Problem) => `${p.line}:${p.column} ${p.code} ${p.message}`);
}

const HEAD = ['name: crm', 'target:', '  url: http://127.0.0.1:9', 'routes:', '  - name: book', '    on: permitApproved'];

test('a key indented one space too far is one problem naming the key, not the parser\'s messages about the line above', async (t) => {
  assert.deepEqual(await problemsOf(t, lines(...HEAD, '     method: PUT', '    path: /x')), [
    '7:6 CONFIG_YAML_SYNTAX invalid YAML: check the indentation of `method:` at line 7: it starts at column 6, and the keys of one block must start in the same column, like `on:` at line 6 (column 5)',
  ]);
});

test('a key indented one space short is one problem naming the key', async (t) => {
  assert.deepEqual(await problemsOf(t, lines(...HEAD, '   method: PUT', '    path: /x')), [
    '7:4 CONFIG_YAML_SYNTAX invalid YAML: check the indentation of `method:` at line 7: it starts at column 4, and the keys of one block must start in the same column, like `on:` at line 6 (column 5)',
  ]);
});

test('the lines of a block scalar (map: |) are not keys', async (t) => {
  assert.deepEqual(await problemsOf(t, lines(...HEAD, '    map: |', '      {', '        "a": 1', '      }', '   method: PUT')), [
    '11:4 CONFIG_YAML_SYNTAX invalid YAML: check the indentation of `method:` at line 11: it starts at column 4, and the keys of one block must start in the same column, like `map:` at line 7 (column 5)',
  ]);
});

test('a tab used to indent says that YAML indents with spaces', async (t) => {
  assert.deepEqual(await problemsOf(t, lines(...HEAD, '\tmethod: PUT')), ['7:1 CONFIG_YAML_SYNTAX invalid YAML: a tab indents this line; YAML indents with spaces only']);
});

test('other syntax errors keep the parser\'s own words', async (t) => {
  const problems = await problemsOf(t, lines('name: crm', 'target: { url: http://127.0.0.1:9', 'routes: [{on: a}]'));
  assert.ok(problems.length > 0 && problems.every((p) => p.includes('CONFIG_YAML_SYNTAX invalid YAML:') && !p.includes('check the indentation')), problems.join('\n'));
});
