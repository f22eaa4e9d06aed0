/**
 * The configuration an engine starts with: connectors given directly (tests, embedding; fixed for
 * the engine's life), or loaded from a directory with the sources beside them and kept live
 * (reloads, status). Either way the engine reads one shape: the registry in force, the revision
 * now, and the status GET /status shows.
 *
 * Loading at start follows a reload's rules: a file with problems is set aside (logged at error,
 * listed in GET /status) and the valid ones run. With `strict`, a load with problems is fatal
 * instead (CONFIG_INVALID listing every problem as file:line:col message).
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { HmsError } from '../../errors.js';
import type { CompiledConnector, Problem } from '../compiled.js';
import { loadConnectors } from '../load/load-connectors.js';
import { formatProblem } from '../problems/format-problem.js';
import { createRegistry, type Registry } from '../registry.js';
import type { CompiledSource } from '../sources/compiled-source.js';
import { loadSources } from '../sources/load-sources.js';
import { createLiveConfig, type ConfigStatus, type LiveConfig } from './live-config.js';
import { revisionOf } from './revision.js';

export interface ConfigAtStartOptions {
  /** Connectors given directly: no directory is read or watched. */
  readonly connectors?: readonly CompiledConnector[];
  readonly connectorsDir: string;
  /** Also load (and keep live) the sources in this directory. */
  readonly sourcesDir?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly strict: boolean;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface StartConfig {
  readonly registry: Registry;
  /** Absent when the connectors were given directly. */
  readonly live: LiveConfig | undefined;
  /** The sources loaded at start (the live config applies later changes). */
  readonly initialSources: readonly CompiledSource[];
  /** The configuration revision label now. */
  revision(): string;
  status(): ConfigStatus;
  /** Files with problems now (none when the connectors were given directly). */
  problemFiles(): ConfigStatus['files'];
}

export async function configAtStart(options: ConfigAtStartOptions): Promise<StartConfig> {
  const { env, strict, logger } = options;
  const loaded = options.connectors ? { connectors: options.connectors, problems: [] } : await loadAtStart('connectors', options.connectorsDir, loadConnectors, env, strict, logger);
  const registry = createRegistry(loaded.connectors);
  const sourcesLoaded = options.sourcesDir === undefined ? { sources: [], problems: [] } : await loadAtStart('sources', options.sourcesDir, loadSources, env, strict, logger);
  const initialSources = sourcesLoaded.sources;
  if (options.connectors) {
    const revision = revisionOf(loaded.connectors, null, initialSources);
    const files = [...loaded.connectors, ...initialSources].map((c) => ({ file: c.file, serving: c.name, lastKnownGood: false, problems: [] }));
    return {
      registry,
      live: undefined,
      initialSources,
      revision: () => revision.label,
      status: () => ({ revision, connectors: registry.all(), sources: initialSources, files, lastReload: null }),
      problemFiles: () => [],
    };
  }
  const sources = options.sourcesDir === undefined ? undefined : { dir: options.sourcesDir, initial: initialSources };
  const live = await createLiveConfig({ dir: options.connectorsDir, env, registry, clock: options.clock, logger, ...(sources && { sources }) }, [...loaded.problems, ...sourcesLoaded.problems]);
  return {
    registry,
    live,
    initialSources,
    revision: () => live.revision(),
    status: () => live.status(),
    problemFiles: () => live.status().files.filter((file) => file.problems.length > 0),
  };
}

async function loadAtStart<T>(
  what: 'connectors' | 'sources',
  dir: string,
  load: (dir: string, options: { env: Readonly<Record<string, string | undefined>> }) => Promise<T & { readonly problems: readonly Problem[] }>,
  env: Readonly<Record<string, string | undefined>>,
  strict: boolean,
  logger: Logger,
): Promise<T & { readonly problems: readonly Problem[] }> {
  const loaded = await load(dir, { env });
  if (loaded.problems.length === 0) return loaded;
  const listed = loaded.problems.map(formatProblem);
  if (strict) throw new HmsError('CONFIG_INVALID', `invalid ${what} in ${dir}:\n${listed.join('\n')}`);
  const consequence = what === 'connectors' ? 'the valid connectors run, and deliveries of the others wait (parked) until their files are fixed' : 'the valid sources run';
  logger.error({ problems: listed }, `${what === 'connectors' ? 'connector' : 'source'} files with problems are set aside: ${consequence}`);
  return loaded;
}
