/**
 * How `hms-sync replay` prints for people: replays as a table, one replay as its window and
 * progress, a dry run as what it would create. The shapes are the API's answers
 * (api/replay-requests.ts); --json prints those as they are.
 */
import { plural } from '../problem-report.js';
import { textTable } from './text-table.js';

export interface ReplayAnswer {
  readonly id: string;
  readonly connector: string;
  readonly mode: string;
  readonly state: string;
  readonly since: string;
  readonly until: string;
  readonly retainedSince: string;
  readonly eventTypes: readonly string[] | null;
  readonly where: string | null;
  readonly rate: string;
  readonly declared: boolean;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly matched: number;
  readonly skippedByRetention: number;
  readonly created: number;
  readonly delivered: number;
  readonly dead: number;
  readonly waiting: number;
}

export interface DryRunAnswer {
  readonly connector: string;
  readonly mode: string;
  readonly since: string;
  readonly until: string;
  readonly retainedSince: string;
  readonly rate: string;
  readonly matched: number;
  readonly deliveries: number;
  readonly skippedByRetention: number;
  readonly sample: readonly string[];
  readonly estimatedSeconds: number;
}

export function formatReplayTable(replays: readonly ReplayAnswer[]): string {
  if (replays.length === 0) return 'no replays\n';
  const rows = replays.map((r) => [r.id, r.connector, r.declared ? `${r.mode} (file)` : r.mode, r.state, String(r.matched), String(r.created), String(r.delivered), String(r.dead), String(r.waiting), r.createdAt]);
  return `${textTable(['ID', 'CONNECTOR', 'MODE', 'STATE', 'MATCHED', 'CREATED', 'DELIVERED', 'DEAD', 'WAITING', 'STARTED'], rows).join('\n')}\n`;
}

export function formatReplay(r: ReplayAnswer): string {
  const lines = [
    `replay ${r.id}: ${r.state}${r.finishedAt === null ? '' : ` at ${r.finishedAt}`}`,
    `  connector   ${r.connector} (${r.mode}${r.declared ? ', from its file' : ''}) at ${r.rate}`,
    `  window      ${r.since} to ${r.until}${filters(r.eventTypes, r.where)}`,
    `  started     ${r.createdAt} by ${r.createdBy}`,
    `  events      ${r.matched} matched, ${r.skippedByRetention} skipped (accepted before ${r.retainedSince}, past --retain-events)`,
    `  deliveries  ${r.created} created: ${r.delivered} delivered, ${r.dead} dead, ${r.waiting} waiting`,
  ];
  return `${lines.join('\n')}\n`;
}

export function formatDryRun(d: DryRunAnswer): string {
  const more = d.matched > d.sample.length ? ', …' : '';
  const lines = [
    `dry run, nothing created: ${d.mode} of ${d.connector}, ${d.since} to ${d.until}`,
    `  would create  ${plural(d.deliveries, 'delivery').replace(/ys$/, 'ies')} for ${plural(d.matched, 'event')}`,
    `  skipped       ${plural(d.skippedByRetention, 'event')} accepted before ${d.retainedSince} (past --retain-events)`,
    `  takes         about ${d.estimatedSeconds} s at ${d.rate} (live traffic first)`,
    ...(d.sample.length === 0 ? [] : [`  first events  ${d.sample.join(', ')}${more}`]),
  ];
  return `${lines.join('\n')}\n`;
}

function filters(eventTypes: readonly string[] | null, where: string | null): string {
  return `${eventTypes === null ? '' : `, types ${eventTypes.join(', ')}`}${where === null ? '' : `, where ${where}`}`;
}
