/**
 * `hms-sync connectors pause|resume NAME`: an operator's pause of a connector on a running engine,
 * through its API (engine-client.ts). A sentence for people, the API's JSON with --json. Exit
 * codes: OPERATOR_EXIT.
 */
import { parseCommandLine, stringFlag } from '../command-line.js';
import { HmsError } from '../../errors.js';
import { createEngineClient, operatorConnection, OPERATOR_EXIT, runOperator } from './engine-client.js';

export const CONNECTORS_USAGE = `usage: hms-sync connectors <pause|resume> NAME [--url URL] [--json]

  pause NAME    the connector sends nothing until resumed; its deliveries wait, attempts
                untouched. Kept across restarts and reloads.
  resume NAME   ends the pause an operator made (a connector file saying paused: true stays
                paused until the file changes)

  --url URL     the engine (env HMS_SYNC_URL, default http://127.0.0.1:8080); the token is
                HMS_SYNC_API_TOKEN
  --json        the engine's JSON answer instead of a sentence

exit codes: 0 done, 1 refused by the engine (no such connector), 2 bad command line, 3 no engine
at the URL, 4 token missing, wrong or without the right`;

const OPTIONS = { url: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** The API's answer: the connector's flow control as GET /status shows it. */
export interface ConnectorFlowAnswer {
  readonly connector: string;
  readonly state: string;
  readonly pausedBy: { readonly file: boolean; readonly operator: { readonly by: string; readonly since: string } | null } | null;
}

export async function connectorsCommand(args: readonly string[], env: Record<string, string | undefined>, out: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  return runOperator(async () => {
    const line = parseCommandLine(args, OPTIONS, CONNECTORS_USAGE);
    const [action, name, ...extra] = line.positionals;
    if (line.values.help === true || action === undefined) {
      out(`${CONNECTORS_USAGE}\n`);
      return line.values.help === true ? OPERATOR_EXIT.ok : OPERATOR_EXIT.usage;
    }
    if (action !== 'pause' && action !== 'resume') throw new HmsError('USAGE', `unknown action "${action}"; use pause or resume\n${CONNECTORS_USAGE}`);
    if (name === undefined || extra.length > 0) throw new HmsError('USAGE', `connectors ${action} takes one connector name\n${CONNECTORS_USAGE}`);
    const client = createEngineClient(operatorConnection(stringFlag(line, 'url'), env));
    const answer = await client.post<ConnectorFlowAnswer>(`/connectors/${encodeURIComponent(name)}/${action}`);
    out(line.values.json === true ? `${JSON.stringify(answer, null, 2)}\n` : `${describeFlow(answer)}\n`);
    return OPERATOR_EXIT.ok;
  });
}

/** One sentence: whether the connector sends now, and who holds its pause. */
export function describeFlow(answer: ConnectorFlowAnswer): string {
  const { pausedBy } = answer;
  if (pausedBy === null) return `connector ${answer.connector}: not paused (${answer.state})`;
  const holders = [
    ...(pausedBy.operator === null ? [] : [`an operator (${pausedBy.operator.by}, since ${pausedBy.operator.since})`]),
    ...(pausedBy.file ? ['its file (paused: true; it sends again once the file no longer says so)'] : []),
  ];
  return `connector ${answer.connector}: paused by ${holders.join(' and by ')}`;
}
