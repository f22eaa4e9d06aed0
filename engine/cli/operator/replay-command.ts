/**
 * `hms-sync replay start|status|cancel`: replays and backfills on a running engine, through its
 * API (engine-client.ts). Tables and sentences for people, the API's JSON with --json. Exit
 * codes: OPERATOR_EXIT.
 */
import { parseCommandLine, stringFlag, type CommandLine } from '../command-line.js';
import { HmsError } from '../../errors.js';
import { createEngineClient, operatorConnection, OPERATOR_EXIT, runOperator, type EngineClient } from './engine-client.js';
import { formatDryRun, formatReplay, formatReplayTable, type DryRunAnswer, type ReplayAnswer } from './replay-output.js';

export const REPLAY_USAGE = `usage: hms-sync replay <start|status|cancel> [options]

  start NAME --mode redeliver|backfill --since TIME|DURATION [--until TIME|DURATION]
        [--event-type TYPE[,TYPE]] [--where EXPRESSION] [--rate N/s|N/m|N/h] [--dry-run]
                 new deliveries of stored events for connector NAME, in the background:
                 redeliver: every event in the window its routes take now
                 backfill:  only events without a delivery of NAME yet
                 TIME is ISO 8601; a DURATION (6h, 30d) counts back from now; --until is now
                 unless given. --where is JSONata over the event ('permitId = 123'); --rate
                 defaults to the connector's rateLimit, else 100/s. --dry-run counts what it
                 would create, and creates nothing.
  status [ID]    one replay's progress, or every replay, newest first
  cancel ID      stop creating deliveries; those created go on

  --url URL      the engine (env HMS_SYNC_URL, default http://127.0.0.1:8080); the token is
                 HMS_SYNC_API_TOKEN (HMS_SYNC_READ_TOKEN will do for status)
  --json         the engine's JSON answer instead of a table

exit codes: 0 done, 1 refused by the engine (no such connector or replay, one already running,
already finished), 2 bad command line or request, 3 no engine at the URL, 4 token missing, wrong
or without the right`;

const OPTIONS = {
  mode: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'event-type': { type: 'string' },
  where: { type: 'string' },
  rate: { type: 'string' },
  'dry-run': { type: 'boolean' },
  url: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags only `start` takes. */
const START_FLAGS = ['mode', 'since', 'until', 'event-type', 'where', 'rate', 'dry-run'] as const;

type Out = (text: string) => void;

export async function replayCommand(args: readonly string[], env: Record<string, string | undefined>, out: Out = (text) => process.stdout.write(text)): Promise<number> {
  return runOperator(async () => {
    const line = parseCommandLine(args, OPTIONS, REPLAY_USAGE);
    const [action, ...rest] = line.positionals;
    if (line.values.help === true || action === undefined) {
      out(`${REPLAY_USAGE}\n`);
      return line.values.help === true ? OPERATOR_EXIT.ok : OPERATOR_EXIT.usage;
    }
    if (action !== 'start') {
      const given = START_FLAGS.filter((flag) => line.values[flag] !== undefined);
      if (given.length > 0) throw usage(`--${given[0]} is for replay start only`);
    }
    const client = createEngineClient(operatorConnection(stringFlag(line, 'url'), env));
    const print = (answer: unknown, text: string) => out(line.values.json === true ? `${JSON.stringify(answer, null, 2)}\n` : text);
    switch (action) {
      case 'start':
        return start(client, line, one(rest, 'replay start takes one connector name'), print);
      case 'status': {
        if (rest.length > 1) throw usage('replay status takes at most one replay id');
        if (rest[0] !== undefined) {
          const replay = await client.get<ReplayAnswer>(`/replays/${encodeURIComponent(rest[0])}`);
          print(replay, formatReplay(replay));
        } else {
          const answer = await client.get<{ replays: readonly ReplayAnswer[] }>('/replays');
          print(answer, formatReplayTable(answer.replays));
        }
        return OPERATOR_EXIT.ok;
      }
      case 'cancel': {
        const replay = await client.delete<ReplayAnswer>(`/replays/${encodeURIComponent(one(rest, 'replay cancel takes one replay id'))}`);
        print(replay, `cancelled replay ${replay.id}: it creates nothing more; the ${replay.created} deliveries it created go on\n${formatReplay(replay)}`);
        return OPERATOR_EXIT.ok;
      }
      default:
        throw usage(`unknown action "${action}"; use start, status or cancel`);
    }
  });
}

async function start(client: EngineClient, line: CommandLine, connector: string, print: (answer: unknown, text: string) => void): Promise<number> {
  const mode = stringFlag(line, 'mode');
  if (mode === undefined) throw usage('replay start needs --mode redeliver (every event in the window again) or --mode backfill (only events without a delivery of the connector)');
  const since = stringFlag(line, 'since');
  if (since === undefined) throw usage('replay start needs --since, a time (ISO 8601) or a duration back from now (6h, 30d)');
  const eventTypes = stringFlag(line, 'event-type')?.split(',').map((type) => type.trim()).filter((type) => type !== '');
  const body = {
    connector,
    mode,
    since,
    ...optional(line, 'until'),
    ...(eventTypes !== undefined && { eventTypes }),
    ...optional(line, 'where'),
    ...optional(line, 'rate'),
  };
  if (line.values['dry-run'] === true) {
    const counted = await client.post<DryRunAnswer>('/replays', {}, { ...body, dryRun: true });
    print(counted, formatDryRun(counted));
    return OPERATOR_EXIT.ok;
  }
  const { id } = await client.post<{ id: string }>('/replays', {}, body);
  print({ id }, `started replay ${id} of ${connector} (${mode}); follow it with: hms-sync replay status ${id}\n`);
  return OPERATOR_EXIT.ok;
}

function optional(line: CommandLine, flag: 'until' | 'where' | 'rate'): Record<string, string> {
  const value = stringFlag(line, flag);
  return value === undefined ? {} : { [flag]: value };
}

function one(positionals: readonly string[], message: string): string {
  if (positionals.length !== 1) throw usage(message);
  return positionals[0]!;
}

function usage(message: string): HmsError {
  return new HmsError('USAGE', `${message}\n${REPLAY_USAGE}`);
}
