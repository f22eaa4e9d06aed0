/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) on the way in. An event may come with
 * a `traceparent`: its own `traceparent` field (any event, e.g. a line of NDJSON), else the one of
 * the request that carried it (the HTTP header). It is checked as the specification says, and one
 * that is not valid is ignored, as if absent: the event is accepted with no trace, and nothing is
 * refused for it. A valid one is kept in version 00 form for the attempts (dispatch/traceparent.ts).
 *
 * Valid: `version-traceid-parentid-flags` in lowercase hex, 2-32-16-2 digits; version not `ff`;
 * version 00 exactly that (55 characters), a later version at least that and, when longer,
 * followed by `-` (its further fields are dropped); trace id and parent id not all zeros.
 * `tracestate` is not kept.
 */
import type { SyncEvent } from '../model.js';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The version 00 form of a traceparent, or null when it is not a valid one. */
export function parseTraceparent(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = TRACEPARENT.exec(value.trim());
  if (match === null) return null;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return null;
  // Version 00 defines one flag, sampled; later versions' other bits mean nothing in 00.
  const sampled = (parseInt(flags, 16) & 1) === 1;
  return `00-${traceId}-${parentId}-${sampled ? '01' : '00'}`;
}

/** The trace an event continues: its own `traceparent` field when valid, else the request's. */
export function traceOf(event: SyncEvent, requestTraceparent: string | null): string | null {
  return parseTraceparent(event.traceparent) ?? requestTraceparent;
}
