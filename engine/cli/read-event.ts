/**
 * The event for `preview --event FILE|-`: one JSON object with a string `type`, read from a file
 * or from standard input (`-`). Anything else is a USAGE error saying what to fix.
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { parseJsonText } from '../bus/json-text.js';
import { validateEvent } from '../bus/validate-event.js';
import { HmsError } from '../errors.js';
import type { SyncEvent } from '../model.js';

/** The `--event` value that means standard input. */
export const STDIN_PATH = '-';

export async function readEvent(source: string, stdin: NodeJS.ReadableStream): Promise<SyncEvent> {
  const where = source === STDIN_PATH ? 'standard input' : `"${source}"`;
  let content: string;
  try {
    content = source === STDIN_PATH ? await text(stdin) : await readFile(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new HmsError('USAGE', `--event: cannot read ${where} (${code}); pass a JSON file or - for standard input`);
  }
  return parseEvent(content, where);
}

/** `where` names the source in messages (`"event.json"`, `standard input`). */
export function parseEvent(content: string, where: string): SyncEvent {
  let value: unknown;
  try {
    value = parseJsonText(content);
  } catch (error) {
    throw new HmsError('USAGE', `--event: ${where} is not valid JSON (${(error as Error).message}); give one event object, e.g. {"type": "permitApproved", "id": 123}`);
  }
  try {
    return validateEvent(value, 0);
  } catch (error) {
    const message = error instanceof HmsError ? error.message.replace(/^event at index 0/, 'the event') : String(error);
    throw new HmsError('USAGE', `--event: ${where}: ${message}`);
  }
}
