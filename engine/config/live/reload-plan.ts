/**
 * Re-reads a config directory (connectors, sources) against the items in force, file by file,
 * keeping the last known good version of every file that is now broken:
 * - a valid file replaces its item; an invalid one (YAML, schema, JSONata, missing env) keeps
 *   its last good item serving and reports its problems;
 * - new files add items; deleted files remove theirs;
 * - a name already served by another file is an error on the newcomer, and the incumbent keeps it
 *   (between two newcomers, the first file in sorted order wins, as at start).
 * Pure apart from reading the files; applying the result is the caller's job.
 */
import { readFile } from 'node:fs/promises';
import type { Problem } from '../compiled.js';
import type { Listing } from '../load/config-files.js';

/** What the planner needs of an item: its name, the file it came from, and that file's revision. */
export interface ConfigItem {
  readonly name: string;
  readonly file: string;
  readonly revision: string;
}

/** How to read one kind of config directory. */
export interface ConfigDirectory<T extends ConfigItem> {
  /** `connector`, `source`: for messages. */
  readonly noun: string;
  list(dir: string): Promise<Listing>;
  /** One file: its item, or its problems. */
  load(file: string): Promise<{ readonly item?: T; readonly problems: readonly Problem[] }>;
}

export interface FileState {
  readonly file: string;
  /** Name of the item this file serves now (fresh or last known good), if any. */
  readonly serving: string | null;
  /** True when the file is broken and an older version of it is serving. */
  readonly lastKnownGood: boolean;
  readonly problems: readonly Problem[];
}

export interface ReloadPlan<T extends ConfigItem> {
  readonly items: readonly T[];
  readonly files: readonly FileState[];
  readonly problems: readonly Problem[];
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

interface Candidate<T> {
  readonly file: string;
  readonly fresh: T | undefined;
  readonly lastGood: T | undefined;
  problems: Problem[];
}

export async function planReload<T extends ConfigItem>(dir: string, current: readonly T[], directory: ConfigDirectory<T>): Promise<ReloadPlan<T>> {
  const listing = await directory.list(dir);
  if ('problem' in listing) {
    // The directory itself is unreadable (mid-swap or unmounted): keep everything serving.
    return { items: current, files: [], problems: [listing.problem], added: [], changed: [], removed: [] };
  }
  const currentByFile = new Map(current.map((c) => [c.file, c]));
  const candidates: Candidate<T>[] = [];
  for (const file of listing.files) {
    const { item, problems } = await directory.load(file);
    candidates.push({ file, fresh: item, lastGood: currentByFile.get(file), problems: [...problems] });
  }

  const incumbentFile = new Map(current.map((c) => [c.name, c.file]));
  const chosen = new Map<string, Candidate<T>>();
  const serving = new Map<Candidate<T>, T>();
  const pending: Promise<void>[] = [];
  const duplicate = (loser: Candidate<T>, name: string, owner: string): void => {
    pending.push(nameProblem(loser.file, name, owner, directory.noun).then((problem) => void loser.problems.push(problem)));
  };
  const claim = (candidate: Candidate<T>, item: T): boolean => {
    const holder = chosen.get(item.name);
    if (holder !== undefined && incumbentFile.get(item.name) !== candidate.file) return false;
    if (holder !== undefined) {
      // The incumbent displaces a newcomer that came first in file order.
      serving.delete(holder);
      duplicate(holder, item.name, candidate.file);
    }
    chosen.set(item.name, candidate);
    serving.set(candidate, item);
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

  const items = candidates.flatMap((candidate) => serving.get(candidate) ?? []);
  const next = new Map(items.map((c) => [c.name, c]));
  const before = new Map(current.map((c) => [c.name, c]));
  return {
    items,
    files: candidates.map((candidate) => {
      const item = serving.get(candidate);
      return {
        file: candidate.file,
        serving: item?.name ?? null,
        lastKnownGood: item !== undefined && item !== candidate.fresh,
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
async function nameProblem(file: string, name: string, owner: string, noun: string): Promise<Problem> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const index = text.split('\n').findIndex((line) => /^name\s*:/.test(line));
  return {
    file,
    line: index + 1,
    column: index >= 0 ? 1 : 0,
    code: 'CONFIG_DUPLICATE_NAME',
    message: `name: "${name}" is already used by ${owner}, which keeps serving it; ${noun} names must be unique, rename this one`,
  };
}
