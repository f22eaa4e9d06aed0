#!/usr/bin/env -S node --max-old-space-size=512
/** The `hms-sync` command: dispatches to one subcommand. Exit codes: 0 ok, 1 failure, 2 usage. */
import { HmsError } from '../errors.js';

type Command = (args: readonly string[], env: Record<string, string | undefined>) => Promise<number>;

/** Loaded lazily, so `validate` in a CI job does not pay for the engine's start-up. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: { summary: 'start the engine: load connectors, ingest over HTTP, deliver, retry', load: async () => (await import('./run-command.js')).runCommand },
  validate: { summary: 'check connector files and report every problem with file:line:col', load: async () => (await import('./validate-command.js')).validateCommand },
  test: { summary: "run connectors' tests (no network)", load: async () => (await import('./test-command.js')).testCommand },
  preview: { summary: 'show the requests every connector would send for one event (no network)', load: async () => (await import('./preview-command.js')).previewCommand },
  diff: { summary: 'Markdown report of how a change alters every rendered request, for pull requests', load: async () => (await import('./diff/diff-command.js')).diffCommand },
  deliveries: { summary: 'find, show, retry or discard deliveries on a running engine (--url)', load: async () => (await import('./operator/deliveries-command.js')).deliveriesCommand },
  connectors: { summary: 'pause or resume a connector on a running engine (--url)', load: async () => (await import('./operator/connectors-command.js')).connectorsCommand },
  replay: { summary: 'start, follow or cancel a replay or backfill on a running engine (--url)', load: async () => (await import('./operator/replay-command.js')).replayCommand },
  store: { summary: 'copy a stopped engine\'s SQLite store into PostgreSQL (store copy)', load: async () => (await import('./store-command.js')).storeCommand },
  version: { summary: 'print the version of hms-sync and of the Node.js it runs on', load: async () => (await import('./version-command.js')).versionCommand },
};

const USAGE = `usage: hms-sync <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(11)}${summary}`)
  .join('\n')}

Run "hms-sync <command> --help" for a command's options; "hms-sync --version" prints the version.`;

async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  const name = first === '--version' ? 'version' : first;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`hms-sync: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  return (await command.load())(rest, process.env);
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
