/**
 * Which files make up the configuration `diff` compares, on each side. For a directory: its
 * connector files, its `*.test.yaml` files and its `samples/*.json`; for a file: the file and its
 * sibling NAME.test.yaml. The working tree is read in place; the base revision is written out
 * from git into a temporary directory with the same layout, so both load the same way.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { isConnectorFileName } from '../../config/load/connector-file-name.js';
import { HmsError } from '../../errors.js';
import { listTree, readBlob } from './diff-git.js';

/** Hex digits of a configuration's content hash shown in the report. */
const SHORT_HASH_LENGTH = 8;

export interface ConfigTarget {
  /** Relative to the work tree's top level, `/`-separated; '' for the top level itself. */
  readonly path: string;
  readonly kind: 'dir' | 'file';
}

export interface Snapshot {
  /** Where the files are on disk: the work tree, or the temporary copy of the base revision. */
  readonly root: string;
  /** Relative paths, sorted. */
  readonly files: readonly string[];
}

export function isTestFileName(name: string): boolean {
  return !name.startsWith('.') && /\.test\.ya?ml$/.test(name);
}

/** Whether `file` (relative, `/`-separated) is part of `target`'s configuration. */
export function belongsTo(target: ConfigTarget, file: string): boolean {
  const dir = posix.dirname(file) === '.' ? '' : posix.dirname(file);
  const name = posix.basename(file);
  if (target.kind === 'file') {
    if (file === target.path) return true;
    const stem = posix.basename(target.path).replace(/\.ya?ml$/, '');
    return dir === (posix.dirname(target.path) === '.' ? '' : posix.dirname(target.path)) && (name === `${stem}.test.yaml` || name === `${stem}.test.yml`);
  }
  if (dir === target.path) return isConnectorFileName(name) || isTestFileName(name);
  return dir === posix.join(target.path, 'samples') && name.endsWith('.json') && !name.startsWith('.');
}

/** Each PATH relative to `root`, with its kind taken from the working tree or else from the base commit. */
export async function resolveTargets(root: string, commit: string, paths: readonly string[]): Promise<ConfigTarget[]> {
  const realRoot = await realpath(root);
  const targets: ConfigTarget[] = [];
  for (const path of paths) {
    const rel = relative(realRoot, await realpathLoose(resolve(path))).split(sep).join('/');
    if (rel.startsWith('..') || isAbsolute(rel)) throw new HmsError('USAGE', `"${path}" is outside the git work tree ${root}`);
    const info = await stat(resolve(path)).catch(() => undefined);
    if (info !== undefined) {
      targets.push({ path: rel, kind: info.isDirectory() ? 'dir' : 'file' });
      continue;
    }
    const atBase = await listTree(root, commit, rel);
    if (atBase.length === 0) throw new HmsError('USAGE', `"${path}" exists neither in the working tree nor at the base revision`);
    targets.push({ path: rel, kind: atBase.length === 1 && atBase[0]?.path === rel ? 'file' : 'dir' });
  }
  return targets;
}

/** The configuration files of `targets` as they are in the work tree. */
export async function workingTreeSnapshot(root: string, targets: readonly ConfigTarget[]): Promise<Snapshot> {
  const files = new Set<string>();
  for (const target of targets) {
    const dirs = target.kind === 'dir' ? [target.path, posix.join(target.path, 'samples')] : [posix.dirname(target.path)];
    for (const dir of dirs) {
      for (const name of await readdir(join(root, dir)).catch(() => [])) {
        const file = dir === '' || dir === '.' ? name : `${dir}/${name}`;
        if (!belongsTo(target, file)) continue;
        const info = await stat(join(root, file)).catch(() => undefined);
        if (info?.isFile() === true) files.add(file);
      }
    }
  }
  return { root, files: [...files].sort(compareCodeUnits) };
}

/** Writes the configuration files of `targets` at `commit` under `into`, directories included even when empty. */
export async function baseSnapshot(root: string, commit: string, targets: readonly ConfigTarget[], into: string): Promise<Snapshot> {
  const files = new Map<string, string>();
  for (const target of targets) {
    const scope = target.kind === 'dir' ? target.path : posix.dirname(target.path) === '.' ? '' : posix.dirname(target.path);
    for (const entry of await listTree(root, commit, scope)) {
      if (belongsTo(target, entry.path)) files.set(entry.path, entry.object);
    }
    if (target.kind === 'dir') await mkdir(join(into, target.path), { recursive: true });
  }
  for (const [file, object] of files) {
    await mkdir(dirname(join(into, file)), { recursive: true });
    await writeFile(join(into, file), await readBlob(root, object));
  }
  return { root: into, files: [...files.keys()].sort(compareCodeUnits) };
}

/** What to hand loadConnectorFiles: every directory target, and the file targets that exist on this side. */
export function loaderInputs(snapshot: Snapshot, targets: readonly ConfigTarget[]): string[] {
  return targets
    .filter((target) => target.kind === 'dir' || snapshot.files.includes(target.path))
    .map((target) => join(snapshot.root, target.path));
}

/** A short hash of every file's path and bytes: equal exactly when the two sides' configurations are. */
export async function contentHash(snapshot: Snapshot): Promise<string> {
  const hash = createHash('sha256');
  for (const file of snapshot.files) {
    const bytes = await readFile(join(snapshot.root, file));
    hash.update(`${file}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest('hex').slice(0, SHORT_HASH_LENGTH);
}

/** realpath of the longest existing prefix, so a path deleted in the working tree still resolves. */
async function realpathLoose(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(await realpathLoose(parent), basename(path));
  }
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
