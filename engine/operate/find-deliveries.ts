/**
 * Finding deliveries for operators (GET /deliveries, the bulk actions): the store's filter, and
 * `q`, a JSONata predicate over each delivery's event body, run under the guardrails of mappings
 * (config/expression/expression.ts: 250 ms and 200 nested calls per evaluation, regular
 * expressions in linear time).
 *
 * A page with `q` evaluates at most Q_SCAN_LIMIT events and runs for at most Q_TIME_BUDGET_MS,
 * then ends early with a `next` to go on from; `scanned` says how many it evaluated. It gives the
 * engine's event loop back between chunks and every few milliseconds, so ingest and delivery go
 * on while it runs. An evaluation that fails (a type error on an event of another shape) is no
 * match; one that a guardrail stops ends the request with QUERY_INVALID.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { CompiledExpression } from '../config/compiled.js';
import { compileExpression, ExpressionGuardrailError, ExpressionSyntaxError, isTruthy } from '../config/expression/expression.js';
import { HmsError } from '../errors.js';
import type { DeliveryFilter, DeliveryListItem, FindOptions, Store } from '../store/store.js';

/** Most events one page with `q` evaluates. */
export const Q_SCAN_LIMIT = 10_000;
/** Longest one page with `q` runs, by the engine's clock. */
export const Q_TIME_BUDGET_MS = 1_000;
/** Deliveries read from the store per chunk of a `q` scan. */
const Q_CHUNK_ROWS = 200;
/** Deliveries read per chunk when going through every match (bulk actions, dry runs). */
const BULK_CHUNK_ROWS = 1_000;
/** How long a scan runs before it lets the event loop serve others. */
const YIELD_AFTER_MS = 10;

/** What an operator asks for: the store's filter, `q`, the order and a page. */
export interface DeliveryQuery extends Omit<FindOptions, 'withBody'> {
  /** A JSONata predicate over the event body, e.g. `permitId = 123`. */
  readonly q?: string;
}

export interface FoundDeliveries {
  readonly deliveries: readonly DeliveryListItem[];
  readonly next: string | null;
  /** With `q`: how many events it evaluated. */
  readonly scanned?: number;
}

/** Compiles `q`; a bad one is QUERY_INVALID naming its column. */
export function compileQuery(q: string): CompiledExpression {
  try {
    return compileExpression(q, 'q');
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    throw new HmsError('QUERY_INVALID', `"q" is not a valid JSONata predicate at column ${error.offset + 1}: ${error.detail}`);
  }
}

/** Lets the event loop serve others when the scan has held it for YIELD_AFTER_MS. */
function yielder(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < YIELD_AFTER_MS) return;
    await nextTurn();
    since = performance.now();
  };
}

/** Whether the event body satisfies `q`. A guardrail ends the scan: QUERY_INVALID. */
async function matches(q: CompiledExpression, delivery: DeliveryListItem): Promise<boolean> {
  try {
    return isTruthy(await q.evaluate(JSON.parse(delivery.eventBody ?? 'null')));
  } catch (error) {
    if (error instanceof ExpressionGuardrailError) {
      throw new HmsError('QUERY_INVALID', `"q" stopped on the event of delivery ${delivery.id}: ${error.message.replace(/^q: /, '')}; simplify it (it runs under the guardrails of mappings)`);
    }
    return false;
  }
}

/** One page of deliveries matching `query` (see the module's comment for `q`). */
export async function findDeliveries(store: Store, query: DeliveryQuery, clock: Clock): Promise<FoundDeliveries> {
  const { q, ...options } = query;
  if (q === undefined) return store.findDeliveries(options);
  const predicate = compileQuery(q);
  const started = clock.now();
  const breathe = yielder();
  const found: DeliveryListItem[] = [];
  let scanned = 0;
  let after = options.after;
  for (;;) {
    const chunk = await store.findDeliveries({ ...options, after, limit: Q_CHUNK_ROWS, withBody: true });
    for (const delivery of chunk.deliveries) {
      scanned += 1;
      after = delivery.cursor;
      if (await matches(predicate, delivery)) found.push(withoutBody(delivery));
      const full = found.length === options.limit;
      if (full || scanned >= Q_SCAN_LIMIT || clock.now() - started >= Q_TIME_BUDGET_MS) return { deliveries: found, next: after, scanned };
      await breathe();
    }
    if (chunk.next === null) return { deliveries: found, next: null, scanned };
    after = chunk.next;
    if (clock.now() - started >= Q_TIME_BUDGET_MS) return { deliveries: found, next: after, scanned };
    await nextTurn();
  }
}

/**
 * Every delivery matching `filter` and `q`, oldest first, a chunk at a time, with no limit: for
 * the bulk actions and their dry runs. Each chunk is one bounded store read; the event loop
 * serves others between chunks. A delivery that changes while it runs is read as it is then.
 */
export async function* everyMatch(store: Store, filter: DeliveryFilter, q: string | undefined): AsyncGenerator<readonly DeliveryListItem[]> {
  const predicate = q === undefined ? undefined : compileQuery(q);
  const breathe = yielder();
  let after: string | undefined;
  for (;;) {
    const chunk = await store.findDeliveries({ filter, order: 'asc', limit: BULK_CHUNK_ROWS, withBody: predicate !== undefined, ...(after !== undefined && { after }) });
    let chosen = chunk.deliveries;
    if (predicate !== undefined) {
      const kept: DeliveryListItem[] = [];
      for (const delivery of chunk.deliveries) {
        if (await matches(predicate, delivery)) kept.push(withoutBody(delivery));
        await breathe();
      }
      chosen = kept;
    }
    if (chosen.length > 0) yield chosen;
    if (chunk.next === null) return;
    after = chunk.next;
    await nextTurn();
  }
}

function withoutBody(delivery: DeliveryListItem): DeliveryListItem {
  if (delivery.eventBody === undefined) return delivery;
  const { eventBody: _body, ...rest } = delivery;
  return rest;
}
