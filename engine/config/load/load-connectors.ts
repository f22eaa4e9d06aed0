/**
 * Loads connector files into compiled connectors and Problems. A bad file never takes the good
 * ones down: every file's problems are collected and the rest still compile.
 *
 * Files load in sorted path order (code-unit order, the same on every machine). When two files
 * use one name, the first keeps it and the later one gets CONFIG_DUPLICATE_NAME.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CompiledConnector, LoadResult, Problem } from '../compiled.js';
import { isConnectorFileName } from './connector-file-name.js';
import { createConnectorValidator, type ConnectorValidator } from '../schema/connector-validator.js';
import { loadConnectorSource } from './load-connector-source.js';

export interface LoadOptions {
  /** The only environment `${env:NAME}` reads; pass process.env explicitly if that is what you mean. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reuse one compiled schema across loads (e.g. a watcher); created per call otherwise. */
  readonly validator?: ConnectorValidator;
  /**
   * Unset variables without a default and unreadable `${file:...}` files stay as their reference
   * text, and unreadable TLS files are skipped, instead of being problems (validate
   * --env-optional, test, preview, diff: runs without the deployment's secrets).
   */
  readonly envOptional?: boolean;
  /** Reads the files a connector names (`${file:...}`, `tls`); node:fs readFile unless given. */
  readonly readFile?: (path: string) => Promise<Uint8Array>;
  /** Also report values that look like literal credentials (validate). */
  readonly reportLiteralSecrets?: boolean;
}

/** Every connector file directly in `dir`. A missing directory is one CONFIG_READ problem. */
export async function loadConnectors(dir: string, options: LoadOptions): Promise<LoadResult> {
  const listing = await listDirectory(dir);
  if ('problem' in listing) return { connectors: [], problems: [listing.problem] };
  return loadPaths(listing.files, [], options);
}

/**
 * The given files, and the connector files directly in any directory among them (for
 * `validate PATH...`). Files named explicitly load whatever their name.
 */
export async function loadConnectorFiles(files: readonly string[], options: LoadOptions): Promise<LoadResult> {
  const paths: string[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const info = await stat(file).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      problems.push(readProblem(file, info, 'file'));
    } else if (info.isDirectory()) {
      const listing = await listDirectory(file);
      if ('problem' in listing) problems.push(listing.problem);
      else paths.push(...listing.files);
    } else {
      paths.push(file);
    }
  }
  return loadPaths(paths, problems, options);
}

async function loadPaths(paths: readonly string[], earlier: readonly Problem[], options: LoadOptions): Promise<LoadResult> {
  const validate = options.validator ?? (await createConnectorValidator());
  const seen = new Set<string>();
  const unique = [...paths].sort(compareCodeUnits).filter((path) => {
    const key = resolve(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const connectors: CompiledConnector[] = [];
  const problems: Problem[] = [...earlier];
  const owners = new Map<string, string>();
  for (const file of unique) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      problems.push(readProblem(file, error as NodeJS.ErrnoException, 'file'));
      continue;
    }
    const loaded = await loadConnectorSource({
      file,
      bytes,
      env: options.env,
      readFile: options.readFile ?? readFile,
      validate,
      envOptional: options.envOptional,
      reportLiteralSecrets: options.reportLiteralSecrets,
    });
    const name = loaded.name;
    const owner = name === undefined ? undefined : owners.get(name.value);
    if (name !== undefined && owner !== undefined) {
      const duplicate: Problem = {
        file,
        line: name.position.line,
        column: name.position.column,
        code: 'CONFIG_DUPLICATE_NAME',
        message: `name: "${name.value}" is already used by ${owner}; connector names must be unique, rename this one`,
      };
      problems.push(...[...loaded.problems, duplicate].sort((a, b) => a.line - b.line || a.column - b.column));
      continue;
    }
    problems.push(...loaded.problems);
    if (name !== undefined) owners.set(name.value, file);
    if (loaded.connector !== undefined) connectors.push(loaded.connector);
  }
  return { connectors, problems };
}

export type Listing = { readonly files: readonly string[] } | { readonly problem: Problem };

/** Connector files directly in `dir`, following symlinks (Kubernetes ConfigMap volumes are made of them). */
export async function listDirectory(dir: string): Promise<Listing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    return { problem: readProblem(dir, error as NodeJS.ErrnoException, 'directory') };
  }
  const files: string[] = [];
  for (const name of names.filter(isConnectorFileName)) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() === true) files.push(path);
  }
  return { files };
}

function readProblem(path: string, error: NodeJS.ErrnoException, kind: 'file' | 'directory'): Problem {
  let message: string;
  if (error.code === 'ENOENT') {
    message = kind === 'directory'
      ? `the connectors directory "${path}" does not exist; create it or pass --connectors DIR`
      : `"${path}" does not exist; check the path`;
  } else if (error.code === 'ENOTDIR') {
    message = `"${path}" is not a directory; pass the directory that holds the connector files`;
  } else {
    message = `cannot read the ${kind === 'directory' ? 'connectors directory' : 'file'} "${path}" (${error.code ?? error.message}); check its permissions`;
  }
  return { file: path, line: 0, column: 0, code: 'CONFIG_READ', message };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
