/**
 * The connectors in force. `replace` swaps the whole set at once (a new generation); callers that
 * took a connector or route earlier keep using the object they took, so work in flight finishes
 * with the configuration it started with.
 */
import { HmsError } from '../errors.js';
import type { CompiledConnector, CompiledRoute } from './compiled.js';

export interface RouteMatch {
  readonly connector: CompiledConnector;
  readonly route: CompiledRoute;
}

export interface Registry {
  get(name: string): CompiledConnector | undefined;
  /** In the order given to createRegistry/replace (load order: sorted file paths). */
  all(): readonly CompiledConnector[];
  names(): ReadonlySet<string>;
  /** Swaps in a new set. Throws INTERNAL when two connectors share a name (the loader prevents it). */
  replace(connectors: readonly CompiledConnector[]): void;
  /**
   * Every route whose `on` matches `type`, connectors in registry order and routes in file order.
   * Does not evaluate `when`. Cached per generation.
   */
  routesFor(type: string): readonly RouteMatch[];
}

/**
 * Most event types whose matches are cached per generation. Types come from ingested events, so
 * the cache is bounded; past the bound it starts over (a miss costs one pass over the routes).
 */
const ROUTES_CACHE_MAX_TYPES = 10_000;

interface Generation {
  readonly connectors: readonly CompiledConnector[];
  readonly byName: ReadonlyMap<string, CompiledConnector>;
  readonly names: ReadonlySet<string>;
  readonly routesByType: Map<string, readonly RouteMatch[]>;
}

export function createRegistry(initial: readonly CompiledConnector[]): Registry {
  let generation = makeGeneration(initial);
  return {
    get: (name) => generation.byName.get(name),
    all: () => generation.connectors,
    names: () => generation.names,
    replace(connectors) {
      generation = makeGeneration(connectors);
    },
    routesFor(type) {
      const current = generation;
      const cached = current.routesByType.get(type);
      if (cached !== undefined) return cached;
      const matches: RouteMatch[] = [];
      for (const connector of current.connectors) {
        for (const route of connector.routes) {
          if (route.matchesType(type)) matches.push(Object.freeze({ connector, route }));
        }
      }
      const frozen = Object.freeze(matches);
      if (current.routesByType.size >= ROUTES_CACHE_MAX_TYPES) current.routesByType.clear();
      current.routesByType.set(type, frozen);
      return frozen;
    },
  };
}

function makeGeneration(connectors: readonly CompiledConnector[]): Generation {
  const byName = new Map<string, CompiledConnector>();
  for (const connector of connectors) {
    if (byName.has(connector.name)) throw new HmsError('INTERNAL', `two connectors are named "${connector.name}"`);
    byName.set(connector.name, connector);
  }
  return { connectors: Object.freeze([...connectors]), byName, names: new Set(byName.keys()), routesByType: new Map() };
}
