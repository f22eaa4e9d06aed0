/**
 * Resolves `${env:...}` and `${file:...}` references (see reference-syntax.ts) in string values,
 * on the parsed YAML (never the raw text), so line numbers stay right and a value cannot inject
 * YAML structure. Mapping keys are not interpolated.
 *
 * - `${env:NAME:-default}`: the default applies when NAME is unset or empty, as in the shell.
 * - `${file:PATH}`: the file's text with its trailing line breaks removed, read once per load. A
 *   relative PATH is relative to the connector file's directory. `:-default` applies when the file
 *   does not exist or is empty; any other read error (permissions, a directory) is a problem even
 *   with a default, since it means a broken mount rather than an absent secret.
 * - Values read from the environment or files (not defaults) are secrets when at least
 *   MIN_SECRET_LENGTH long.
 * With `keepMissing` (validate --env-optional, test, preview, diff), an unset variable or an
 * unreadable file is not a problem: the reference stays as its own text and its path is listed in
 * `unresolved`, so later checks can exempt that value. `keepMissingIn` does the same for one
 * top-level key only (a connector file's `tests:`, so a test never makes its connector unloadable).
 */
import { isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Document, type Node, type Scalar } from 'yaml';
import { at } from '../problems/data-path.js';
import type { LocatedProblem } from '../problems/located-problem.js';
import { splitReferences, type ReferencePart } from './reference-syntax.js';
import type { DataPath, YamlLocator } from '../problems/yaml-locator.js';

/**
 * Shortest value listed as a secret. Shorter env values and header values are not: redacting
 * every "on", "1" or "dev" in logs would garble them while protecting nothing (no real credential
 * is that short).
 */
export const MIN_SECRET_LENGTH = 4;

export interface Interpolation {
  readonly problems: readonly LocatedProblem[];
  /** Values taken from the environment or files (not defaults), at least MIN_SECRET_LENGTH long. */
  readonly secrets: readonly string[];
  /** Values still holding a reference as text (only with keepMissing or keepMissingIn). */
  readonly unresolved: readonly DataPath[];
}

export interface ReferenceSources {
  /** The only environment `${env:NAME}` reads. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a `${file:...}` file, given its absolute path; rejects with the fs error. */
  readonly readFile: (path: string) => Promise<Uint8Array>;
  /** Directory relative `${file:...}` paths start from: the connector file's. */
  readonly baseDir: string;
}

export interface InterpolateOptions {
  /** Keep unresolvable references as text instead of reporting them. */
  readonly keepMissing?: boolean;
  /** Keep them as text under this top-level key only. */
  readonly keepMissingIn?: string;
}

type FileRead = { readonly text: string } | { readonly error: NodeJS.ErrnoException };

/** Read errors that mean "no such file", where a `:-default` applies (as for an unset variable). */
const ABSENT_FILE_CODES: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR']);

interface StringValue {
  readonly node: Scalar;
  readonly path: DataPath;
  readonly parts: readonly ReferencePart[];
}

/** Rewrites the document's string scalars in place. */
export async function interpolate(doc: Document, sources: ReferenceSources, locator: YamlLocator, options: InterpolateOptions = {}): Promise<Interpolation> {
  const values: StringValue[] = [];
  const walk = (node: Node | null | undefined, path: DataPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key)) walk(pair.value as Node | null, [...path, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item as Node | null, [...path, index]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      values.push({ node, path, parts: splitReferences(node.value) });
    }
  };
  walk(doc.contents as Node | null, []);

  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(sources.baseDir, path));
  const paths = new Set(values.flatMap((value) => value.parts.flatMap((part) => (part.kind === 'file' ? [absolute(part.path)] : []))));
  const reads = new Map<string, FileRead>();
  await Promise.all([...paths].map(async (path) => {
    try {
      const bytes = await sources.readFile(path);
      reads.set(path, { text: new TextDecoder('utf-8').decode(bytes).replace(/(\r?\n)+$/, '') });
    } catch (error) {
      reads.set(path, { error: error as NodeJS.ErrnoException });
    }
  }));

  const problems: LocatedProblem[] = [];
  const secrets: string[] = [];
  const unresolved: DataPath[] = [];
  for (const { node, path, parts } of values) {
    const keepMissing = options.keepMissing === true || (options.keepMissingIn !== undefined && path[0] === options.keepMissingIn);
    const report = (offset: number, code: LocatedProblem['code'], message: string): void => {
      problems.push({ path, position: locator.inString(path, offset), code, message: at(path, message) });
    };
    const keep = (raw: string): string => {
      if (!unresolved.includes(path)) unresolved.push(path);
      return raw;
    };
    let out = '';
    for (const part of parts) {
      if (part.kind === 'text') {
        out += part.text;
      } else if (part.kind === 'malformed') {
        report(part.offset, 'CONFIG_SCHEMA', 'malformed "${"; write ${env:NAME}, ${file:/run/secrets/NAME} (each may end in :-default), or $${ for a literal "${"');
      } else if (part.kind === 'env') {
        const value = sources.env[part.name];
        if (value !== undefined && (value !== '' || part.fallback === undefined)) {
          out += value;
          if (value.length >= MIN_SECRET_LENGTH) secrets.push(value);
        } else if (part.fallback !== undefined) {
          out += part.fallback;
        } else if (keepMissing) {
          out += keep(part.raw);
        } else {
          report(part.offset, 'CONFIG_ENV_MISSING', `environment variable ${part.name} is not set; set it, or give a default: \${env:${part.name}:-value}`);
          out += part.raw;
        }
      } else {
        const file = absolute(part.path);
        const read = reads.get(file) ?? { error: Object.assign(new Error('not read'), { code: 'EIO' }) };
        if ('text' in read && (read.text !== '' || part.fallback === undefined)) {
          out += read.text;
          if (read.text.length >= MIN_SECRET_LENGTH) secrets.push(read.text);
        } else if (part.fallback !== undefined && ('text' in read || ABSENT_FILE_CODES.has(read.error.code ?? ''))) {
          out += part.fallback;
        } else if (keepMissing) {
          out += keep(part.raw);
        } else if ('error' in read) {
          report(part.offset, 'CONFIG_SECRET_FILE', fileProblem(part.path, file, read.error));
          out += part.raw;
        }
      }
    }
    node.value = out;
  }
  return { problems, secrets, unresolved };
}

/** Names the file as written, and where it resolved to when that differs. */
function fileProblem(written: string, file: string, error: NodeJS.ErrnoException): string {
  const name = written === file ? `"${file}"` : `"${written}" (${file})`;
  switch (error.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `secret file ${name} does not exist; mount the secret there, fix the path (relative paths start at the connector file's directory), or give a default: \${file:${written}:-value}`;
    case 'EACCES':
    case 'EPERM':
      return `secret file ${name} is not readable by hms-sync (${error.code}); fix its permissions or ownership`;
    case 'EISDIR':
      return `secret file ${name} is a directory; name the file inside it, e.g. \${file:${written.replace(/\/+$/, '')}/token}`;
    default:
      return `cannot read secret file ${name} (${error.code ?? error.message}); check the path and the mount`;
  }
}
