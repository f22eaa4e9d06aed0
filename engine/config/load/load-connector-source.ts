/**
 * One connector file's bytes → a CompiledConnector or its Problems. The only I/O is through
 * `readFile`, for the files the connector names (`${file:...}`, `tls`):
 *   parse YAML → interpolate ${env:...} and ${file:...} → validate against the schema and compile
 *   JSONata (both always run, so their problems come together) → when the schema passed, read the
 *   TLS files and build the frozen connector (which adds its own checks) → the connector only
 *   when no step found a problem.
 * A YAML syntax error stops after parsing: a half-parsed document would only add noise.
 * Options for validate, test, preview and diff: `envOptional` keeps unset variables and unreadable
 * files as their reference text (see unresolved-env.ts) and skips unreadable TLS files;
 * `reportLiteralSecrets` adds the literal-secret lint, run on the values as written, before
 * interpolation.
 */
import { dirname } from 'node:path';
import { isMap, isSeq, visit, type Document } from 'yaml';
import type { CompiledConnector, Problem } from '../compiled.js';
import { buildConnector } from '../compile/build-connector.js';
import { compileExpressions } from '../compile/compile-expressions.js';
import { connectorRevision } from './connector-revision.js';
import type { ConnectorValidator } from '../schema/connector-validator.js';
import { formatDataPath } from '../problems/data-path.js';
import { interpolate } from '../interpolate/interpolate.js';
import { literalSecretProblems } from '../interpolate/literal-secrets.js';
import { toProblem, type LocatedProblem } from '../problems/located-problem.js';
import { readTls } from '../compile/read-tls.js';
import { schemaProblems } from '../problems/schema-problems.js';
import { waiveUnresolvedPatterns } from '../interpolate/unresolved-env.js';
import { encodingProblem } from './text-encoding.js';
import { parseYamlFile, type Position, type YamlLocator } from '../problems/yaml-locator.js';
import { yamlSyntaxProblems } from '../problems/yaml-syntax-problems.js';

/** Most alias expansions a file may make; more means an alias bomb, not a connector. */
const MAX_ALIAS_COUNT = 100;

export interface SourceLoad {
  /** The connector's `name` and where it is written, when it is a string; set even when the file has problems, so duplicates across files are still found. */
  readonly name?: { readonly value: string; readonly position: Position };
  readonly connector?: CompiledConnector;
  /** Sorted by line and column. */
  readonly problems: readonly Problem[];
}

export interface SourceInput {
  /** Path as the caller gave it; copied into Problems and CompiledConnector.file. */
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file the connector names (`${file:...}`, `tls.*`), given its absolute path. */
  readonly readFile: (path: string) => Promise<Uint8Array>;
  readonly validate: ConnectorValidator;
  /**
   * An unset variable without a default, or an unreadable `${file:...}`, is kept as its text
   * instead of being a problem; an unreadable TLS file is skipped.
   */
  readonly envOptional?: boolean;
  /** Also report values that look like literal credentials (CONFIG_LITERAL_SECRET). */
  readonly reportLiteralSecrets?: boolean;
}

/**
 * The largest connector file read. A connector with hundreds of routes and long mappings is tens
 * of kilobytes; parsing YAML takes some 150 times its size in memory, so a data dump saved into
 * the connectors directory by mistake could take the running engine down at its next reload.
 */
export const MAX_CONNECTOR_FILE_BYTES = 1024 * 1024;

