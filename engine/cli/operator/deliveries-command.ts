/**
 * `hms-sync deliveries list|show|retry|discard`: find deliveries, read one, retry or discard one
 * by id or every one a filter selects, on a running engine through its API (engine-client.ts).
 * Tables for people, the API's JSON with --json for scripts. Exit codes: OPERATOR_EXIT.
 */
import { parseCommandLine, stringFlag, type CommandLine } from '../command-line.js';
import { parseDuration } from '../../config/values/duration.js';
import { HmsError } from '../../errors.js';
import { createEngineClient, operatorConnection, OPERATOR_EXIT, runOperator, type EngineClient, type QueryParams } from './engine-client.js';
import { formatActed, formatDeliveryPage, formatDeliveryTable, type ActedAnswer, type DeliveryPageAnswer, type ListAnswer } from './delivery-output.js';

export const DELIVERIES_USAGE = `usage: hms-sync deliveries <list|show|retry|discard> [options]

  list [filters] [--order desc|asc] [--limit N] [--after CURSOR]
                         deliveries matching the filters, newest first
  show ID                one delivery: every attempt, its request and the start of each answer
  retry ID | retry [filters] [--dry-run]
                         send again: dead and discarded ones with a fresh retry schedule,
                         retrying ones now, parked ones of a configured connector
  discard ID | discard [filters] [--dry-run]
                         give up on dead, retrying or parked deliveries (kept, counted apart)
                         Without --state, retry and discard by filter take dead deliveries.

filters (all combined; lists are comma-separated):
  --connector NAME[,NAME]   --route NAME          --state STATE[,STATE]
  --event-type GLOB[,GLOB]  --event-id ID         --min-attempts N
  --since TIME|DURATION     --until TIME|DURATION acceptance time: ISO 8601, or a duration
                                                  back from now (30m, 2h, 7d)
  --status CLASS|CODE[,..]  2xx, 3xx, 4xx, 5xx, network, or a status code of the last attempt
  --q EXPRESSION            JSONata over the event body, e.g. 'permitId = 123'

  --url URL     the engine (env HMS_SYNC_URL, default http://127.0.0.1:8080); the token is
                HMS_SYNC_API_TOKEN, or HMS_SYNC_READ_TOKEN for list and show
  --json        the engine's JSON answer instead of a table
  --dry-run     retry and discard by filter: count what would change, change nothing

exit codes: 0 done, 1 refused by the engine (unknown delivery, wrong state), 2 bad command line
or filter, 3 no engine at the URL, 4 token missing, wrong or without the right`;

/** Each filter flag and the query parameter it sets. */
const FILTER_FLAGS: Readonly<Record<string, string>> = {
  connector: 'connector',
  route: 'route',
  state: 'state',
  'event-type': 'eventType',
  'event-id': 'eventId',
  since: 'since',
  until: 'until',
  status: 'status',
  'min-attempts': 'minAttempts',
  q: 'q',
};

