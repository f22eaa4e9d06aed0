/**
 * What a change of the connectors in force (a reload, or the start) means for deliveries: a
 * connector disabled by a 410 whose file changed sends again, unfinished deliveries of removed
 * connectors park, parked ones of connectors that are back resume, and the dead ones of changed
 * connectors that a fix can cure (REDRIVE_ERROR_CODES) are re-driven unless the connector says
 * `redrive: never`. Then the sweep runs, so what became due goes at once.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Registry } from '../config/registry.js';
import { DEFAULT_REDRIVE } from '../config/schema/defaults.generated.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { oneReplicaAtATime } from '../store/replicas.js';
import type { ReconcileResult, Store } from '../store/store.js';
import type { Sweep } from './sweep.js';

export interface ApplyConfigChangeOptions {
  readonly store: Store;
  readonly registry: Registry;
  readonly dispatcher: Dispatcher;
  readonly sweep: Sweep;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Applies a change; `changedNames` are the connectors added or changed (re-driven). Resolves
 * with what moved. */
export type ApplyConfigChange = (changedNames: readonly string[]) => Promise<ReconcileResult & { readonly redriven: number }>;

export function configChangeApplier(options: ApplyConfigChangeOptions): ApplyConfigChange {
  const { store, registry, dispatcher, sweep, clock, logger } = options;
  return async (changedNames) => {
    dispatcher.reconcile();
    const now = clock.now();
    const moved = await store.reconcileConnectors(registry.names(), now);
    // On a shared store one replica at a time re-drives; another applying the same change at
    // that moment skips it (the one under way moves every delivery it would have moved).
    const redrive = await oneReplicaAtATime(store.replicas, 'redrive', async () => {
      let moved = 0;
      for (const name of changedNames) {
        if ((registry.get(name)?.source.redrive ?? DEFAULT_REDRIVE) === 'onChange') moved += await store.redrive(name, now);
      }
      return moved;
    });
    const redriven = redrive.ran ? redrive.value : 0;
    const parked = Object.values(moved.parked).reduce((sum, n) => sum + n, 0);
    if (parked + moved.resumed + redriven > 0) logger.info({ ...moved, redriven }, 'deliveries moved after a configuration change');
    sweep.kick();
    return { ...moved, redriven };
  };
}
