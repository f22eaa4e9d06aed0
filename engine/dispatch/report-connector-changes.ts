/**
 * What the changes of a connector's state (connector-state.ts) mean outside memory: a 410
 * disablement and an operator's pause are kept in the store across restarts (and dropped when
 * they end), a 429's pause is shared with the other replicas of a shared store, each change is
 * logged once, and a change that may let held work go (a breaker
 * closed, a pause ended) signals `unblocked`.
 *
 * The reporter resolves once the records are written; a failed write is logged here, and also
 * rejects the promise for a caller that waits (an operator's request). A caller may ignore it.
 */
import type { Logger } from 'pino';
import type { CompiledConnector } from '../config/compiled.js';
import type { Signals } from '../signals.js';
import type { Store } from '../store/store.js';
import type { ConnectorChange } from './connector-state.js';
import type { DispatcherSignals } from './dispatcher-signals.js';
import { storeErrorLogger } from './record-outcome.js';

export interface ReportConnectorChangesOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly signals: Signals<DispatcherSignals>;
}

export type ReportConnectorChanges = (connector: CompiledConnector, changes: readonly ConnectorChange[]) => Promise<void>;

export function connectorChangeReporter(options: ReportConnectorChangesOptions): ReportConnectorChanges {
  const { store, logger, signals } = options;
  const storeFailed = storeErrorLogger(logger);
  return (connector, changes) => {
    const fields = { connector: connector.name, revision: connector.revision };
    const writes: Promise<void>[] = [];
    for (const change of changes) {
      switch (change.kind) {
        case 'disabled':
          writes.push(store.setDisabled(connector.name, change.disabled));
          logger.error(fields, 'connector disabled: the target answered 410 Gone; it sends nothing until its configuration changes');
          break;
        case 'enabled':
          writes.push(store.setDisabled(connector.name, null));
          logger.info(fields, 'connector enabled again: its configuration changed');
          break;
        case 'operator-paused':
          writes.push(store.setPaused(connector.name, change.pause));
          logger.warn({ ...fields, by: change.pause.by }, 'connector paused by an operator: it sends nothing until resumed');
          break;
        case 'operator-resumed':
          writes.push(store.setPaused(connector.name, null));
          logger.info({ ...fields, by: change.by, stillPausedByFile: connector.paused }, connector.paused ? 'operator pause ended; the connector file still says paused: true' : 'connector resumed by an operator');
          signals.emit('unblocked');
          break;
        case 'file-paused':
          logger.warn({ ...fields, file: connector.file }, 'connector paused by its file (paused: true): it sends nothing until the file changes');
          break;
        case 'file-resumed':
          logger.info({ ...fields, file: connector.file }, 'connector file no longer says paused: true');
          signals.emit('unblocked');
          break;
        case 'paused':
          // On a shared store every replica honours it (sweep/wake-ups.ts adopts it).
          if (store.replicas) writes.push(store.replicas.throttle(connector.name, change.until));
          logger.warn({ ...fields, pausedUntil: new Date(change.until).toISOString() }, 'connector paused: the target answered 429');
          break;
        case 'breaker-opened':
          logger.warn(
            { ...fields, consecutiveFailures: change.breaker.consecutiveFailures, openUntil: change.breaker.openUntil === null ? null : new Date(change.breaker.openUntil).toISOString() },
            'circuit breaker open: the connector sends nothing until a probe succeeds',
          );
          break;
        case 'breaker-closed':
          logger.info(fields, 'circuit breaker closed');
          signals.emit('unblocked');
          break;
      }
    }
    const written = Promise.all(writes).then(() => undefined);
    // Handled here, so a caller that does not wait leaves no unhandled rejection.
    written.catch(storeFailed);
    return written;
  };
}
