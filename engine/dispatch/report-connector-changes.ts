/**
 * What the changes of a connector's state (connector-state.ts) mean outside memory: a 410
 * disablement is kept in the store across restarts (and dropped when the connector is enabled
 * again), each change is logged once, and a closed breaker signals that held work may go.
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

export type ReportConnectorChanges = (connector: CompiledConnector, changes: readonly ConnectorChange[]) => void;

export function connectorChangeReporter(options: ReportConnectorChangesOptions): ReportConnectorChanges {
  const { store, logger, signals } = options;
  const storeFailed = storeErrorLogger(logger);
  return (connector, changes) => {
    const fields = { connector: connector.name, revision: connector.revision };
    for (const change of changes) {
      switch (change.kind) {
        case 'disabled':
          void store.setDisabled(connector.name, change.disabled).catch(storeFailed);
          logger.error(fields, 'connector disabled: the target answered 410 Gone; it sends nothing until its configuration changes');
          break;
        case 'enabled':
          void store.setDisabled(connector.name, null).catch(storeFailed);
          logger.info(fields, 'connector enabled again: its configuration changed');
          break;
        case 'paused':
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
  };
}
