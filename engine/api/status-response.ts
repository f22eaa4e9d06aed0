/**
 * The JSON shape of GET /status. It names files, connectors, revisions and problems; it never
 * carries a target URL, a header value or anything else that may hold a secret.
 */
import type { EngineStatus } from '../engine.js';

export function toStatusResponse(status: EngineStatus) {
  return {
    revision: status.revision.label,
    commit: status.revision.commit,
    connectors: status.connectors.map((c) => ({ name: c.name, file: c.file, revision: c.revision.slice(0, 12), routes: c.routes.map((r) => r.key) })),
    files: status.files.map((f) => ({
      file: f.file,
      serving: f.serving,
      lastKnownGood: f.lastKnownGood,
      problems: f.problems.map(({ line, column, code, message }) => ({ line, column, code, message })),
    })),
    lastReload: status.lastReload && { ...status.lastReload, at: new Date(status.lastReload.at).toISOString() },
    deliveries: status.deliveries,
  };
}
