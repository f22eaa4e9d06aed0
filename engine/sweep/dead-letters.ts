/**
 * Dead letters, for operators: listing them, and retrying them by hand once their cause is fixed
 * (a target back up, a credential renewed, a payload the target now accepts). A retried delivery
 * becomes `retrying`, due now, with a fresh retry schedule, and the sweep is kicked so it goes at
 * once. Retrying needs the delivery's connector to be configured: the sweep only claims work of
 * configured connectors, so anything else would wait unseen.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry.js';
import { HmsError } from '../errors.js';
import type { DeadListOptions, DeadPage, DeadSelection, Store } from '../store/store.js';

export interface DeadLetters {
  list(options: DeadListOptions): Promise<DeadPage>;
  /**
   * Resolves with how many deliveries moved. Rejects with NOT_FOUND for an unknown id, and with
   * DELIVERY_NOT_RETRYABLE for a delivery that is not dead or a connector that is not configured.
   */
  retry(which: DeadSelection): Promise<number>;
}

export interface DeadLettersOptions {
  readonly store: Store;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Asks the sweep for a run now. */
  readonly kick: () => void;
}

export function createDeadLetters(options: DeadLettersOptions): DeadLetters {
  const { store, registry } = options;

  async function refuseUnretryable(which: DeadSelection): Promise<void> {
    if ('id' in which) {
      const found = await store.deliveryState(which.id);
      if (found === undefined) throw new HmsError('NOT_FOUND', `no delivery with id "${which.id}"`);
      if (found.state !== 'dead') throw new HmsError('DELIVERY_NOT_RETRYABLE', `delivery "${which.id}" is ${found.state}; only dead deliveries can be retried`);
      refuseUnconfigured(found.connector);
    } else if (which.connector !== undefined) {
      refuseUnconfigured(which.connector);
    }
  }

  function refuseUnconfigured(connector: string): void {
    if (registry.get(connector) === undefined) {
      throw new HmsError('DELIVERY_NOT_RETRYABLE', `connector "${connector}" is not configured; add its file back to connectors.d, then retry`);
    }
  }

  return {
    list: (listOptions) => store.listDead(listOptions),
    async retry(which) {
      await refuseUnretryable(which);
      const retried = await store.retryDead(which, registry.names(), options.clock.now());
      if (retried > 0) {
        // Debug: the API logs each request that retries, with who sent it (api/write-log.ts).
        options.logger.debug({ ...('id' in which ? { deliveryId: which.id } : which), retried }, 'dead deliveries retried');
        options.kick();
      }
      return retried;
    },
  };
}
