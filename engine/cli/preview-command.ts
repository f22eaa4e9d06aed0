/**
 * `hms-sync preview --event FILE|- [--format text|json] [PATH...]`: the requests every connector
 * would send for one event (method, URL, headers with secrets masked, body), rendered exactly as
 * the dispatcher renders them, with no network.
 *
 * Reads the environment like `run`, but an unset `${env:NAME}` without a default is not a
 * problem: it stays as that text. Connectors with problems are reported on stderr and left out;
 * the others are still previewed. Exit 0 when every connector loaded and every matching route
 * rendered, 1 when a connector has problems or a mapping failed, 2 on a bad command line or event.
 */
import { formatProblem } from '../config/problems/format-problem.js';
import { loadConnectorFiles } from '../config/load/load-connectors.js';
import { renderEvent } from './render-event.js';
import { HmsError } from '../errors.js';
import { packageVersion } from '../version.js';
import { connectorPaths, oneOf, parseCommandLine, stringFlag } from './command-line.js';
import { formatPreviewJson, formatPreviewText, PREVIEW_FORMATS } from './format-preview.js';
import { summaryLine } from './problem-report.js';
import { readEvent } from './read-event.js';

export const PREVIEW_USAGE = `usage: hms-sync preview --event FILE|- [options] [PATH...]

  --event FILE   the event, one JSON object with a "type"; - reads it from standard input
  PATH...        connector files or directories (default: env HMS_SYNC_CONNECTORS, else ./connectors.d)
  --format F     text or json; default text
  -h, --help     show this help

Nothing is sent. Header values and values from the environment are shown as [REDACTED]; an
unset \${env:NAME} without a default stays as that text. Exit status: 0 ok, 1 a connector has
problems or a mapping failed, 2 bad command line or event.`;

export async function previewCommand(args: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const line = parseCommandLine(args, {
    event: { type: 'string' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, PREVIEW_USAGE);
  if (line.values.help === true) {
    process.stdout.write(`${PREVIEW_USAGE}\n`);
    return 0;
  }
  const format = oneOf('--format', stringFlag(line, 'format'), PREVIEW_FORMATS, 'text', PREVIEW_USAGE);
  const source = stringFlag(line, 'event');
  if (source === undefined) throw new HmsError('USAGE', `--event FILE (or - for standard input) is required\n${PREVIEW_USAGE}`);
  const event = await readEvent(source, process.stdin);

  const loaded = await loadConnectorFiles(connectorPaths(line.positionals, env), { env, envOptional: true });
  const deliveries = await renderEvent(loaded.connectors, event, { userAgent: `hms-sync/${packageVersion()}` });
  if (loaded.problems.length > 0) {
    const lines = loaded.problems.map(formatProblem);
    lines.push(`${summaryLine(loaded.problems, { connectors: 0, files: 0 })}; connectors with problems are not previewed`);
    process.stderr.write(`${lines.join('\n')}\n`);
  }
  process.stdout.write(format === 'json' ? formatPreviewJson(deliveries, loaded.problems) : formatPreviewText(event.type, deliveries));
  const failed = deliveries.some((delivery) => delivery.request === undefined);
  return loaded.problems.length === 0 && !failed ? 0 : 1;
}
