/**
 * The configuration of a running engine: the connectors in force (the registry) and, when a
 * sources directory is given, the sources; their revision, each file's problems, and the outcome
 * of the last reload. `reload()` re-reads both directories (see reload-plan.ts for the per-file
 * rules), swaps the registry's whole set at once, and signals `applied` with what changed, so
 * deliveries can be parked, resumed or re-driven and sources drained and restarted. Reloads never
 * overlap: a change during a reload triggers one more reload after it.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { Signals } from '../../signals.js';
import type { CompiledConnector, Problem } from '../compiled.js';
import { connectorDirectory } from '../load/load-connectors.js';
import type { Registry } from '../registry.js';
import type { CompiledSource } from '../sources/compiled-source.js';
import { createSourceValidator, sourceDirectory } from '../sources/load-sources.js';
import { createConnectorValidator } from '../schema/connector-validator.js';
import { planReload, type ConfigDirectory, type FileState, type ReloadPlan } from './reload-plan.js';
import { gitCommitOf, revisionOf, type ConfigRevision } from './revision.js';
import { watchDirectory, type DirectoryWatch } from './watch-directory.js';

export interface ReloadReport {
  readonly at: number;
  /** `ok`: every file loaded; `problems`: some files are broken (their last good versions serve). */
  readonly result: 'ok' | 'problems';
  readonly revision: string;
  /** Connector names. */
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** Source names, when the engine has a sources directory. */
  readonly sources?: { readonly added: readonly string[]; readonly changed: readonly string[]; readonly removed: readonly string[] };
}

export interface ConfigStatus {
  readonly revision: ConfigRevision;
  readonly connectors: readonly CompiledConnector[];
  readonly sources: readonly CompiledSource[];
  /** Connector files, then source files. */
  readonly files: readonly FileState[];
  readonly lastReload: ReloadReport | null;
}

export interface LiveConfigOptions {
  readonly dir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The sources directory and the sources loaded from it at start. */
  readonly sources?: { readonly dir: string; readonly initial: readonly CompiledSource[] };
}

export type LiveConfigSignals = {
  /** A reload swapped in a new configuration (status() already shows it and its report).
   * `sources` is absent without a sources directory. `reload()` resolves once every listener's
   * promise has. */
  applied: [plan: ReloadPlan<CompiledConnector>, sources: ReloadPlan<CompiledSource> | undefined];
};

export interface LiveConfig {
  readonly signals: Signals<LiveConfigSignals>;
  status(): ConfigStatus;
  revision(): string;
  reload(): Promise<ReloadReport>;
  /** Starts watching the directories; resolves once the watchers are ready. */
  watch(): Promise<void>;
  close(): Promise<void>;
}

/** `initialProblems`: what the load at start found; a file with problems and no connector is
 * set aside (shown with its problems, serving nothing) until a reload finds it valid. */
export async function createLiveConfig(options: LiveConfigOptions, initialProblems: readonly Problem[] = []): Promise<LiveConfig> {
  const { dir, registry, logger, env } = options;
  const connectorFiles = connectorDirectory({ env, validator: await createConnectorValidator() });
  const sourceFiles: ConfigDirectory<CompiledSource> | undefined = options.sources && sourceDirectory({ env, validator: await createSourceValidator() });
  let sources = options.sources?.initial ?? [];
  let revision = revisionOf(registry.all(), await gitCommitOf(dir), sources);
  let files: readonly FileState[] = initialFiles([...registry.all(), ...sources], initialProblems);
  let lastReload: ReloadReport | null = null;
  let running: Promise<ReloadReport> | undefined;
  let again = false;
  let watchers: DirectoryWatch[] = [];
  const signals = new Signals<LiveConfigSignals>((error) => logger.error({ err: error }, 'a reload listener failed'));

  async function reloadOnce(): Promise<ReloadReport> {
    const plan = await planReload(dir, registry.all(), connectorFiles);
    const sourcesPlan = sourceFiles && options.sources ? await planReload(options.sources.dir, sources, sourceFiles) : undefined;
    const nextSources = sourcesPlan?.items ?? sources;
    const nextRevision = revisionOf(plan.items, await gitCommitOf(dir), nextSources);
    // The set, its revision, the file states and the report change together, with no await
    // between them, so GET /status never shows a new revision beside the previous report.
    registry.replace(plan.items);
    sources = nextSources;
    revision = nextRevision;
    files = [...plan.files, ...(sourcesPlan?.files ?? [])];
    const problems = [...plan.problems, ...(sourcesPlan?.problems ?? [])];
    const report: ReloadReport = {
      at: options.clock.now(),
      result: problems.length === 0 ? 'ok' : 'problems',
      revision: revision.label,
      added: plan.added,
      changed: plan.changed,
      removed: plan.removed,
      ...(sourcesPlan && { sources: { added: sourcesPlan.added, changed: sourcesPlan.changed, removed: sourcesPlan.removed } }),
    };
    lastReload = report;
    await signals.emitSerial('applied', plan, sourcesPlan);
    const fields = { revision: report.revision, added: plan.added, changed: plan.changed, removed: plan.removed, ...(report.sources && { sources: report.sources }) };
    if (problems.length === 0) logger.info(fields, 'configuration reloaded');
    else {
      const lines = problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message}`);
      logger.warn({ ...fields, problems: lines }, 'configuration reloaded with problems; broken files keep their last good version');
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
    status: () => ({ revision, connectors: registry.all(), sources, files, lastReload }),
    revision: () => revision.label,
    reload,
    async watch() {
      if (watchers.length === 0) {
        const onChange = () => void reload().catch((error: unknown) => logger.error({ err: error }, 'reload failed; the configuration in force keeps serving'));
        watchers = [dir, ...(options.sources ? [options.sources.dir] : [])].map((watched) => watchDirectory(watched, onChange));
      }
      await Promise.all(watchers.map((watcher) => watcher.ready));
    },
    async close() {
      await Promise.all(watchers.map((watcher) => watcher.close()));
      watchers = [];
      await running?.catch(() => undefined);
    },
  };
}

/** The file states at start, in file order: each serving file, and each file set aside with its problems. */
function initialFiles(connectors: readonly { readonly file: string; readonly name: string }[], problems: readonly Problem[]): FileState[] {
  const serving: FileState[] = connectors.map((c) => ({ file: c.file, serving: c.name, lastKnownGood: false, problems: problems.filter((p) => p.file === c.file) }));
  const setAside = [...new Set(problems.map((p) => p.file))].filter((file) => !connectors.some((c) => c.file === file));
  const aside: FileState[] = setAside.map((file) => ({ file, serving: null, lastKnownGood: false, problems: problems.filter((p) => p.file === file) }));
  return [...serving, ...aside].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
