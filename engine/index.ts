/** The public API of the hms-sync package. */
export { createEngine, type Engine, type EngineOptions } from './engine.js';
export type { RetentionSettings } from './sweep/retention-policy.js';
export { buildServer, type ServerOptions } from './api/server.js';
export { loadConnectors, loadConnectorFiles } from './config/load/load-connectors.js';
export { loadSources, loadSourceFiles } from './config/sources/load-sources.js';
export { formatProblem } from './config/problems/format-problem.js';
export { createLogger } from './logger.js';
export { HmsError, ERROR_CODES, type ErrorCode } from './errors.js';
export { manualClock, systemClock, type Clock } from './clock.js';
export type { SyncEvent, DeliveryState } from './model.js';
export type { CompiledConnector, Problem } from './config/compiled.js';
export type { CompiledSource } from './config/sources/compiled-source.js';
export type { SourceStatus } from './bus/sources/source-tally.js';
export type { Store, EventView } from './store/store.js';
