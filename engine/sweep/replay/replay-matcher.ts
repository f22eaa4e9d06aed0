/**
 * Which stored events a replay takes, and the deliveries each gets: the event's type must match
 * `eventTypes` (globs, as a route's `on`), `where` must be truthy for it, and the connector's
 * routes must take it now (today's configuration: `on`, `when`, orderingKey). A matching event
 * accepted before `retainedSince` is skipped: older events may already be deleted (an event is
 * kept only --retain-events), so those still stored are counted, never replayed, rather than a
 * window with holes passed off as whole.
 *
 * A `where` that fails for an event (a guardrail, a type error) does not take it.
 */
import type { CompiledExpression } from '../../config/compiled.js';
import { compileExpression, isTruthy } from '../../config/expression/expression.js';
import { compileTypeMatcher } from '../../config/expression/type-pattern.js';
import type { SyncEvent } from '../../model.js';
import type { ReplaySpec, ScannedEvent } from '../../store/store.js';

/** One route of the connector that an event takes now (bus/connector-routes.ts gives them). */
export interface PlannedRoute {
  readonly route: string;
  readonly orderingKey: string | null;
  /** Its `when` or ordering key failed: the delivery is created dead with this error. */
  readonly error?: string;
}

/** The routes of `connector` that `event` takes now; handed in by the wiring (engine.ts). */
export type PlanRoutes = (event: SyncEvent, connector: string) => Promise<readonly PlannedRoute[]>;

export type Verdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'skipped' }
  | { readonly kind: 'matched'; readonly event: SyncEvent; readonly routes: readonly [PlannedRoute, ...PlannedRoute[]] };

export type ReplayMatcher = (stored: ScannedEvent) => Promise<Verdict>;

/** `where` compiled; throws ExpressionSyntaxError when it is not valid JSONata. */
export function compileWhere(source: string): CompiledExpression {
  return compileExpression(source, 'where');
}

export function createReplayMatcher(spec: ReplaySpec, planRoutes: PlanRoutes): ReplayMatcher {
  const typeMatches = spec.eventTypes === null ? () => true : compileTypeMatcher(spec.eventTypes);
  const where = spec.where === null ? undefined : compileWhere(spec.where);
  return async (stored) => {
    if (!typeMatches(stored.type)) return NONE;
    const event = JSON.parse(stored.body) as SyncEvent;
    if (where !== undefined && !(await holds(where, event))) return NONE;
    const [first, ...rest] = await planRoutes(event, spec.connector);
    if (first === undefined) return NONE;
    return stored.receivedAt < spec.retainedSince ? SKIPPED : { kind: 'matched', event, routes: [first, ...rest] };
  };
}

const NONE: Verdict = { kind: 'none' };
const SKIPPED: Verdict = { kind: 'skipped' };

async function holds(where: CompiledExpression, event: SyncEvent): Promise<boolean> {
  try {
    return isTruthy(await where.evaluate(event));
  } catch {
    return false;
  }
}
