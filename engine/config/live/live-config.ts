/**
 * The connectors configuration of a running engine: the registry in force, its revision, each
 * file's problems, and the outcome of the last reload. `reload()` re-reads the directory (see
 * reload-connectors.ts for the per-file rules), swaps the registry's whole set at once, and signals
 * `applied` with what changed so deliveries can be parked, resumed or re-driven. Reloads never
 * overlap: a change during a reload triggers one more reload after it.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { Signals } from '../../signals.js';
import type { CompiledConnector, Problem } from '../compiled.js';
import { createConnectorValidator, type ConnectorValidator } from '../schema/connector-validator.js';
import type { Registry } from '../registry.js';
import { planReload, type FileState, type ReloadPlan } from './reload-connectors.js';
import { gitCommitOf, revisionOf, type ConfigRevision } from './revision.js';
import { watchDirectory, type DirectoryWatch } from './watch-directory.js';

export interface ReloadReport {
  readonly at: number;
  /** `ok`: every file loaded; `problems`: some files are broken (their last good versions serve). */
  readonly result: 'ok' | 'problems';
  readonly revision: string;
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

export interface ConfigStatus {
  readonly revision: ConfigRevision;
  readonly connectors: readonly CompiledConnector[];
  readonly files: readonly FileState[];
  readonly lastReload: ReloadReport | null;
}

export interface LiveConfigOptions {
  readonly dir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
}

export type LiveConfigSignals = {
  /** A reload swapped in a new set (status() already shows it and its report). `reload()`
   * resolves once every listener's promise has. */
  applied: [plan: ReloadPlan];
};

export interface LiveConfig {
  readonly signals: Signals<LiveConfigSignals>;
  status(): ConfigStatus;
  revision(): string;
  reload(): Promise<ReloadReport>;
  /** Starts watching the directory; resolves once the watcher is ready. */
  watch(): Promise<void>;
  close(): Promise<void>;
}

/** `initialProblems`: what the load at start found; a file with problems and no connector is
 * set aside (shown with its problems, serving nothing) until a reload finds it valid. */
export async function createLiveConfig(options: LiveConfigOptions, initialProblems: readonly Problem[] = []): Promise<LiveConfig> {
  const { dir, registry, logger } = options;
  const validator: ConnectorValidator = await createConnectorValidator();
  let revision = revisionOf(registry.all(), await gitCommitOf(dir));
  let files: readonly FileState[] = initialFiles(registry.all(), initialProblems);
  let lastReload: ReloadReport | null = null;
  let running: Promise<ReloadReport> | undefined;
  let again = false;
  let watcher: DirectoryWatch | undefined;
  const signals = new Signals<LiveConfigSignals>((error) => logger.error({ err: error }, 'a reload listener failed'));

  async function reloadOnce(): Promise<ReloadReport> {
    const plan = await planReload(dir, registry.all(), { env: options.env, validator });
    const nextRevision = revisionOf(plan.connectors, await gitCommitOf(dir));
    // The set, its revision, the file states and the report change together, with no await
    // between them, so GET /status never shows a new revision beside the previous report.
    registry.replace(plan.connectors);
    revision = nextRevision;
    files = plan.files;
    const report: ReloadReport = {
      at: options.clock.now(),
      result: plan.problems.length === 0 ? 'ok' : 'problems',
      revision: revision.label,
      added: plan.added,
      changed: plan.changed,
      removed: plan.removed,
    };
    lastReload = report;
    await signals.emitSerial('applied', plan);
    const fields = { revision: report.revision, added: plan.added, changed: plan.changed, removed: plan.removed };
    if (plan.problems.length === 0) logger.info(fields, 'connectors reloaded');
    else {
      const problems = plan.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message}`);
      logger.warn({ ...fields, problems }, 'connectors reloaded with problems; broken files keep their last good version');
    }
    return report;
  }

  function reload(): Promise<ReloadReport> {
    if (running) {
      again = true;
      return running;
    }
    running = reloadOnce().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        void reload().catch((error: unknown) => logger.error({ err: error }, 'reload failed'));
      }
    });
    return running;
  }

  return {
    signals,
    status: () => ({ revision, connectors: registry.all(), files, lastReload }),
    revision: () => revision.label,
    reload,
    async watch() {
      watcher ??= watchDirectory(dir, () => void reload().catch((error: unknown) => logger.error({ err: error }, 'reload failed; the connectors in force keep serving')));
      await watcher.ready;
    },
    async close() {
      await watcher?.close();
      watcher = undefined;
      await running?.catch(() => undefined);
    },
  };
}

/** The file states at start, in file order: each serving file, and each file set aside with its problems. */
function initialFiles(connectors: readonly CompiledConnector[], problems: readonly Problem[]): FileState[] {
  const serving: FileState[] = connectors.map((c) => ({ file: c.file, serving: c.name, lastKnownGood: false, problems: problems.filter((p) => p.file === c.file) }));
  const setAside = [...new Set(problems.map((p) => p.file))].filter((file) => !connectors.some((c) => c.file === file));
  const aside: FileState[] = setAside.map((file) => ({ file, serving: null, lastKnownGood: false, problems: problems.filter((p) => p.file === file) }));
  return [...serving, ...aside].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
