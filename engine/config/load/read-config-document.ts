/**
 * The first half of loading any config file (a connector, a source): bytes → a parsed YAML
 * document with its locator and its value as plain data, `${env:...}` and `${file:...}` resolved.
 *   size limit → UTF-8 → YAML syntax → a mapping → the literal-secret lint (when asked, on the
 *   values as written) → interpolation → plain data (aliases bounded).
 * A problem before interpolation stops the load (a half-parsed document would only add noise);
 * the lint's and interpolation's problems are returned beside the document for the caller to
 * report with its own.
 */
import { dirname } from 'node:path';
import { isMap, isSeq, visit, type Document } from 'yaml';
import type { Problem } from '../compiled.js';
import { interpolate, type Interpolation } from '../interpolate/interpolate.js';
import { toProblem, type LocatedProblem } from '../problems/located-problem.js';
import { parseYamlFile, type Position, type YamlLocator } from '../problems/yaml-locator.js';
import { yamlSyntaxProblems } from '../problems/yaml-syntax-problems.js';
import { encodingProblem } from './text-encoding.js';

/**
 * The largest config file read. A connector with hundreds of routes and long mappings is tens of
 * kilobytes; parsing YAML takes some 150 times its size in memory, so a data dump saved into a
 * config directory by mistake could take the running engine down at its next reload.
 */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** Most alias expansions a file may make; more means an alias bomb, not a config file. */
const MAX_ALIAS_COUNT = 100;

/** What kind of file is read, for messages. */
export interface ConfigKind {
  /** `connector`, `source`. */
  readonly noun: string;
  /** The top-level fields it must have, e.g. `name, target and routes`. */
  readonly fields: string;
  /** Where its format is documented, e.g. `docs/connectors.md`. */
  readonly docs: string;
}

export interface DocumentInput {
  /** Path as the caller gave it; copied into Problems. */
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file the document names (`${file:...}`), given its absolute path. */
  readonly readFile: (path: string) => Promise<Uint8Array>;
  /** Keep unset variables and unreadable files as their reference text (see interpolate.ts). */
  readonly envOptional?: boolean;
  /** Keep them as text under this top-level key only (a connector's `tests:`). */
  readonly keepMissingIn?: string;
  /** The literal-secret lint to run on the values as written; none unless given. */
  readonly literalSecrets?: (doc: Document, locator: YamlLocator) => LocatedProblem[];
}

export interface ConfigDocument {
  readonly doc: Document;
  readonly locator: YamlLocator;
  /** The document as plain data, references resolved. */
  readonly value: unknown;
  readonly interpolation: Interpolation;
  /** The literal-secret lint's and interpolation's problems. */
  readonly problems: readonly LocatedProblem[];
}

/** The document, or the problems that stop its load (sorted by line and column). */
export async function readConfigDocument(input: DocumentInput, kind: ConfigKind): Promise<ConfigDocument | { readonly problems: readonly Problem[] }> {
  const { file } = input;
  if (input.bytes.length > MAX_CONFIG_FILE_BYTES) {
    const size = (input.bytes.length / 1024 ** 2).toFixed(1);
    return stop([{ file, line: 0, column: 0, code: 'CONFIG_READ', message: `the file is ${size} MiB; a ${kind.noun} file may be at most 1 MiB: is it really a ${kind.noun}? Move other files out of the ${kind.noun}s directory` }]);
  }
  const encoding = encodingProblem(input.bytes);
  if (encoding) return stop([toProblem(file, { ...encoding, code: 'CONFIG_YAML_SYNTAX' })]);
  const { source, doc, locator } = parseYamlFile(input.bytes);

  if (doc.errors.length > 0) return stop(yamlSyntaxProblems(file, source, doc, locator));
  if (doc.contents === null) {
    const message = `the file is empty; a ${kind.noun} needs at least ${kind.fields} (see ${kind.docs})`;
    return stop([{ file, line: 0, column: 0, code: 'CONFIG_SCHEMA', message }]);
  }
  if (!isMap(doc.contents)) {
    const shape = isSeq(doc.contents) ? 'a list' : 'a single value';
    const message = `the file must be a mapping with ${kind.fields}, not ${shape}`;
    return stop([toProblem(file, { position: locator.value([]), code: 'CONFIG_SCHEMA', message })]);
  }

  const literalSecrets = input.literalSecrets?.(doc, locator) ?? [];
  const keepMissing = input.envOptional === true;
  const sources = { env: input.env, readFile: input.readFile, baseDir: dirname(file) };
  const interpolation = await interpolate(doc, sources, locator, { keepMissing, ...(input.keepMissingIn !== undefined && { keepMissingIn: input.keepMissingIn }) });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    // toJS throws only when aliases expand past MAX_ALIAS_COUNT (a "billion laughs" document).
    const message = `invalid YAML: its aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies, which could exhaust memory; write the values out instead of nesting aliases`;
    return stop([{ file, ...firstAlias(doc, locator), code: 'CONFIG_YAML_SYNTAX', message }]);
  }
  return { doc, locator, value, interpolation, problems: [...literalSecrets, ...interpolation.problems] };
}

/** Sorts problems of one file by line and column, in place, and returns them. */
export function sortByPosition<P extends Pick<Problem, 'line' | 'column'>>(problems: P[]): P[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The top-level `name` and where it is written, when it is a string. */
export function nameOf(value: unknown, locator: YamlLocator): { readonly value: string; readonly position: Position } | undefined {
  const name = (value as { name?: unknown }).name;
  return typeof name === 'string' ? { value: name, position: locator.key(['name']) } : undefined;
}

function stop(problems: Problem[]): { readonly problems: readonly Problem[] } {
  return { problems: sortByPosition(problems) };
}

/** Where the document's first alias is (a file whose aliases expand too far has one). */
function firstAlias(doc: Document, locator: YamlLocator): Position {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset === undefined ? { line: 0, column: 0 } : locator.at(offset);
}
