/** Prints the deliveries of the demo's events as one small table, from GET /events/:id answers. */

export interface DeliveryRow {
  readonly event: string;
  readonly type: string;
  readonly connector: string;
  readonly route: string;
  readonly state: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
}

interface EventAnswer {
  readonly id: string;
  readonly type: string;
  readonly deliveries: readonly { connector: string; route: string; state: string; attempts: number; lastStatus: number | null }[];
}

export function rowsOf(answer: EventAnswer): DeliveryRow[] {
  return answer.deliveries.map((delivery) => ({
    event: answer.id,
    type: answer.type,
    connector: delivery.connector,
    route: delivery.route,
    state: delivery.state,
    attempts: delivery.attempts,
    lastStatus: delivery.lastStatus,
  }));
}

export function formatDeliveries(rows: readonly DeliveryRow[]): string {
  const header = ['event', 'type', 'connector', 'route', 'state', 'attempts', 'lastStatus'];
  const cells = rows.map((row) => [row.event, row.type, row.connector, row.route, row.state, String(row.attempts), row.lastStatus === null ? '-' : String(row.lastStatus)]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column]!.length)));
  const line = (cell: readonly string[]) => `  ${cell.map((text, column) => text.padEnd(widths[column]!)).join('  ')}`.trimEnd();
  return [line(header), `  ${widths.map((width) => '-'.repeat(width)).join('  ')}`, ...cells.map(line)].join('\n');
}
