/**
 * `hms-sync test [PATH...]`: runs every connector's tests (its `tests:` list, then those in
 * NAME.test.yaml beside it) with no network, printing `✓`/`✗` per test, a diff for each mismatch,
 * and `N passed, N failed` last. Exit 0 when all pass, 1 on any failure or connector problem, 2 on a
 * bad command line. Finding no test at all is a failure too, unless `--allow-empty`: a CI job that
 * points at the wrong folder must not pass on nothing.
 *
 * Tests are hermetic: neither the environment nor the files that `${file:...}` names are read, so
 * a test gives the same result on a laptop and in CI, with or without secrets. A reference with a
 * `:-default` takes its default, one without stays as its text (as with validate --env-optional),
 * and TLS files are not read (tests make no connections).
 */
import { formatProblem } from '../config/problems/format-problem.js';
import { loadConnectorsWithTests } from '../config/load/load-with-tests.js';
import { packageVersion } from '../version.js';
import { connectorPaths, parseCommandLine } from './command-line.js';
import { formatMismatch } from './format-mismatch.js';
import { summaryLine } from './problem-report.js';
import { runConnectorTest, type TestResult } from './run-connector-test.js';

export const TEST_USAGE = `usage: hms-sync test [PATH...] [--allow-empty]

  PATH...         connector files or directories (default: env HMS_SYNC_CONNECTORS, else ./connectors.d);
                  NAME.test.yaml files beside them are run too
  --allow-empty   finding no test at all is not a failure
  -h, --help      show this help

Runs with no network, without reading the environment or the files \${file:...} names: a
reference with :-default takes its default, one without stays as that text.
Exit status: 0 all passed, 1 a test failed, a connector has problems or no test was found
(unless --allow-empty), 2 bad command line.`;

/** The environment tests see: none (see the module comment). */
const HERMETIC_ENV: Readonly<Record<string, string | undefined>> = Object.freeze({});

/** The files tests see: none. Every file a connector names reads as absent (ENOENT). */
function absentFile(path: string): Promise<Uint8Array> {
  return Promise.reject(Object.assign(new Error(`ENOENT: not read by hms-sync test, '${path}'`), { code: 'ENOENT' }));
}

const PASS_MARK = '✓';
const FAIL_MARK = '✗';
const DETAIL_INDENT = '    ';

export async function testCommand(args: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const line = parseCommandLine(args, { 'allow-empty': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, TEST_USAGE);
  if (line.values.help === true) {
    process.stdout.write(`${TEST_USAGE}\n`);
    return 0;
  }
  const allowEmpty = line.values['allow-empty'] === true;
  const paths = connectorPaths(line.positionals, env);
  const loaded = await loadConnectorsWithTests(paths, { env: HERMETIC_ENV, envOptional: true, readFile: absentFile });
  const userAgent = `hms-sync/${packageVersion()}`;

  const results: TestResult[] = [];
  for (const connector of loaded.connectors) {
    for (const testCase of loaded.tests.get(connector.name) ?? []) {
      const result = await runConnectorTest(connector, testCase, userAgent);
      results.push(result);
      process.stdout.write(`${formatTestResult(result).join('\n')}\n`);
    }
  }

  if (loaded.problems.length > 0) {
    const lines = loaded.problems.map(formatProblem);
    lines.push(`${summaryLine(loaded.problems, { connectors: 0, files: 0 })}; the tests of a connector with problems do not run`);
    process.stderr.write(`${lines.join('\n')}\n`);
  } else if (results.length === 0) {
    const verdict = allowEmpty ? 'accepted by --allow-empty' : 'a failure, so that CI cannot pass on nothing (--allow-empty accepts it)';
    process.stdout.write(`no tests found in ${paths.join(', ')}, ${verdict}; add a tests: list to a connector (see docs/connectors.md#connector-tests)\n`);
  }
  const failed = results.filter((result) => result.mismatches.length > 0).length;
  process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
  return failed === 0 && loaded.problems.length === 0 && (results.length > 0 || allowEmpty) ? 0 : 1;
}

/** `✓ connector: name`, or `✗ connector: name` followed by where the test is and each mismatch. */
export function formatTestResult(result: TestResult): string[] {
  const title = `${result.connector}: ${result.name}`;
  if (result.mismatches.length === 0) return [`${PASS_MARK} ${title}`];
  const lines = [`${FAIL_MARK} ${title}`, `in ${result.file} (- expected, + actual)`];
  for (const mismatch of result.mismatches) lines.push(...formatMismatch(mismatch, result.secrets));
  return [lines[0] as string, ...lines.slice(1).map((text) => `${DETAIL_INDENT}${text}`)];
}
