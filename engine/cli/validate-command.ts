/**
 * `hms-sync validate [PATH...] [--sources DIR] [--config FILE] [--format text|json|github] [--env-optional]`:
 * every problem in every connector file, test file, source file and engine settings file at once, each with file, line
 * and column. Exit 0 when clean, 1 on problems, 2 on a bad command line. Nothing is started and
 * nothing is sent.
 *
 * Which files are sources: those in `--sources DIR` (which must exist); without PATH, those in
 * HMS_SYNC_SOURCES or ./sources.d when it exists; and any file named as a PATH whose content has
 * a top-level `type:` key (see looksLikeSourceFile). Directories named as PATHs hold connectors.
 * The engine settings file: `--config FILE`; without PATH, HMS_SYNC_CONFIG or ./hms-sync.yaml when
 * it exists; and any PATH named hms-sync.yaml or hms-sync.yml.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import type { Problem } from '../config/compiled.js';
import { DEFAULT_ENGINE_FILE, loadEngineFile } from '../config/engine-file/load-engine-file.js';
import { loadConnectorsWithTests } from '../config/load/load-with-tests.js';
import { DEFAULT_SOURCES_DIR, looksLikeSourceFile } from '../config/sources/source-file-name.js';
import { loadSourceFiles, loadSources } from '../config/sources/load-sources.js';
import { connectorPaths, oneOf, parseCommandLine, stringFlag } from './command-line.js';
import { PROBLEM_FORMATS, problemReport } from './problem-report.js';

export const VALIDATE_USAGE = `usage: hms-sync validate [PATH...] [options]

  PATH...          connector files or directories (default: env HMS_SYNC_CONNECTORS, else ./connectors.d);
                   test files NAME.test.yaml beside them are checked too; a file with a top-level
                   "type:" key is checked as a source file
  --sources DIR    source files (default without PATH: env HMS_SYNC_SOURCES, else ./sources.d, when it exists)
  --config FILE    the engine settings file (default without PATH: env HMS_SYNC_CONFIG, else
                   ./hms-sync.yaml when it exists); a PATH named hms-sync.yaml is one too
  --format F       text (file:line:col message), json, or github (workflow annotations); default text
  --env-optional   an unset \${env:NAME} without a default is not a problem (the value keeps the
                   text \${env:NAME}); for CI jobs that have no secrets
  -h, --help       show this help

Exit status: 0 no problems, 1 problems, 2 bad command line.`;

export async function validateCommand(args: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const line = parseCommandLine(args, {
    sources: { type: 'string' },
    config: { type: 'string' },
    format: { type: 'string' },
    'env-optional': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, VALIDATE_USAGE);
  if (line.values.help === true) {
    process.stdout.write(`${VALIDATE_USAGE}\n`);
    return 0;
  }
  const format = oneOf('--format', stringFlag(line, 'format'), PROBLEM_FORMATS, 'text', VALIDATE_USAGE);
  const options = { env, envOptional: line.values['env-optional'] === true, reportLiteralSecrets: true };
  const { connectorTargets, sourceFiles, engineFiles } = await splitPaths(connectorPaths(line.positionals, env));
  const connectors = connectorTargets.length > 0 ? await loadConnectorsWithTests(connectorTargets, options) : undefined;

  // A directory named with --sources must exist; the one from HMS_SYNC_SOURCES or the default need
  // not, as for `hms-sync run` (most deployments have no sources).
  const named = stringFlag(line, 'sources');
  const sources = [await loadSourceFiles([...(named === undefined ? [] : [named]), ...sourceFiles], options)];
  if (named === undefined && line.positionals.length === 0) sources.push(await loadSources(env.HMS_SYNC_SOURCES ?? DEFAULT_SOURCES_DIR, options));
  const sourceCount = sources.reduce((sum, loaded) => sum + loaded.sources.length, 0);
  const sourceProblems = sources.flatMap((loaded) => loaded.problems);
  const sourceFilesRead = new Set([...sources.flatMap((loaded) => loaded.sources.map((s) => s.file)), ...sourceProblems.map((p) => p.file)]).size;

  const namedConfig = stringFlag(line, 'config');
  const defaultConfig = line.positionals.length > 0 ? undefined : (env.HMS_SYNC_CONFIG || undefined) ?? (existsSync(DEFAULT_ENGINE_FILE) ? DEFAULT_ENGINE_FILE : undefined);
  const settingsFiles = [...new Set([...(namedConfig === undefined ? [] : [namedConfig]), ...engineFiles, ...(namedConfig === undefined && defaultConfig !== undefined ? [defaultConfig] : [])])];
  const settingsProblems = (await Promise.all(settingsFiles.map((file) => loadEngineFile(file, options)))).flatMap((loaded) => loaded.problems);

  const problems: Problem[] = [...(connectors?.problems ?? []), ...sourceProblems, ...settingsProblems];
  process.stdout.write(problemReport(format, problems, {
    connectors: connectors?.connectors.length ?? 0,
    files: (connectors?.files ?? 0) + sourceFilesRead + settingsFiles.length,
    ...(sourceFilesRead > 0 && { sources: sourceCount }),
  }));
  return problems.length === 0 ? 0 : 1;
}

/** Engine settings files (by name) and files whose content says they are sources, apart from every other path (connectors). */
async function splitPaths(paths: readonly string[]): Promise<{ connectorTargets: string[]; sourceFiles: string[]; engineFiles: string[] }> {
  const connectorTargets: string[] = [];
  const sourceFiles: string[] = [];
  const engineFiles: string[] = [];
  for (const path of paths) {
    if (/^hms-sync\.ya?ml$/.test(basename(path))) {
      engineFiles.push(path);
      continue;
    }
    const isFile = (await stat(path).catch(() => undefined))?.isFile() === true;
    const text = isFile ? await readFile(path, 'utf8').catch(() => '') : '';
    (looksLikeSourceFile(text) ? sourceFiles : connectorTargets).push(path);
  }
  return { connectorTargets, sourceFiles, engineFiles };
}
