/**
 * One connector test file's bytes (`NAME.test.yaml`) → its tests or its Problems; the only I/O is
 * `readFile`, for `${file:...}` references. Read like a connector file: YAML with line numbers,
 * `${env:...}` and `${file:...}` interpolated with the same environment and options, checked
 * against the schema's ConnectorTest.
 */
import { dirname } from 'node:path';
import { isMap } from 'yaml';
import type { Problem } from '../compiled.js';
import type { ConnectorTest } from '../schema/connector-file.generated.js';
import { interpolate } from '../interpolate/interpolate.js';
import { toProblem } from '../problems/located-problem.js';
import { schemaProblems } from '../problems/schema-problems.js';
import type { TestFileValidator } from '../schema/test-file-validator.js';
import { encodingProblem } from './text-encoding.js';
import { parseYamlFile } from '../problems/yaml-locator.js';
import { yamlSyntaxProblems } from '../problems/yaml-syntax-problems.js';

/** Most alias expansions a test file may make (as for connector files). */
const MAX_ALIAS_COUNT = 100;

export interface TestSourceInput {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a `${file:...}` file, given its absolute path. */
  readonly readFile: (path: string) => Promise<Uint8Array>;
  readonly envOptional?: boolean;
  readonly validate: TestFileValidator;
}

export interface TestSourceLoad {
  /** Empty when there are problems. */
  readonly tests: readonly ConnectorTest[];
  /** Sorted by line and column. */
  readonly problems: readonly Problem[];
}

export async function loadTestSource(input: TestSourceInput): Promise<TestSourceLoad> {
  const { file } = input;
  const encoding = encodingProblem(input.bytes);
  if (encoding) return failed([toProblem(file, { ...encoding, code: 'CONFIG_YAML_SYNTAX' })]);
  const { source, doc, locator } = parseYamlFile(input.bytes);
  if (doc.errors.length > 0) return failed(yamlSyntaxProblems(file, source, doc, locator));
  if (!isMap(doc.contents)) {
    const message = 'a test file must be a mapping with a "tests:" list (see docs/connectors.md#connector-tests)';
    return failed([toProblem(file, { position: locator.value([]), code: 'CONFIG_SCHEMA', message })]);
  }
  const sources = { env: input.env, readFile: input.readFile, baseDir: dirname(file) };
  const interpolation = await interpolate(doc, sources, locator, { keepMissing: input.envOptional === true });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return failed([{ file, line: 0, column: 0, code: 'CONFIG_YAML_SYNTAX', message: `invalid YAML: ${(error as Error).message}` }]);
  }
  const problems = interpolation.problems.map((p) => toProblem(file, p));
  const validation = input.validate(value);
  if (!validation.ok) {
    problems.push(...schemaProblems(validation.errors, value, locator, interpolation.secrets).map((p) => toProblem(file, { ...p, code: 'CONFIG_SCHEMA' })));
  }
  if (problems.length > 0 || !validation.ok) return failed(problems);
  return { tests: validation.value.tests, problems: [] };
}

function failed(problems: Problem[]): TestSourceLoad {
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { tests: [], problems };
}
