/**
 * What operators do to deliveries by hand: retry and discard, one by id or every one matching a
 * filter (and `q`), with a dry run that changes nothing. What each does to each state is the
 * store's DeliveryAction (store/delivery-queries.ts):
 * - retry: dead and discarded deliveries go again with a fresh retry schedule; retrying ones are
 *   due now, parked ones (of a configured connector) resume, both keeping their attempts and
 *   schedule. A retry needs the delivery's connector configured: the sweep only claims work of
 *   configured connectors, so anything else would wait unseen. The sweep is kicked, so it goes at once.
 * - discard: dead, retrying and parked deliveries become `discarded`: kept for the audit trail,
 *   counted apart, never sent again (nor re-driven) unless retried by hand.
 * A bulk action without `state` takes the dead deliveries (as POST /deliveries/retry always did).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry.js';
import { HmsError } from '../errors.js';
import type { DeliveryState } from '../model.js';
import { ACTION_STATES } from '../store/delivery-queries.js';
import type { DeliveryAction, DeliveryFilter, Store } from '../store/store.js';
import { everyMatch } from './find-deliveries.js';

/** Ids a dry run lists. */
export const DRY_RUN_SAMPLE_SIZE = 20;

/** Which deliveries a bulk action takes. */
export interface BulkSelection {
  readonly filter: DeliveryFilter;
  readonly q?: string;
}

export interface BulkResult {
  /** How many it changed; with a dry run, how many it would change. */
  readonly matched: number;
  /** With a dry run: the first DRY_RUN_SAMPLE_SIZE ids, oldest first. */
  readonly sample?: readonly string[];
}

export interface DeliveryActions {
  /** Rejects NOT_FOUND for an unknown id; DELIVERY_NOT_RETRYABLE (or _DISCARDABLE) for a
   * delivery in a state the action does not take (only `states`, when given), or whose connector
   * a retry needs and is not configured. Resolves with 1. */
  one(action: DeliveryAction, id: string, states?: readonly DeliveryState[]): Promise<number>;
  /** Rejects QUERY_INVALID for a state the action does not take, DELIVERY_NOT_RETRYABLE when a
   * retry names a connector that is not configured. */
  bulk(action: DeliveryAction, selection: BulkSelection, dryRun: boolean): Promise<BulkResult>;
}

export interface DeliveryActionsOptions {
  readonly store: Store;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Asks the sweep for a run now. */
  readonly kick: () => void;
}

const REFUSED = { retry: 'DELIVERY_NOT_RETRYABLE', discard: 'DELIVERY_NOT_DISCARDABLE' } as const;
const VERB = { retry: 'retried', discard: 'discarded' } as const;

export function createDeliveryActions(options: DeliveryActionsOptions): DeliveryActions {
  const { store, registry, clock, logger } = options;

  /** The connectors an action may touch: configured ones for a retry, any for a discard. */
  const connectorsFor = (action: DeliveryAction) => (action === 'retry' ? registry.names() : null);

  function refuseUnconfigured(connector: string): void {
    if (registry.get(connector) === undefined) {
      throw new HmsError('DELIVERY_NOT_RETRYABLE', `connector "${connector}" is not configured; add its file back to connectors.d, then retry`);
    }
  }

  function done(action: DeliveryAction, changed: number, fields: Record<string, unknown>): number {
    if (changed > 0) {
      // Debug: the API logs each request that acts, with who sent it (api/write-log.ts).
      logger.debug({ ...fields, [VERB[action]]: changed }, `deliveries ${VERB[action]}`);
      if (action === 'retry') options.kick();
    }
    return changed;
  }

  return {
    async one(action, id, states = ACTION_STATES[action]) {
      const found = await store.deliveryState(id);
      if (found === undefined) throw new HmsError('NOT_FOUND', `no delivery with id "${id}"`);
      if (!states.includes(found.state)) {
        const why = found.state === 'pending' || found.state === 'inflight' ? ' (it is on its way already)' : '';
        throw new HmsError(REFUSED[action], `delivery "${id}" is ${found.state}${why}; only ${listed(states)} deliveries can be ${VERB[action]}`);
      }
      if (action === 'retry') refuseUnconfigured(found.connector);
      const changed = await store.act(action, [id], connectorsFor(action), clock.now());
      if (changed === 0) throw new HmsError(REFUSED[action], `delivery "${id}" changed meanwhile (it was ${found.state}); look at it again`);
      return done(action, changed, { deliveryId: id });
    },

    async bulk(action, selection, dryRun) {
      const states = selection.filter.states ?? ['dead'];
      const refused = states.filter((state) => !ACTION_STATES[action].includes(state));
      if (refused.length > 0) throw new HmsError('QUERY_INVALID', `"state" ${listed(refused)} cannot be ${VERB[action]}; ${action} takes ${listed(ACTION_STATES[action])}`);
      if (action === 'retry') selection.filter.connectors?.forEach(refuseUnconfigured);
      const connectors = connectorsFor(action);
      const filter: DeliveryFilter = { ...selection.filter, states };
      if (!dryRun && selection.q === undefined) return { matched: done(action, await store.actOnMatching(action, filter, connectors, clock.now()), { bulk: 1 }) };
      // What the action would change, and no more: of the connectors it may touch.
      const matching = connectors === null ? filter : { ...filter, connectors: filter.connectors ?? [...connectors] };
      let matched = 0;
      const sample: string[] = [];
      for await (const chunk of everyMatch(store, matching, selection.q)) {
        if (dryRun) {
          matched += chunk.length;
          sample.push(...chunk.slice(0, DRY_RUN_SAMPLE_SIZE - sample.length).map((delivery) => delivery.id));
        } else {
          matched += await store.act(action, chunk.map((delivery) => delivery.id), connectors, clock.now());
        }
      }
      return dryRun ? { matched, sample } : { matched: done(action, matched, { bulk: 1 }) };
    },
  };
}

function listed(states: readonly string[]): string {
  return states.length === 1 ? states[0]! : `${states.slice(0, -1).join(', ')} or ${states[states.length - 1]}`;
}
