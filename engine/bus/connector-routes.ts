/**
 * The routes of one connector that a stored event takes now, as ingest would create its
 * deliveries today: `on`, then `when`, then the connector's orderingKey. A replay creates one
 * delivery per route given; a route whose `when` or ordering key failed comes with its error, and
 * its delivery is created dead, as at ingest. The sweep's replays get this function from the
 * wiring (engine.ts), since the sweep may not import the bus.
 */
import type { Registry } from '../config/registry.js';
import type { SyncEvent } from '../model.js';
import { orderingKeyOf } from './ingest.js';
import { matchRoutes } from './match-routes.js';

export interface ConnectorRoute {
  /** The route's key: its name, or its index. */
  readonly route: string;
  readonly orderingKey: string | null;
  /** Set when its `when` or the ordering key failed: `MAPPING_FAILED: ...`. */
  readonly error?: string;
}

export async function connectorRoutesFor(registry: Pick<Registry, 'routesFor'>, event: SyncEvent, connectorName: string): Promise<ConnectorRoute[]> {
  const routes: ConnectorRoute[] = [];
  for (const { connector, route, error } of await matchRoutes(registry, event, connectorName)) {
    const key = error === undefined && connector.orderingKey !== undefined ? await orderingKeyOf(connector.orderingKey, event) : { key: null };
    const failure = error ?? key.error;
    routes.push({ route: route.key, orderingKey: failure === undefined ? key.key : null, ...(failure !== undefined && { error: failure }) });
  }
  return routes;
}
