/**
 * Parses the body of POST /events: one event (a JSON object), a JSON array of events, or NDJSON
 * (one event per line, blank lines ignored). Errors name the index of the offending event (and the
 * line, for NDJSON) so a client can fix its batch; the batch is all or nothing. A leading byte
 * order mark is ignored (see json-text.ts).
 */
import { parseJsonText } from '../bus/json-text.js';
import { validateEvent } from '../bus/validate-event.js';
import { HmsError } from '../errors.js';
import type { SyncEvent } from '../model.js';

export function parseJsonEvents(text: string): SyncEvent[] {
  let value: unknown;
  try {
    value = parseJsonText(text);
  } catch (error) {
    throw new HmsError('INGEST_INVALID_JSON', `body is not valid JSON: ${(error as Error).message}`);
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) throw new HmsError('INGEST_EMPTY', 'the array holds no events; send at least one');
  return items.map(validateEvent);
}

export function parseNdjsonEvents(text: string): SyncEvent[] {
  const events: SyncEvent[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, lineIndex) => {
    const line = raw.trim();
    if (line.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new HmsError('INGEST_INVALID_JSON', `event at index ${events.length} (line ${lineIndex + 1}) is not valid JSON: ${(error as Error).message}`);
    }
    events.push(validateEvent(value, events.length));
  });
  if (events.length === 0) throw new HmsError('INGEST_EMPTY', 'the body holds no events; send one JSON object per line');
  return events;
}