export async function loadConnectorSource(input: SourceInput): Promise<SourceLoad> {
  const { file } = input;
  if (input.bytes.length > MAX_CONNECTOR_FILE_BYTES) {
    const size = (input.bytes.length / 1024 ** 2).toFixed(1);
    return done([{ file, line: 0, column: 0, code: 'CONFIG_READ', message: `the file is ${size} MiB; a connector file may be at most 1 MiB: is it really a connector? Move other files out of the connectors directory` }]);
  }
  const encoding = encodingProblem(input.bytes);
  if (encoding) return done([toProblem(file, { ...encoding, code: 'CONFIG_YAML_SYNTAX' })]);
  const { source, doc, locator } = parseYamlFile(input.bytes);

  if (doc.errors.length > 0) return done(yamlSyntaxProblems(file, source, doc, locator));
  if (doc.contents === null) {
    const message = 'the file is empty; a connector needs at least name, target.url and routes (see docs/connectors.md)';
    return done([{ file, line: 0, column: 0, code: 'CONFIG_SCHEMA', message }]);
  }
  if (!isMap(doc.contents)) {
    const kind = isSeq(doc.contents) ? 'a list' : 'a single value';
    const message = `the file must be a mapping with name, target and routes, not ${kind}`;
    return done([toProblem(file, { position: locator.value([]), code: 'CONFIG_SCHEMA', message })]);
  }

  const literalSecrets = input.reportLiteralSecrets === true ? literalSecretProblems(doc, locator) : [];
  const baseDir = dirname(file);
  const keepMissing = input.envOptional === true;
  // Inline tests are fixtures for `hms-sync test` only: a reference there never refuses the file.
  const interpolation = await interpolate(doc, { env: input.env, readFile: input.readFile, baseDir }, locator, { keepMissing, keepMissingIn: 'tests' });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    // toJS throws only when aliases expand past MAX_ALIAS_COUNT (a "billion laughs" document).
    const message = `invalid YAML: its aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies, which could exhaust memory; write the values out instead of nesting aliases`;
    return done([{ file, ...firstAlias(doc, locator), code: 'CONFIG_YAML_SYNTAX', message }]);
  }
  const name = nameOf(value, locator);
  const envPaths = new Set(interpolation.problems.map((p) => formatDataPath(p.path)));
  const unresolved = new Set(interpolation.unresolved.map(formatDataPath));
  const validation = waiveUnresolvedPatterns(input.validate(value), value, unresolved);
  const expressions = compileExpressions(value, { locator, secrets: interpolation.secrets, unresolved });
  const found: LocatedProblem[] = [...literalSecrets, ...interpolation.problems, ...expressions.problems];
  if (!validation.ok) {
    for (const problem of schemaProblems(validation.errors, value, locator, interpolation.secrets)) {
      // An unresolved ${env:...} makes its value fail the schema too; report the cause only.
      if (!envPaths.has(formatDataPath(problem.path))) found.push({ ...problem, code: 'CONFIG_SCHEMA' });
    }
  }
  if (!validation.ok && found.length === 0) {
    // Never refuse a file without saying why, even if an ajv error had no mapping above.
    found.push({ path: [], position: locator.value([]), code: 'CONFIG_SCHEMA', message: 'does not match schemas/connector.schema.json; check it in an editor with schema support' });
  }
  if (!validation.ok) return done(found.map((p) => toProblem(file, p)), name);

  const revision = connectorRevision(input.bytes, doc);
  const tls = validation.value.tls === undefined
    ? undefined
    : await readTls({ tls: validation.value.tls, baseDir, readFile: input.readFile, locator, unresolved, keepMissing });
  found.push(...(tls?.problems ?? []));
  const built = buildConnector({
    file,
    revision,
    value: validation.value,
    expressions,
    interpolatedSecrets: interpolation.secrets,
    locator,
    unresolvedEnv: unresolved,
    ...(tls && { tls: tls.tls }),
  });
  found.push(...built.problems);
  if (found.length > 0 || built.connector === undefined) return done(found.map((p) => toProblem(file, p)), name);
  return { ...(name && { name }), connector: built.connector, problems: [] };
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

function done(problems: Problem[], name?: SourceLoad['name']): SourceLoad {
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ...(name && { name }), problems };
}

function nameOf(value: unknown, locator: YamlLocator): SourceLoad['name'] {
  const name = (value as { name?: unknown }).name;
  return typeof name === 'string' ? { value: name, position: locator.key(['name']) } : undefined;
}
