#!/usr/bin/env node
/** The `hms-sync` command: dispatches to one subcommand. Exit codes: 0 ok, 1 failure, 2 usage. */
import { HmsError } from '../errors.js';
import { runCommand } from './run-command.js';

const USAGE = `usage: hms-sync <command> [options]

commands:
  run     start the engine: load connectors, ingest over HTTP, deliver, retry
          hms-sync run [--connectors DIR] [--data DIR] [--port N] [--host H] [--sweep CRON]
                       [--body-limit BYTES] [--log-level LEVEL]

Run "hms-sync <command> --help" for a command's options.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest, process.env);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`hms-sync: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof HmsError) {
      process.stderr.write(`hms-sync: ${error.message}\n`);
      process.exitCode = error.code === 'USAGE' ? 2 : 1;
    } else {
      process.stderr.write(`hms-sync: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
