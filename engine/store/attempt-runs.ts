/**
 * Attempt records cut into runs in which no delivery appears twice, so that each run can be one
 * multi-row UPDATE of the deliveries (a statement may change a row once), in call order. A run
 * also ends at `maxRows` (SQLite's bound on a statement's parameters).
 */
import type { AttemptRecord } from './store.js';

export function* attemptRuns(records: readonly AttemptRecord[], maxRows = Number.POSITIVE_INFINITY): Generator<AttemptRecord[]> {
  let run: AttemptRecord[] = [];
  const ids = new Set<string>();
  for (const record of records) {
    if (run.length === maxRows || ids.has(record.deliveryId)) {
      yield run;
      run = [];
      ids.clear();
    }
    run.push(record);
    ids.add(record.deliveryId);
  }
  if (run.length > 0) yield run;
}