const OPTIONS = {
  ...Object.fromEntries(Object.keys(FILTER_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
  order: { type: 'string' },
  limit: { type: 'string' },
  after: { type: 'string' },
  url: { type: 'string' },
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Out = (text: string) => void;

export async function deliveriesCommand(args: readonly string[], env: Record<string, string | undefined>, out: Out = (text) => process.stdout.write(text), now: () => number = Date.now): Promise<number> {
  return runOperator(async () => {
    const line = parseCommandLine(args, OPTIONS, DELIVERIES_USAGE);
    const [action, ...rest] = line.positionals;
    if (line.values.help === true || action === undefined) {
      out(`${DELIVERIES_USAGE}\n`);
      return action === undefined && line.values.help !== true ? OPERATOR_EXIT.usage : OPERATOR_EXIT.ok;
    }
    const client = createEngineClient(operatorConnection(stringFlag(line, 'url'), env));
    const json = line.values.json === true;
    switch (action) {
      case 'list':
        return list(client, line, rest, json, out, now);
      case 'show':
        return show(client, line, rest, json, out);
      case 'retry':
      case 'discard':
        return act(client, action, line, rest, json, out, now);
      default:
        throw usage(`unknown action "${action}"; use list, show, retry or discard`);
    }
  });
}

async function list(client: EngineClient, line: CommandLine, rest: readonly string[], json: boolean, out: Out, now: () => number): Promise<number> {
  onlyFlags(line, ['order', 'limit', 'after', ...Object.keys(FILTER_FLAGS)]);
  if (rest.length > 0) throw usage(`list takes no argument ("${rest[0]}"); filter with flags, e.g. --event-id ${rest[0]}`);
  const query = { ...filters(line, now), order: stringFlag(line, 'order'), limit: stringFlag(line, 'limit'), after: stringFlag(line, 'after') };
  const answer = await client.get<ListAnswer>('/deliveries', query);
  out(json ? `${JSON.stringify(answer, null, 2)}\n` : formatDeliveryTable(answer));
  return OPERATOR_EXIT.ok;
}

async function show(client: EngineClient, line: CommandLine, rest: readonly string[], json: boolean, out: Out): Promise<number> {
  onlyFlags(line, []);
  if (rest.length !== 1) throw usage('show takes one delivery id: hms-sync deliveries show ID');
  const answer = await client.get<DeliveryPageAnswer>(`/deliveries/${encodeURIComponent(rest[0]!)}`);
  out(json ? `${JSON.stringify(answer, null, 2)}\n` : formatDeliveryPage(answer));
  return OPERATOR_EXIT.ok;
}

async function act(client: EngineClient, action: 'retry' | 'discard', line: CommandLine, rest: readonly string[], json: boolean, out: Out, now: () => number): Promise<number> {
  const query = filters(line, now);
  const dryRun = line.values['dry-run'] === true;
  let answer: ActedAnswer;
  if (rest.length > 0) {
    if (dryRun) throw usage('--dry-run goes with filters; for one delivery, show it first: hms-sync deliveries show ID');
    onlyFlags(line, []);
    if (rest.length > 1) throw usage(`${action} takes one delivery id, or filters`);
    answer = await client.post<ActedAnswer>(`/deliveries/${encodeURIComponent(rest[0]!)}/${action}`);
  } else {
    onlyFlags(line, [...Object.keys(FILTER_FLAGS), 'dry-run']);
    if (Object.keys(query).length === 0) throw usage(`${action} needs a delivery id, or filters saying which deliveries (e.g. --state dead --connector NAME); --dry-run counts them first`);
    answer = await client.post<ActedAnswer>(`/deliveries/${action}`, { ...query, ...(dryRun && { dryRun: true }) });
  }
  out(json ? `${JSON.stringify(answer, null, 2)}\n` : formatActed(action, answer));
  return OPERATOR_EXIT.ok;
}

/** The filter flags given, as the API's query parameters; --since and --until also take a duration back from now. */
function filters(line: CommandLine, now: () => number): QueryParams {
  const query: Record<string, string> = {};
  for (const [flag, param] of Object.entries(FILTER_FLAGS)) {
    const value = stringFlag(line, flag);
    if (value === undefined) continue;
    query[param] = (flag === 'since' || flag === 'until') && /^[0-9]+(ms|s|m|h|d)$/.test(value) ? new Date(now() - parseDuration(value)).toISOString() : value;
  }
  return query;
}

/** Refuses flags given that the action does not take (besides --url, --json, --help). */
function onlyFlags(line: CommandLine, allowed: readonly string[]): void {
  const common = ['url', 'json', 'help'];
  const extra = Object.keys(line.values).filter((flag) => line.values[flag] !== undefined && !common.includes(flag) && !allowed.includes(flag));
  if (extra.length > 0) throw usage(`--${extra[0]} does not go with this action`);
}

function usage(message: string): HmsError {
  return new HmsError('USAGE', `${message}\n${DELIVERIES_USAGE}`);
}
