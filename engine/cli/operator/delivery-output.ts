/**
 * How `hms-sync deliveries` prints for people: a list as a table (then how to get the next page),
 * one delivery as its attempts with their requests and answers, an action as a sentence. The
 * shapes are the API's answers (api/delivery-response.ts); --json prints those as they are.
 */
import { plural } from '../problem-report.js';

interface ListedDelivery {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly connector: string;
  readonly route: string;
  readonly state: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly acceptedAt: string;
  readonly nextAttemptAt: string | null;
}

export interface ListAnswer {
  readonly deliveries: readonly ListedDelivery[];
  readonly next: string | null;
  readonly scanned?: number;
}

interface PageRequest {
  readonly rendered: 'sent' | 'now';
  readonly method?: string;
  readonly url?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | null;
  readonly bodyBytes?: number;
  readonly error?: string;
  readonly note?: string;
  readonly revision?: string;
}

export interface DeliveryPageAnswer extends ListedDelivery {
  readonly updatedAt: string;
  readonly traceparent: string | null;
  readonly history: readonly {
    readonly attempt: number;
    readonly startedAt: string;
    readonly durationMs: number;
    readonly revision: string | null;
    readonly status: number | null;
    readonly error: string | null;
    readonly responseBody: string | null;
    readonly traceparent: string | null;
    readonly request: PageRequest | null;
  }[];
}

export interface ActedAnswer {
  readonly matched?: number;
  readonly retried?: number;
  readonly discarded?: number;
  readonly dryRun?: boolean;
  readonly sample?: readonly string[];
}

/** The last outcome in a few characters: the status, or the code of the error. */
function lastOutcome(delivery: ListedDelivery): string {
  if (delivery.lastStatus !== null) return String(delivery.lastStatus);
  return delivery.lastError?.match(/^[A-Z_]+/)?.[0] ?? '-';
}

export function formatDeliveryTable(answer: ListAnswer): string {
  const rows = answer.deliveries.map((d) => [d.id, d.eventId, d.eventType, `${d.connector}/${d.route}`, d.state, String(d.attempts), lastOutcome(d), d.acceptedAt]);
  const lines = rows.length === 0 ? ['no deliveries match'] : table(['ID', 'EVENT', 'TYPE', 'CONNECTOR/ROUTE', 'STATE', 'TRIES', 'LAST', 'ACCEPTED'], rows);
  if (answer.scanned !== undefined) lines.push(`q evaluated ${plural(answer.scanned, 'event')}`);
  if (answer.next !== null) lines.push(`more may match: add --after ${answer.next}`);
  return `${lines.join('\n')}\n`;
}

export function formatDeliveryPage(d: DeliveryPageAnswer): string {
  const lines = [
    `delivery ${d.id}: ${d.state}${d.nextAttemptAt === null ? '' : `, next attempt ${d.nextAttemptAt}`}`,
    `  event      ${d.eventId} (${d.eventType}), accepted ${d.acceptedAt}`,
    `  to         ${d.connector} / ${d.route}`,
    `  attempts   ${d.attempts}${d.lastError === null ? '' : `, last error ${d.lastError}`}`,
    ...(d.traceparent === null ? [] : [`  trace      ${d.traceparent}`]),
  ];
  for (const a of d.history) {
    lines.push('', `attempt ${a.attempt}  ${a.startedAt}  ${a.durationMs} ms  ${a.status ?? 'no answer'}  revision ${a.revision ?? 'unknown'}`);
    if (a.error !== null) lines.push(`  error: ${a.error}`);
    if (a.traceparent !== null) lines.push(`  traceparent: ${a.traceparent}`);
    if (a.request !== null) lines.push(...requestLines(a.request));
    if (a.responseBody !== null) lines.push('  answered:', ...indent(a.responseBody));
  }
  return `${lines.join('\n')}\n`;
}

function requestLines(request: PageRequest): string[] {
  const how = request.rendered === 'sent' ? 'request as sent:' : `request rendered now (revision ${request.revision ?? 'unknown'}), not stored for this attempt:`;
  const lines = [`  ${how}`];
  if (request.note !== undefined) lines.push(`  note: ${request.note}`);
  if (request.error !== undefined) return [...lines, `    ${request.error}`];
  lines.push(`    ${request.method} ${request.url}`, ...Object.entries(request.headers ?? {}).map(([name, value]) => `    ${name}: ${value}`));
  if (request.body !== null && request.body !== undefined) {
    lines.push('', ...indent(request.body, '    '));
    if (request.bodyBytes !== undefined && Buffer.byteLength(request.body) < request.bodyBytes) lines.push(`    (cut: ${request.bodyBytes} bytes were sent)`);
  }
  return lines;
}

export function formatActed(action: 'retry' | 'discard', answer: ActedAnswer): string {
  if (answer.dryRun === true) {
    const sample = answer.sample ?? [];
    const listed = sample.length === 0 ? '' : `; oldest first:\n${sample.map((id) => `  ${id}`).join('\n')}${(answer.matched ?? 0) > sample.length ? '\n  …' : ''}`;
    return `would ${action} ${deliveries(answer.matched ?? 0)} (dry run: nothing changed)${listed}\n`;
  }
  const verb = action === 'retry' ? 'retried' : 'discarded';
  return `${verb} ${deliveries(answer[verb] ?? answer.matched ?? 0)}\n`;
}

function deliveries(n: number): string {
  return `${n} ${n === 1 ? 'delivery' : 'deliveries'}`;
}

function table(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

function indent(text: string, by = '    '): string[] {
  return text.split('\n').map((line) => `${by}${line}`);
}
