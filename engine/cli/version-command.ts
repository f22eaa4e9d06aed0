/** `hms-sync version` (also `hms-sync --version`): prints the version line; exit 0, or 2 on a bad command line. */
import { HmsError } from '../errors.js';
import { versionLine } from '../version.js';
import { parseCommandLine } from './command-line.js';

export const VERSION_USAGE = `usage: hms-sync version

Prints the version of hms-sync and of the Node.js it runs on, e.g.
hms-sync 0.1.0 (Node.js v24.11.0, linux-x64). "hms-sync --version" does the same.`;

export async function versionCommand(args: readonly string[]): Promise<number> {
  const line = parseCommandLine(args, { help: { type: 'boolean', short: 'h' } }, VERSION_USAGE);
  if (line.values.help === true) {
    process.stdout.write(`${VERSION_USAGE}\n`);
    return 0;
  }
  if (line.positionals.length > 0) throw new HmsError('USAGE', `version takes no arguments, got "${line.positionals.join(' ')}"\n${VERSION_USAGE}`);
  process.stdout.write(`${versionLine()}\n`);
  return 0;
}
