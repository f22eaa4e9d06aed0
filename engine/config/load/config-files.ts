/**
 * Reading a directory of config files (connectors, sources), whatever they hold. A bad file never
 * takes the good ones down: every file's problems are collected and the rest still load.
 *
 * Files load in sorted path order (code-unit order, the same on every machine). When two files
 * use one name, the first keeps it and the later one gets CONFIG_DUPLICATE_NAME.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Problem } from '../compiled.js';
import type { ConfigDirectory, ConfigItem } from '../live/reload-plan.js';
import type { Position } from '../problems/yaml-locator.js';
import { sortByPosition } from './read-config-document.js';

/** Which files of a directory are config files of one kind, and how messages name the kind. */
export interface ConfigFileKind {
  /** `connector`, `source`. */
  readonly noun: string;
  /** The command-line flag that names the directory, for hints: `--connectors DIR`. */
  readonly dirFlag: string;
  isFileName(name: string): boolean;
  /** A directory that does not exist holds no files, rather than being a problem. */
  readonly missingIsEmpty?: boolean;
}

/** How config files (connectors, sources) are loaded; `V` is the kind's compiled schema. */
export interface ConfigLoadOptions<V> {
  /** The only environment `${env:NAME}` reads; pass process.env explicitly if that is what you mean. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reuse one compiled schema across loads (e.g. a watcher); created per call otherwise. */
  readonly validator?: V;
  /**
   * Unset variables without a default and unreadable `${file:...}` files stay as their reference
   * text, and unreadable TLS files are skipped, instead of being problems (validate
   * --env-optional, test, preview, diff: runs without the deployment's secrets).
   */
  readonly envOptional?: boolean;
  /** Reads the files a config file names (`${file:...}`, `tls`); node:fs readFile unless given. */
  readonly readFile?: (path: string) => Promise<Uint8Array>;
  /** Also report values that look like literal credentials (validate). */
  readonly reportLiteralSecrets?: boolean;
}

/** One file's outcome: the item, or its problems; its `name` even when it has problems, so duplicates across files are still found. */
export interface FileLoad<T> {
  readonly name?: { readonly value: string; readonly position: Position };
  readonly item?: T;
  readonly problems: readonly Problem[];
}

export interface FilesLoad<T> {
  readonly items: readonly T[];
  readonly problems: readonly Problem[];
}

export type Listing = { readonly files: readonly string[] } | { readonly problem: Problem };

/** The config files directly in `dir`, following symlinks (Kubernetes ConfigMap volumes are made of them). */
export async function listConfigDirectory(dir: string, kind: ConfigFileKind): Promise<Listing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (kind.missingIsEmpty === true && (error as NodeJS.ErrnoException).code === 'ENOENT') return { files: [] };
    return { problem: readProblem(dir, error as NodeJS.ErrnoException, 'directory', kind) };
  }
  const files: string[] = [];
  for (const name of names.filter((entry) => kind.isFileName(entry))) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() === true) files.push(path);
  }
  return { files };
}

/** Every config file of `kind` directly in `dir`, loaded by `loadPaths` (see loadEach). */
export async function loadDirectory<T>(dir: string, kind: ConfigFileKind, loadPaths: (files: readonly string[]) => Promise<FilesLoad<T>>): Promise<FilesLoad<T>> {
  const listing = await listConfigDirectory(dir, kind);
  return 'problem' in listing ? { items: [], problems: [listing.problem] } : loadPaths(listing.files);
}

/** The given files, and the config files directly in any directory among them (`validate PATH...`). */
export async function loadNamed<T>(paths: readonly string[], kind: ConfigFileKind, loadPaths: (files: readonly string[]) => Promise<FilesLoad<T>>): Promise<FilesLoad<T>> {
  const expanded = await expandPaths(paths, kind);
  const loaded = await loadPaths(expanded.files);
  return { items: loaded.items, problems: [...expanded.problems, ...loaded.problems] };
}

/** How the live configuration re-reads a directory of `kind` (see reload-plan.ts). */
export function configDirectory<T extends ConfigItem>(kind: ConfigFileKind, loadPaths: (files: readonly string[]) => Promise<FilesLoad<T>>): ConfigDirectory<T> {
  return {
    noun: kind.noun,
    list: (dir) => listConfigDirectory(dir, kind),
    async load(file) {
      const { items, problems } = await loadNamed([file], kind, loadPaths);
      return { ...(items[0] && { item: items[0] }), problems };
    },
  };
}

/** The given files, and the config files directly in any directory among them. Files named explicitly count whatever their name. */
async function expandPaths(paths: readonly string[], kind: ConfigFileKind): Promise<{ readonly files: readonly string[]; readonly problems: readonly Problem[] }> {
  const files: string[] = [];
  const problems: Problem[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      problems.push(readProblem(path, info, 'file', kind));
    } else if (info.isDirectory()) {
      const listing = await listConfigDirectory(path, kind);
      if ('problem' in listing) problems.push(listing.problem);
      else files.push(...listing.files);
    } else {
      files.push(path);
    }
  }
  return { files, problems };
}

/** Reads and loads each file once (in sorted order), giving each name to the first file that uses it. */
export async function loadEach<T>(
  paths: readonly string[],
  kind: ConfigFileKind,
  loadOne: (file: string, bytes: Uint8Array) => Promise<FileLoad<T>>,
): Promise<FilesLoad<T>> {
  const seen = new Set<string>();
  const unique = [...paths].sort(compareCodeUnits).filter((path) => {
    const key = resolve(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const items: T[] = [];
  const problems: Problem[] = [];
  const owners = new Map<string, string>();
  for (const file of unique) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      problems.push(readProblem(file, error as NodeJS.ErrnoException, 'file', kind));
      continue;
    }
    const loaded = await loadOne(file, bytes);
    const name = loaded.name;
    const owner = name === undefined ? undefined : owners.get(name.value);
    if (name !== undefined && owner !== undefined) {
      const duplicate: Problem = {
        file,
        line: name.position.line,
        column: name.position.column,
        code: 'CONFIG_DUPLICATE_NAME',
        message: `name: "${name.value}" is already used by ${owner}; ${kind.noun} names must be unique, rename this one`,
      };
      problems.push(...sortByPosition([...loaded.problems, duplicate]));
      continue;
    }
    problems.push(...loaded.problems);
    if (name !== undefined) owners.set(name.value, file);
    if (loaded.item !== undefined) items.push(loaded.item);
  }
  return { items, problems };
}

function readProblem(path: string, error: NodeJS.ErrnoException, what: 'file' | 'directory', kind: ConfigFileKind): Problem {
  let message: string;
  if (error.code === 'ENOENT') {
    message = what === 'directory'
      ? `the ${kind.noun}s directory "${path}" does not exist; create it or pass ${kind.dirFlag}`
      : `"${path}" does not exist; check the path`;
  } else if (error.code === 'ENOTDIR') {
    message = `"${path}" is not a directory; pass the directory that holds the ${kind.noun} files`;
  } else {
    message = `cannot read the ${what === 'directory' ? `${kind.noun}s directory` : 'file'} "${path}" (${error.code ?? error.message}); check its permissions`;
  }
  return { file: path, line: 0, column: 0, code: 'CONFIG_READ', message };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
