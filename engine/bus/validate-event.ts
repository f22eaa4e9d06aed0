/**
 * Checks that a value is an event: a JSON object with a non-empty string `type`, and an `id` that
 * is absent, a non-empty string or a finite number. Errors name the event's index in its batch.
 */
import { HmsError } from '../errors.js';
import type { SyncEvent } from '../model.js';

/** Longest accepted event id, in characters. */
export const MAX_EVENT_ID_LENGTH = 200;

export function validateEvent(value: unknown, index: number): SyncEvent {
  const where = `event at index ${index}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HmsError('INGEST_INVALID_EVENT', `${where} is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}; each event must be a JSON object`);
  }
  const { type, id } = value as Record<string, unknown>;
  if (typeof type !== 'string' || type.length === 0) {
    throw new HmsError('INGEST_INVALID_EVENT', `${where} has no string "type"; add one, e.g. {"type": "permitApproved", ...}`);
  }
  if (id !== undefined && id !== null) {
    const ok = (typeof id === 'string' && id.length > 0 && id.length <= MAX_EVENT_ID_LENGTH) || (typeof id === 'number' && Number.isFinite(id));
    if (!ok) {
      throw new HmsError('INGEST_INVALID_EVENT', `${where} has an invalid "id"; use a non-empty string (at most ${MAX_EVENT_ID_LENGTH} characters) or a number, or leave it out to have one assigned`);
    }
  }
  return value as SyncEvent;
}
