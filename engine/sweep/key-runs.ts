/**
 * Ordered connectors go on in runs. When a delivery of an ordering key ends with nothing of its
 * key held here (the dispatcher's `keyFreed`), the key's next deliveries, up to KEY_RUN_LENGTH, are
 * claimed together (Store.claimKeyRuns) and handed to the dispatcher, which sends them one after
 * another. A key then costs a claim per run rather than a sweep per delivery, and the sweep's
 * claim, which walks the due deliveries, is not asked to find a key's next delivery behind all
 * the others. Keys freed in one turn of the event loop share one claim. A key whose run cannot be
 * claimed now (its next delivery is a retry due later, another replica holds it, no room, the
 * store failed) is left to the sweep, which claims its head when it is due, as before.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { ConnectorKey, Store } from '../store/store.js';
import { claimedJob } from './claimed-job.js';

/** Most deliveries of one key claimed at once. */
export const KEY_RUN_LENGTH = 16;

export interface KeyRunsOptions {
  readonly store: Store;
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly leaseMs: number;
}

export interface KeyRuns {
  /** The key may go on: its next run is claimed on the next turn. */
  freed(connector: string, orderingKey: string): void;
  /** Claims nothing more, and waits for the claims under way. */
  close(): Promise<void>;
}

export function createKeyRuns(options: KeyRunsOptions): KeyRuns {
  const { store, dispatcher, clock, logger } = options;
  let freedKeys = new Map<string, ConnectorKey>();
  let scheduled = false;
  let closed = false;
  const claiming = new Set<Promise<void>>();

  async function claim(keys: readonly ConnectorKey[]): Promise<void> {
    // Past the room, keys wait for the sweep, which runs when room comes back.
    const room = dispatcher.room();
    const sending = keys.filter((key) => dispatcher.accepting(key.connector)).slice(0, room);
    if (sending.length === 0) return;
    const perKey = Math.max(1, Math.min(KEY_RUN_LENGTH, Math.floor(room / sending.length)));
    const claimed = await store.claimKeyRuns({ now: clock.now(), leaseMs: options.leaseMs, keys: sending, perKey, skip: dispatcher.held });
    for (const delivery of claimed) dispatcher.submit(claimedJob(delivery));
  }

  function flush(): void {
    scheduled = false;
    if (closed) return;
    const keys = [...freedKeys.values()];
    freedKeys = new Map();
    const run = claim(keys)
      .catch((error: unknown) => logger.warn({ err: error, keys: keys.length }, 'claiming the next deliveries of ordering keys failed; the sweep claims them when due'))
      .finally(() => claiming.delete(run));
    claiming.add(run);
  }

  return {
    freed(connector, orderingKey) {
      if (closed) return;
      freedKeys.set(JSON.stringify([connector, orderingKey]), { connector, orderingKey });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    async close() {
      closed = true;
      await Promise.all(claiming);
    },
  };
}
