/**
 * `diff --redact PATH`: values of the engine's events that are replaced by [REDACTED] before
 * anything is rendered or printed, because event bodies may be personal data and a report may be
 * posted where anyone can read it. A PATH is a JSONata path as mappings write them whose last
 * step is a field name or `*`: `applicant.email`, `` applicant.`home address` ``, `items.ssn`,
 * `owners[role = "tenant"].name`, `**.phone`, `applicant.*`. Every field it names is replaced
 * wherever it exists (in every item of an array); no field is added where there was none.
 */
import jsonata from 'jsonata';
import type { CompiledExpression } from '../../config/compiled.js';
import { compileExpression } from '../../config/expression/expression.js';
import { REDACTED } from '../../dispatch/redact.js';
import { HmsError } from '../../errors.js';
import type { SyncEvent } from '../../model.js';

export interface Redaction {
  /** The PATH as given. */
  readonly path: string;
  /** What holds the field; undefined for the event itself. */
  readonly parent?: CompiledExpression;
  /** A field name, or `*` for every field of the parent. */
  readonly field: string;
}

export interface RedactedEvents<T extends { readonly body: SyncEvent }> {
  /** Copies of the events, in the same order; the originals are left as they were. */
  readonly events: readonly T[];
  /** Values replaced, per redaction, in order. */
  readonly counts: readonly number[];
  /** Whether some event's own `id` was replaced (then ids are not printed either). */
  readonly idRedacted: boolean;
}

/** Checks each PATH; a USAGE error names the first that is not a JSONata path ending in a field. */
export function compileRedactions(paths: readonly string[]): Redaction[] {
  return paths.map((path) => {
    const where = `--redact ${JSON.stringify(path)}`;
    let ast: Record<string, unknown> & { type?: string; steps?: Array<Record<string, unknown>> };
    try {
      compileExpression(path, where);
      ast = jsonata(path).ast() as typeof ast;
    } catch (error) {
      throw new HmsError('USAGE', `${(error as Error).message}; write a JSONata path such as applicant.email`);
    }
    // A lone `*` is not wrapped in a path.
    const last = ast.type === 'path' ? ast.steps?.at(-1) : ast;
    const plain = last !== undefined && Object.keys(last).every((key) => key === 'type' || key === 'value' || key === 'position');
    if (!plain || (last.type !== 'name' && last.type !== 'wildcard') || typeof last.value !== 'string' || typeof last.position !== 'number' || path.slice(last.position).trim() !== '') {
      throw new HmsError('USAGE', `${where}: the path must end in a field name or *, with no filter or function after it (e.g. applicant.email, items.ssn, applicant.*)`);
    }
    // jsonata's position is just past the step's token; a quoted name is `name` in backticks.
    const start = path[last.position - 1] === '`' ? path.lastIndexOf('`', last.position - 2) : last.position - last.value.length;
    const parentSource = path.slice(0, start).trim().replace(/\.$/, '').trim();
    if (parentSource === '' && (last.value === 'type' || last.value === '*')) {
      throw new HmsError('USAGE', `${where}: an event's "type" decides its routes and cannot be redacted; name the fields that hold personal data`);
    }
    return { path, field: last.value, ...(parentSource !== '' && { parent: compileExpression(parentSource, where) }) };
  });
}

/** Replaces every value the redactions name, in copies of the events' bodies. */
export async function redactEvents<T extends { readonly body: SyncEvent }>(events: readonly T[], redactions: readonly Redaction[]): Promise<RedactedEvents<T>> {
  const counts = redactions.map(() => 0);
  let idRedacted = false;
  const redacted: T[] = [];
  for (const event of events) {
    const body = structuredClone(event.body) as Record<string, unknown>;
    for (const [index, redaction] of redactions.entries()) {
      counts[index]! += replaceIn(await holdersOf(redaction, body), redaction.field);
    }
    if (body.id !== event.body.id) idRedacted = true;
    redacted.push({ ...event, body: body as SyncEvent });
  }
  return { events: redacted, counts, idRedacted };
}

async function holdersOf(redaction: Redaction, body: Record<string, unknown>): Promise<unknown> {
  if (redaction.parent === undefined) return body;
  try {
    return await redaction.parent.evaluate(body);
  } catch {
    // jsonata's message may quote the event's values, which are what --redact keeps from the output.
    throw new HmsError('USAGE', `--redact ${JSON.stringify(redaction.path)}: the path failed on one of the events; write a path of field names, filters that compare fields, or * and **`);
  }
}

/** Replaces `field` (or every field, for `*`) of each object in `holders`, an object or a list as jsonata gives them; how many values it replaced. */
function replaceIn(holders: unknown, field: string): number {
  if (Array.isArray(holders)) return holders.reduce((sum: number, holder) => sum + replaceIn(holder, field), 0);
  if (typeof holders !== 'object' || holders === null) return 0;
  const holder = holders as Record<string, unknown>;
  const names = field === '*' ? Object.keys(holder) : Object.hasOwn(holder, field) ? [field] : [];
  for (const name of names) holder[name] = REDACTED;
  return names.length;
}
