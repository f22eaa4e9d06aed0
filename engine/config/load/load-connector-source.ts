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
import type { CompiledConnector, Problem } from '../compiled.js';
import { buildConnector } from '../compile/build-connector.js';
import { compileExpressions } from '../compile/compile-expressions.js';
import { connectorRevision } from './connector-revision.js';
import type { ConnectorValidator } from '../schema/connector-validator.js';
import { literalSecretProblems } from '../interpolate/literal-secrets.js';
import { toProblem, type LocatedProblem } from '../problems/located-problem.js';
import { readTls } from '../compile/read-tls.js';
import { checkSchema } from './check-schema.js';
import type { Position } from '../problems/yaml-locator.js';
import { nameOf, readConfigDocument, sortByPosition, type ConfigKind } from './read-config-document.js';

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

/** How connector files are named in messages. */
const CONNECTOR: ConfigKind = { noun: 'connector', fields: 'name, target and routes', docs: 'docs/connectors.md' };

export async function loadConnectorSource(input: SourceInput): Promise<SourceLoad> {
  const { file } = input;
  const read = await readConfigDocument({
    ...input,
    // Inline tests are fixtures for `hms-sync test` only: a reference there never refuses the file.
    keepMissingIn: 'tests',
    ...(input.reportLiteralSecrets === true && { literalSecrets: literalSecretProblems }),
  }, CONNECTOR);
  if (!('doc' in read)) return { problems: read.problems };
  const { doc, locator, value, interpolation } = read;
  const baseDir = dirname(file);
  const keepMissing = input.envOptional === true;
  const name = nameOf(value, locator);
  const schema = checkSchema(input.validate, read, value, 'schemas/connector.schema.json');
  const { validation, unresolved } = schema;
  const expressions = compileExpressions(value, { locator, secrets: interpolation.secrets, unresolved });
  const found: LocatedProblem[] = [...read.problems, ...expressions.problems, ...schema.problems];
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

function done(problems: Problem[], name?: SourceLoad['name']): SourceLoad {
  return { ...(name && { name }), problems: sortByPosition(problems) };
}
