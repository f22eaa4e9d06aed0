/**
 * What a replica does when another replica (or itself) notifies a wake-up through the shared
 * store (store/postgres/wake-listener.ts): work due now (`due`) runs its sweep claim at once;
 * a connector-wide state that changed (`connectors`: an operator's pause or resume, a 410 disable
 * or its end, a 429's pause) is read from the store and adopted by its dispatcher (at start too). The cron sweep stays the
 * safety net; the listener reconnects by itself.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { ReplicaCoordination, WakeKind } from '../store/replicas.js';
import type { Store } from '../store/store.js';
import type { Sweep } from './sweep.js';

export interface WakeUpsOptions {
  readonly replicas: ReplicaCoordination;
  readonly store: Pick<Store, 'pausedConnectors' | 'disabledConnectors'>;
  readonly sweep: Pick<Sweep, 'kick'>;
  readonly dispatcher: Pick<Dispatcher, 'adopt'>;
  readonly logger: Logger;
  readonly clock: Clock;
}

export interface WakeUps {
  start(): Promise<void>;
  /** Stops listening. Idempotent. */
  close(): Promise<void>;
}

export function createWakeUps(options: WakeUpsOptions): WakeUps {
  const { replicas, store, sweep, dispatcher, logger, clock } = options;
  let stop: (() => Promise<void>) | undefined;
  let closed = false;

  async function adoptConnectorStates(): Promise<void> {
    try {
      const [paused, disabled, throttled] = await Promise.all([store.pausedConnectors(), store.disabledConnectors(), replicas.throttles(clock.now())]);
      dispatcher.adopt(paused, disabled, throttled);
    } catch (error) {
      logger.warn({ err: error }, 'could not read the connectors\' paused and disabled states after a wake-up; the next one tries again');
    }
  }

  const onWake = (kind: WakeKind) => {
    if (closed) return;
    if (kind === 'due') sweep.kick();
    else void adoptConnectorStates();
  };

  return {
    async start() {
      stop = await replicas.listen(onWake);
      await adoptConnectorStates();
    },
    async close() {
      closed = true;
      await stop?.();
      stop = undefined;
    },
  };
}
