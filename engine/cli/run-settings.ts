/**
 * Where `hms-sync run` takes its settings from, highest first: flags, HMS_SYNC_* variables, the
 * engine settings file, the defaults. The file is `--config FILE`, else HMS_SYNC_CONFIG, else
 * ./hms-sync.yaml when it exists; a file with problems stops the start, listing each at
 * file:line:col (the engine's own settings are never guessed).
 */
import { existsSync } from 'node:fs';
import { DEFAULT_ENGINE_FILE, loadEngineFile } from '../config/engine-file/load-engine-file.js';
import { formatProblem } from '../config/problems/format-problem.js';
import { HmsError } from '../errors.js';
import { parseRunOptions, type RunOptions } from './run-options.js';

export interface RunSettings {
  readonly options: RunOptions;
  /** The environment with the file's settings beneath the real variables. */
  readonly env: Record<string, string | undefined>;
  /** The settings file read, and the hash of its bytes then. */
  readonly engineFile?: { readonly path: string; readonly hash: string };
}

export async function runSettings(args: readonly string[], env: Record<string, string | undefined>): Promise<RunSettings> {
  const first = parseRunOptions(args, env);
  const path = first.config ?? (env.HMS_SYNC_CONFIG || undefined) ?? (existsSync(DEFAULT_ENGINE_FILE) ? DEFAULT_ENGINE_FILE : undefined);
  if (first.help || path === undefined) return { options: first, env };
  const loaded = await loadEngineFile(path, { env });
  if (loaded.problems.length > 0) {
    throw new HmsError('CONFIG_INVALID', `invalid engine settings in ${path}:\n${loaded.problems.map(formatProblem).join('\n')}`);
  }
  const merged = { ...loaded.variables, ...definedOnly(env) };
  return { options: parseRunOptions(args, merged), env: merged, engineFile: { path, hash: loaded.hash } };
}

/** `env` without its undefined entries, so that they do not hide the file's settings. */
function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
