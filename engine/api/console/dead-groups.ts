/**
 * Dead letters grouped by connector and error code: the code is the catalogue code a dead
 * delivery's lastError starts with (`TARGET_REJECTED: HTTP 400 …`), or `OTHER`. The groups are
 * read from the store, newest first, DEAD_SCAN_LIMIT deliveries at most (past that `capped`).
 * A group's ids are what its bulk retry acts on, so its dry run counts exactly what it would do.
 */
import type { Engine } from '../../engine.js';

/** Most dead deliveries read to group them. */
export const DEAD_SCAN_LIMIT = 10_000;
const PAGE_ROWS = 1_000;
/** A lastError without a catalogue code in front. */
export const NO_CODE = 'OTHER';

export interface DeadGroup {
  readonly connector: string;
  readonly code: string;
  /** Newest first. */
  readonly ids: readonly string[];
  /** The newest one's error. */
  readonly example: string | null;
}

export interface DeadGroups {
  readonly groups: readonly DeadGroup[];
  readonly capped: boolean;
}

/** The catalogue code a lastError starts with. */
export function errorCodeOf(lastError: string | null): string {
  return /^([A-Z][A-Z0-9_]+):/.exec(lastError ?? '')?.[1] ?? NO_CODE;
}

/** Every group of dead deliveries (of one connector, when given), largest first. */
export async function deadGroups(engine: Engine, connector?: string): Promise<DeadGroups> {
  const byKey = new Map<string, { connector: string; code: string; ids: string[]; example: string | null }>();
  let read = 0;
  let after: string | undefined;
  do {
    const filter = { states: ['dead' as const], ...(connector !== undefined && { connectors: [connector] }) };
    const page = await engine.findDeliveries({ filter, order: 'desc', limit: PAGE_ROWS, ...(after !== undefined && { after }) });
    for (const d of page.deliveries) {
      const code = errorCodeOf(d.lastError);
      const key = JSON.stringify([d.connector, code]);
      let group = byKey.get(key);
      if (group === undefined) byKey.set(key, (group = { connector: d.connector, code, ids: [], example: d.lastError }));
      group.ids.push(d.id);
    }
    read += page.deliveries.length;
    after = page.next ?? undefined;
  } while (after !== undefined && read < DEAD_SCAN_LIMIT);
  const groups = [...byKey.values()].sort((a, b) => b.ids.length - a.ids.length || a.connector.localeCompare(b.connector) || a.code.localeCompare(b.code));
  return { groups, capped: after !== undefined };
}
