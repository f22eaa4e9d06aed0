/**
 * Whether the engine should get traffic (GET /readyz): ready when its store can write and it is
 * not shutting down. Problems in connector files are a warning, not a reason: the valid connectors
 * serve, and events for the others are stored and wait, so taking the engine out of rotation would
 * stop more than it saves. Pure; reads nothing from disk. The texts name no file and no secret:
 * the probe needs no token.
 */
import type { StoreHealth } from '../store/store.js';
import type { ConfigSkew } from './config-skew.js';

export interface Readiness {
  readonly ready: boolean;
  /** Why it is not ready; empty when it is. */
  readonly reasons: readonly string[];
  /** What is wrong without stopping it from accepting events. */
  readonly warnings: readonly string[];
}

export interface ReadinessInput {
  readonly closing: boolean;
  readonly store: StoreHealth;
  /** Connector files with problems (set aside, or serving their last good version). */
  readonly problemFiles: number;
  /** Live replicas on different connector revisions (a shared store); a warning, not a reason:
   * each replica renders what it sends with its own revision, recorded with each attempt. */
  readonly configSkew?: ConfigSkew | null;
}

export function readinessOf({ closing, store, problemFiles, configSkew }: ReadinessInput): Readiness {
  const reasons = [
    ...(closing ? ['the engine is shutting down'] : []),
    ...(store.writable ? [] : [`the store cannot write: ${store.lastFailure?.message ?? 'its disk failed'}`]),
  ];
  const warnings = [
    ...(problemFiles === 0 ? [] : [`${problemFiles} connector file${problemFiles === 1 ? ' has' : 's have'} problems; GET /status lists them`]),
    ...(configSkew ? [`config skew: ${configSkew.behind.length} live replica${configSkew.behind.length === 1 ? ' runs' : 's run'} another connector revision than the newest; GET /status (configSkew) names them`] : []),
  ];
  return { ready: reasons.length === 0, reasons, warnings };
}
