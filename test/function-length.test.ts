/**
 * No function in engine/ runs over MAX_FUNCTION_LINES lines (issue 11): a function that long holds
 * several jobs, and every change to one of them collides with the others. Split it by job (see
 * engine.ts: build, connect, start, facade) rather than raising the limit.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { repoPath } from './config/connector-dir.js';

const MAX_FUNCTION_LINES = 120;

interface LongFunction {
  readonly where: string;
  readonly lines: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every function (declaration, expression, arrow, method, accessor) with a body, and its length in lines. */
function functionLengths(path: string): LongFunction[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = 'name' in node && node.name !== undefined ? (node.name as ts.Node).getText(source) : '(anonymous)';
      found.push({ where: `${relative(repoPath(), path)}:${first + 1} ${name}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test(`no function in engine/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
  const functions = sourceFiles(repoPath('engine')).flatMap(functionLengths);
  assert.ok(functions.length > 500, `found only ${functions.length} functions: is the scan broken?`);
  const long = functions.filter((fn) => fn.lines > MAX_FUNCTION_LINES).map((fn) => `${fn.where}: ${fn.lines} lines`);
  assert.deepEqual(long, [], `split these by job (a function each for building, connecting, starting...)`);
});
