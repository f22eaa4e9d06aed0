/**
 * Which routes an event takes: those whose `on` matches its type and whose `when` (if any) is
 * truthy. A `when` that fails to evaluate is a match with an `error`, so the failure is recorded
 * as a dead delivery instead of silently skipping the route.
 */
import type { CompiledConnector, CompiledRoute } from '../config/compiled.js';
import { isTruthy } from '../config/expression/expression.js';
import type { Registry } from '../config/registry.js';
import { describeFailure } from '../errors.js';
import type { SyncEvent } from '../model.js';

export interface RouteMatch {
  readonly connector: CompiledConnector;
  readonly route: CompiledRoute;
  /** Set when `when` failed: `MAPPING_FAILED: ...`. */
  readonly error?: string;
}

/** The routes `event` takes, of every connector, or only of the connector named `only`. */
export async function matchRoutes(registry: Pick<Registry, 'routesFor'>, event: SyncEvent, only?: string): Promise<RouteMatch[]> {
  const matches: RouteMatch[] = [];
  for (const { connector, route } of registry.routesFor(event.type)) {
    if (only !== undefined && connector.name !== only) continue;
    if (!route.when) {
      matches.push({ connector, route });
      continue;
    }
    try {
      if (isTruthy(await route.when.evaluate(event))) matches.push({ connector, route });
    } catch (error) {
      matches.push({ connector, route, error: describeFailure(error) });
    }
  }
  return matches;
}
