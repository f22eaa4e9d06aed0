/**
 * `hms-sync validate [PATH...] [--format text|json|github] [--env-optional]`: every problem in
 * every connector file and test file at once, each with file, line and column. Exit 0 when clean,
 * 1 on problems, 2 on a bad command line. Nothing is started and nothing is sent.
 */
import { loadConnectorsWithTests } from '../config/load/load-with-tests.js';
import { connectorPaths, oneOf, parseCommandLine, stringFlag } from './command-line.js';
import { PROBLEM_FORMATS, problemReport } from './problem-report.js';

export const VALIDATE_USAGE = `usage: hms-sync validate [PATH...] [options]

  PATH...          connector files or directories (default: env HMS_SYNC_CONNECTORS, else ./connectors.d);
                   test files NAME.test.yaml beside them are checked too
  --format F       text (file:line:col message), json, or github (workflow annotations); default text
  --env-optional   an unset \${env:NAME} without a default is not a problem (the value keeps the
                   text \${env:NAME}); for CI jobs that have no secrets
  -h, --help       show this help

Exit status: 0 no problems, 1 problems, 2 bad command line.`;

export async function validateCommand(args: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const line = parseCommandLine(args, {
    format: { type: 'string' },
    'env-optional': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, VALIDATE_USAGE);
  if (line.values.help === true) {
    process.stdout.write(`${VALIDATE_USAGE}\n`);
    return 0;
  }
  const format = oneOf('--format', stringFlag(line, 'format'), PROBLEM_FORMATS, 'text', VALIDATE_USAGE);
  const result = await loadConnectorsWithTests(connectorPaths(line.positionals, env), {
    env,
    envOptional: line.values['env-optional'] === true,
    reportLiteralSecrets: true,
  });
  process.stdout.write(problemReport(format, result.problems, { connectors: result.connectors.length, files: result.files }));
  return result.problems.length === 0 ? 0 : 1;
}
