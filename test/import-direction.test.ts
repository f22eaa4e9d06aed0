/**
 * Imports follow the flow of events. This table is the rule, written once: events enter at the
 * API, the bus routes and stores them, the dispatcher sends them, and the sweep feeds the
 * dispatcher what is due. Operators' work by hand (operate: find, read, retry, discard) reads the
 * store and renders requests as the dispatcher does. The wiring (engine.ts) builds the stages, so it sits between the API
 * (which serves an Engine) and the stages; the CLI and the package entry sit above everything.
 * The metrics count what the stages signal; the wiring feeds them and the API serves them, so only
 * those two (and what sits above them) import metrics, and metrics imports only foundations.
 * Config, the store and the small shared modules are foundations that every part may use; they
 * use only the shared modules themselves.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { repoPath } from './config/connector-dir.js';

/** Small modules at engine/'s top that any part may import. */
const SHARED = ['model.ts', 'errors.ts', 'clock.ts', 'logger.ts', 'signals.ts', 'utf8.ts', 'version.ts'];
const FOUNDATIONS = ['config', 'store', ...SHARED];

/** Each part of engine/ (a folder, or a file at its top) and the parts downstream of it that it may import, besides FOUNDATIONS. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  'index.ts': ['cli', 'api', 'engine.ts', 'operate', 'bus', 'sweep', 'dispatch', 'metrics'],
  cli: ['api', 'engine.ts', 'operate', 'bus', 'sweep', 'dispatch', 'metrics'],
  api: ['engine.ts', 'operate', 'bus', 'sweep', 'dispatch', 'metrics'],
  'engine.ts': ['operate', 'bus', 'sweep', 'dispatch', 'metrics'],
  operate: ['dispatch'],
  bus: ['dispatch'],
  sweep: ['dispatch'],
  dispatch: [],
  metrics: [],
};

/** What `from` may import: itself, what MAY_IMPORT lists, and the foundations its level allows. */
function allowed(from: string): ReadonlySet<string> {
  if (SHARED.includes(from)) return new Set(SHARED);
  if (FOUNDATIONS.includes(from)) return new Set([from, ...SHARED]);
  return new Set([from, ...(MAY_IMPORT[from] ?? []), ...FOUNDATIONS]);
}

interface Import {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

/** Every relative import (static, type-only and dynamic) of every .ts file under engine/. */
function engineImports(engineDir: string): Import[] {
  const imports: Import[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        readFileSync(path, 'utf8')
          .split('\n')
          .forEach((text, index) => {
            for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
              imports.push({ file: path, line: index + 1, target: resolve(dirname(path), match[1]!).replace(/\.js$/, '.ts') });
            }
          });
      }
    }
  };
  walk(engineDir);
  return imports;
}

/** The part of engine/ a path belongs to: its first folder, or the file's name at the top. */
function partOf(engineDir: string, path: string): string {
  return relative(engineDir, path).split(sep)[0]!;
}

test('every part of engine/ has a place in the import rule', () => {
  const engineDir = repoPath('engine');
  const parts = readdirSync(engineDir).filter((name) => !name.endsWith('.d.ts'));
  const unplaced = parts.filter((part) => !FOUNDATIONS.includes(part) && MAY_IMPORT[part] === undefined);
  assert.deepEqual(unplaced, [], `give each new part of engine/ its place in MAY_IMPORT or FOUNDATIONS of ${relative(repoPath(), repoPath('test', 'import-direction.test.ts'))}`);
});

test('no module of engine/ imports a stage upstream of its own', () => {
  const engineDir = repoPath('engine');
  const imports = engineImports(engineDir);
  assert.ok(imports.length > 200, `found only ${imports.length} imports: is the scan broken?`);
  const upstream = imports
    .filter(({ file, target }) => !allowed(partOf(engineDir, file)).has(partOf(engineDir, target)))
    .map(({ file, line, target }) => `${relative(repoPath(), file)}:${line} imports ${relative(repoPath(), target)} (${partOf(engineDir, file)} may not import ${partOf(engineDir, target)})`);
  assert.deepEqual(upstream, [], 'imports must follow the flow: api -> bus -> dispatch, sweep -> dispatch; see the table at the top of this test');
});
