/**
 * The events `diff` renders: every connector test's event (from `tests:` and NAME.test.yaml, as
 * loadConnectorsWithTests reads them), every event in `samples/*.json` (one event object or an
 * array of them), and the events read from a running engine with --events-from. An event is known
 * by a key that is the same on both sides, so one taken from the base and one from the working
 * tree pair up.
 */
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parseJsonText } from '../../bus/json-text.js';
import { validateEvent } from '../../bus/validate-event.js';
import type { Problem } from '../../config/compiled.js';
import type { ConnectorTestCase } from '../../config/load/load-with-tests.js';
import { HmsError } from '../../errors.js';
import type { SyncEvent } from '../../model.js';
import { compareCodeUnits, type Snapshot } from './diff-sources.js';

export type EventSource =
  | { readonly kind: 'test'; readonly connector: string; readonly name: string }
  | { readonly kind: 'sample'; readonly file: string; readonly index?: number }
  /** `label` is the engine's id of the event, or `#1`, `#2`, ... when --redact hides ids. */
  | { readonly kind: 'engine'; readonly label: string };

export interface DiffEvent {
  /** Sorts tests (by connector, then name) before samples (by file, then position), and those before the engine's events (by id). */
  readonly key: string;
  readonly source: EventSource;
  readonly event: SyncEvent;
}

/** One event per test; a repeated test name within a connector gets ` (2)`, ` (3)`, ... */
export function testEvents(tests: ReadonlyMap<string, readonly ConnectorTestCase[]>): DiffEvent[] {
  const events: DiffEvent[] = [];
  for (const [connector, cases] of tests) {
    const seen = new Map<string, number>();
    for (const { test } of cases) {
      const count = (seen.get(test.name) ?? 0) + 1;
      seen.set(test.name, count);
      const name = count === 1 ? test.name : `${test.name} (${count})`;
      events.push({ key: `0\0${connector}\0${name}`, source: { kind: 'test', connector, name }, event: test.event as SyncEvent });
    }
  }
  return events;
}

/** The events of every `samples/*.json` in the snapshot; a file that is not JSON events is a problem. */
export async function sampleEvents(snapshot: Snapshot): Promise<{ events: DiffEvent[]; problems: Problem[] }> {
  const events: DiffEvent[] = [];
  const problems: Problem[] = [];
  for (const file of snapshot.files.filter(isSampleFile)) {
    const path = join(snapshot.root, file);
    const text = await readFile(path, 'utf8');
    let value: unknown;
    try {
      value = parseJsonText(text);
    } catch (error) {
      problems.push({ file: path, ...jsonErrorPosition(text, error as Error), code: 'INGEST_INVALID_JSON', message: `not valid JSON: ${(error as Error).message}` });
      continue;
    }
    const list = Array.isArray(value) ? value : [value];
    list.forEach((item: unknown, index) => {
      try {
        const event = validateEvent(item, index);
        const source: EventSource = Array.isArray(value) ? { kind: 'sample', file, index } : { kind: 'sample', file };
        events.push({ key: `1\0${file}\0${String(index).padStart(6, '0')}`, source, event });
      } catch (error) {
        if (!(error instanceof HmsError)) throw error;
        problems.push({ file: path, line: 0, column: 0, code: error.code, message: error.message });
      }
    });
  }
  return { events, problems };
}

/** The events read from an engine, in order of their ids (never of their arrival); with `showIds` false they are numbered instead. */
export function engineDiffEvents(events: readonly { readonly id: string; readonly body: SyncEvent }[], showIds: boolean): DiffEvent[] {
  return [...events]
    .sort((a, b) => compareCodeUnits(a.id, b.id))
    .map((event, index) => ({ key: `2\0${event.id}`, source: { kind: 'engine', label: showIds ? event.id : `#${index + 1}` }, event: event.body }));
}

/** Every event of either side, once: where both sides have one key, the working tree's wins, so a diff shows what the connector change does, not what the sample change does. */
export function mergeEvents(base: readonly DiffEvent[], head: readonly DiffEvent[]): DiffEvent[] {
  const byKey = new Map<string, DiffEvent>();
  for (const event of [...base, ...head]) byKey.set(event.key, event);
  return [...byKey.values()].sort((a, b) => compareCodeUnits(a.key, b.key));
}

function isSampleFile(file: string): boolean {
  return posix.basename(posix.dirname(file)) === 'samples' && file.endsWith('.json');
}

/** Line and column from V8's "at position N" (Node 20); 0:0 when the message has none. */
function jsonErrorPosition(text: string, error: Error): { line: number; column: number } {
  const offset = /at position (\d+)/.exec(error.message)?.[1];
  if (offset === undefined) return { line: 0, column: 0 };
  const before = text.slice(0, Number(offset));
  return { line: before.split('\n').length, column: Number(offset) - before.lastIndexOf('\n') };
}
