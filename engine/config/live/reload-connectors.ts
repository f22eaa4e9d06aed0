/**
 * Re-reads a connectors directory against the configuration in force, file by file, keeping the
 * last known good version of every file that is now broken:
 * - a valid file replaces its connector; an invalid one (YAML, schema, JSONata, missing env) keeps
 *   its last good connector serving and reports its problems;
 * - new files add connectors; deleted files remove theirs;
 * - a name already served by another file is an error on the newcomer, and the incumbent keeps it
 *   (between two newcomers, the first file in sorted order wins, as at start).
 * Pure apart from reading the files; applying the result is the caller's job.
 */
import { readFile } from 'node:fs/promises';
import type { CompiledConnector, Problem } from '../compiled.js';
import type { ConnectorValidator } from '../schema/connector-validator.js';
import { listDirectory, loadConnectorFiles } from '../load/load-connectors.js';

export interface FileState {
  readonly file: string;
  /** Name of the connector this file serves now (fresh or last known good), if any. */
  readonly serving: string | null;
  /** True when the file is broken and an older version of it is serving. */
  readonly lastKnownGood: boolean;
  readonly problems: readonly Problem[];
}

export interface ReloadPlan {
  readonly connectors: readonly CompiledConnector[];
  readonly files: readonly FileState[];
  readonly problems: readonly Problem[];
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

interface Candidate {
  readonly file: string;
  readonly fresh: CompiledConnector | undefined;
  readonly lastGood: CompiledConnector | undefined;
  problems: Problem[];
}

export async function planReload(
  dir: string,
  current: readonly CompiledConnector[],
  options: { readonly env: Readonly<Record<string, string | undefined>>; readonly validator: ConnectorValidator },
): Promise<ReloadPlan> {
  const listing = await listDirectory(dir);
  if ('problem' in listing) {
    // The directory itself is unreadable (mid-swap or unmounted): keep everything serving.
    return { connectors: current, files: [], problems: [listing.problem], added: [], changed: [], removed: [] };
  }
  const currentByFile = new Map(current.map((c) => [c.file, c]));
  const candidates: Candidate[] = [];
  for (const file of listing.files) {
    const { connectors, problems } = await loadConnectorFiles([file], options);
    candidates.push({ file, fresh: connectors[0], lastGood: currentByFile.get(file), problems: [...problems] });
  }

  const incumbentFile = new Map(current.map((c) => [c.name, c.file]));
  const chosen = new Map<string, Candidate>();
  const serving = new Map<Candidate, CompiledConnector>();
  const pending: Promise<void>[] = [];
  const duplicate = (loser: Candidate, name: string, owner: string): void => {
    pending.push(nameProblem(loser.file, name, owner).then((problem) => void loser.problems.push(problem)));
  };
  const claim = (candidate: Candidate, connector: CompiledConnector): boolean => {
    const holder = chosen.get(connector.name);
    if (holder !== undefined && incumbentFile.get(connector.name) !== candidate.file) return false;
    if (holder !== undefined) {
      // The incumbent displaces a newcomer that came first in file order.
      serving.delete(holder);
      duplicate(holder, connector.name, candidate.file);
    }
    chosen.set(connector.name, candidate);
    serving.set(candidate, connector);
    return true;
  };
  for (const candidate of candidates) {
    const preferred = candidate.fresh ?? candidate.lastGood;
    if (!preferred) continue;
    if (claim(candidate, preferred)) continue;
    duplicate(candidate, preferred.name, chosen.get(preferred.name)!.file);
    if (candidate.fresh && candidate.lastGood && candidate.lastGood.name !== preferred.name) claim(candidate, candidate.lastGood);
  }
  await Promise.all(pending);

  const connectors = candidates.flatMap((candidate) => serving.get(candidate) ?? []);
  const next = new Map(connectors.map((c) => [c.name, c]));
  const before = new Map(current.map((c) => [c.name, c]));
  return {
    connectors,
    files: candidates.map((candidate) => {
      const connector = serving.get(candidate);
      return {
        file: candidate.file,
        serving: connector?.name ?? null,
        lastKnownGood: connector !== undefined && connector !== candidate.fresh,
        problems: candidate.problems,
      };
    }),
    problems: candidates.flatMap((candidate) => candidate.problems),
    added: [...next.keys()].filter((name) => !before.has(name)),
    changed: [...next.values()].filter((c) => before.has(c.name) && before.get(c.name)!.revision !== c.revision).map((c) => c.name),
    removed: [...before.keys()].filter((name) => !next.has(name)),
  };
}

/** CONFIG_DUPLICATE_NAME at the file's `name:` line. */
async function nameProblem(file: string, name: string, owner: string): Promise<Problem> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const index = text.split('\n').findIndex((line) => /^name\s*:/.test(line));
  return {
    file,
    line: index + 1,
    column: index >= 0 ? 1 : 0,
    code: 'CONFIG_DUPLICATE_NAME',
    message: `name: "${name}" is already used by ${owner}, which keeps serving it; connector names must be unique, rename this one`,
  };
}
