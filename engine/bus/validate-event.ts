/**
 * Checks that a value is an event: a JSON object with a non-empty string `type`, an `id` that is
 * absent, a non-empty string or a finite number, and at most MAX_EVENT_DEPTH levels of nesting.
 * Errors name the event's index in its batch.
 */
import { HmsError } from '../errors.js';
import type { SyncEvent } from '../model.js';

/** Longest accepted event id, in characters. */
export const MAX_EVENT_ID_LENGTH = 200;

/**
 * Deepest accepted nesting of objects and arrays, the event itself being level 1. Storing and
 * mapping an event walk it recursively, and JSON.parse accepts far deeper input than
 * JSON.stringify can write back (a few thousand levels overflow the stack).
 */
export const MAX_EVENT_DEPTH = 100;

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
  if (nestedDeeperThan(value, MAX_EVENT_DEPTH)) {
    throw new HmsError('INGEST_INVALID_EVENT', `${where} is nested more than ${MAX_EVENT_DEPTH} levels deep (objects and arrays inside one another); flatten it`);
  }
  return value as SyncEvent;
}

/** Walks without recursion, so no input can overflow the stack; a value that contains itself is
 * infinitely deep. */
function nestedDeeperThan(root: object, maxDepth: number): boolean {
  const pending: { value: object; depth: number }[] = [{ value: root, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const children: unknown[] = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children) {
      if (typeof child !== 'object' || child === null) continue;
      if (next.depth === maxDepth) return true;
      pending.push({ value: child, depth: next.depth + 1 });
    }
  }
  return false;
}
