/**
 * Connectors and their tests, for `validate` and `test`. A connector's tests are its `tests:`
 * list followed by the `tests:` of NAME.test.yaml / NAME.test.yml beside its file (NAME = the
 * connector file's base name). Test files are found beside every connector file named or listed;
 * a test file may also be named itself, which loads its connector file too. A test file with no
 * connector file beside it is a problem (its tests could never run).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { LoadResult, Problem } from '../compiled.js';
import type { ConnectorTest } from '../schema/connector-file.generated.js';
import { createConnectorValidator } from '../schema/connector-validator.js';
import { loadConnectorFiles, type LoadOptions } from './load-connectors.js';
import { loadTestSource } from './load-test-source.js';
import { createTestFileValidator, type TestFileValidator } from '../schema/test-file-validator.js';

const TEST_FILE = /\.test\.ya?ml$/;
const CONNECTOR_EXTENSIONS = ['.yaml', '.yml'] as const;

export interface ConnectorTestCase {
  readonly test: ConnectorTest;
  /** The file the test is written in (the connector file or its test file). */
  readonly file: string;
}

export interface LoadWithTestsResult extends LoadResult {
  /** Tests of each connector that loaded, by connector name, in file order. */
  readonly tests: ReadonlyMap<string, readonly ConnectorTestCase[]>;
  /** Connector and test files read. */
  readonly files: number;
}

export interface LoadWithTestsOptions extends LoadOptions {
  readonly testValidator?: TestFileValidator;
}

export function isTestFileName(name: string): boolean {
  return !name.startsWith('.') && TEST_FILE.test(name);
}

/** `paths` are files or directories, as for loadConnectorFiles. Problems come sorted by file. */
export async function loadConnectorsWithTests(paths: readonly string[], options: LoadWithTestsOptions): Promise<LoadWithTestsResult> {
  const connectorPaths: string[] = [];
  const testFiles: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory() === true) {
      const names = await readdir(path).catch(() => [] as string[]);
      testFiles.push(...names.filter(isTestFileName).sort().map((name) => join(path, name)));
      connectorPaths.push(path);
    } else if (info !== undefined && isTestFileName(basename(path))) {
      testFiles.push(path);
      const connector = connectorFileOf(path);
      if (connector !== undefined) connectorPaths.push(connector);
    } else {
      connectorPaths.push(path);
      testFiles.push(...testFilesBeside(path));
    }
  }

  const validator = options.validator ?? (await createConnectorValidator());
  const testValidator = options.testValidator ?? (await createTestFileValidator());
  const loaded = await loadConnectorFiles(connectorPaths, { ...options, validator });
  const problems: Problem[] = [...loaded.problems];
  const tests = new Map<string, ConnectorTestCase[]>();
  const connectorByFile = new Map(loaded.connectors.map((connector) => [resolve(connector.file), connector]));
  for (const connector of loaded.connectors) {
    tests.set(connector.name, (connector.source.tests ?? []).map((test) => ({ test, file: connector.file })));
  }

  const read = new Set([...loaded.connectors.map((c) => resolve(c.file)), ...loaded.problems.map((p) => resolve(p.file))]);
  for (const file of unique(testFiles)) {
    read.add(resolve(file));
    const connectorFile = connectorFileOf(file);
    if (connectorFile === undefined) {
      const name = basename(file).replace(TEST_FILE, '');
      const message = `no connector file "${name}.yaml" beside this test file; a test file NAME.test.yaml tests the connector in NAME.yaml, rename it to match`;
      problems.push({ file, line: 0, column: 0, code: 'CONFIG_READ', message });
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      problems.push({ file, line: 0, column: 0, code: 'CONFIG_READ', message: `cannot read the test file "${file}" (${code}); check its permissions` });
      continue;
    }
    const result = await loadTestSource({ file, bytes, env: options.env, readFile: options.readFile ?? readFile, envOptional: options.envOptional, validate: testValidator });
    problems.push(...result.problems);
    const connector = connectorByFile.get(resolve(connectorFile));
    if (connector !== undefined) tests.get(connector.name)?.push(...result.tests.map((test) => ({ test, file })));
  }

  // Stable: each file keeps its problems in line order.
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { connectors: loaded.connectors, problems, tests, files: read.size };
}

/** NAME.test.yaml and NAME.test.yml beside a connector file NAME.yaml / NAME.yml, when they exist. */
function testFilesBeside(connectorFile: string): string[] {
  const name = basename(connectorFile);
  const base = /\.ya?ml$/.test(name) ? name.replace(/\.ya?ml$/, '') : undefined;
  if (base === undefined) return [];
  return CONNECTOR_EXTENSIONS.map((ext) => join(dirname(connectorFile), `${base}.test${ext}`)).filter((file) => existsSync(file));
}

/** The connector file a test file belongs to: NAME.yaml, else NAME.yml, beside it. */
function connectorFileOf(testFile: string): string | undefined {
  const base = basename(testFile).replace(TEST_FILE, '');
  return CONNECTOR_EXTENSIONS.map((ext) => join(dirname(testFile), `${base}${ext}`)).find((file) => existsSync(file));
}

function unique(files: readonly string[]): string[] {
  const seen = new Set<string>();
  return files.filter((file) => {
    const key = resolve(file);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
