/**
 * A message → the event it stands for, or why it cannot be one (a poison message, which the
 * runner rejects once). The `event:` expressions see `{ body, ...context }`; `type` and `id` fall
 * back to the message's own (an outbox row's type column, a stable position id) as the schema
 * describes. Never throws.
 */
import { HmsError } from '../../errors.js';
import type { CompiledEventMapping } from '../../config/sources/compiled-source.js';
import type { SyncEvent } from '../../model.js';
import { invalidUtf8At } from '../../utf8.js';
import { parseJsonText } from '../json-text.js';
import { validateEvent } from '../validate-event.js';
import type { SourceMessage } from './source-adapter.js';

/** Why a message was rejected: the `reason` label of hms_sync_events_rejected_total. */
export const REJECT_REASONS = ['too-large', 'not-utf8', 'not-json', 'not-an-object', 'no-type', 'invalid-event', 'expression-failed'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type Conversion =
  | { readonly ok: true; readonly event: SyncEvent }
  | { readonly ok: false; readonly reason: RejectReason; readonly message: string };

export interface ConversionRules {
  readonly event: CompiledEventMapping;
  readonly maxBodyBytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function messageToEvent(message: SourceMessage, rules: ConversionRules): Promise<Conversion> {
  const size = typeof message.body === 'string' ? Buffer.byteLength(message.body) : message.body.byteLength;
  if (size > rules.maxBodyBytes) return poison('too-large', `the body is ${size} bytes, over maxBody (${rules.maxBodyBytes} bytes)`);
  let text: string;
  if (typeof message.body === 'string') text = message.body;
  else {
    try {
      text = utf8.decode(message.body);
    } catch {
      const at = invalidUtf8At(message.body);
      return poison('not-utf8', `the body is not valid UTF-8${at ? ` (line ${at.line}, column ${at.column})` : ''}; publish JSON as UTF-8`);
    }
  }
  let body: unknown;
  try {
    body = parseJsonText(text);
  } catch (error) {
    // V8's message quotes the start of the body; keep only where it broke.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    return poison('not-json', `the body is not valid JSON${position === undefined ? '' : ` (at position ${position})`}`);
  }

  const input = { ...message.context, body };
  try {
    const mapped = rules.event.body.source === 'body' ? body : await rules.event.body.evaluate(input);
    if (typeof mapped !== 'object' || mapped === null || Array.isArray(mapped)) {
      return poison('not-an-object', `${rules.event.body.source === 'body' ? 'the body' : 'event.body'} is ${describe(mapped)}; an event must be a JSON object`);
    }
    const type = rules.event.type ? await rules.event.type.evaluate(input) : message.type ?? fieldOf(body, 'type');
    if (typeof type !== 'string' || type === '') {
      const from = rules.event.type ? 'event.type' : message.type !== undefined ? 'the type column' : 'body.type';
      return poison('no-type', `${from} gives ${describe(type)}, not an event type; publish events with a "type", or set event.type in the source file`);
    }
    const id = rules.event.id ? await rules.event.id.evaluate(input) : fieldOf(body, 'id') ?? message.id;
    const fields = rules.event.body.source === 'body' ? mapped : JSON.parse(JSON.stringify(mapped)) as object;
    const event = { ...fields, type, ...(id !== undefined && id !== null && { id }) };
    return { ok: true, event: validateEvent(event, 0) };
  } catch (error) {
    if (error instanceof HmsError && error.code === 'INGEST_INVALID_EVENT') return poison('invalid-event', error.message.replace(/^event at index 0 /, 'the event '));
    return poison('expression-failed', error instanceof Error ? error.message : String(error));
  }
}

function poison(reason: RejectReason, message: string): Conversion {
  return { ok: false, reason, message };
}

function fieldOf(body: unknown, field: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[field] : undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
