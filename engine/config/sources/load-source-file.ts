/**
 * One source file's bytes → a CompiledSource or its Problems, through the same steps as a
 * connector file (read-config-document.ts, check-schema.ts): parse YAML → interpolate
 * ${env:...} and ${file:...} → validate against schemas/source.schema.json (filling in its
 * defaults) and compile the `event:` JSONata, both always, so their problems come together → when
 * the schema passed, read the TLS files and build the frozen source (which adds its own checks).
 * `envOptional` and `reportLiteralSecrets` mean what they mean for connectors (load-connector-source.ts).
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { Problem } from '../compiled.js';
import { readTls } from '../compile/read-tls.js';
import { checkSchema } from '../load/check-schema.js';
import type { FileLoad } from '../load/config-files.js';
import { nameOf, readConfigDocument, sortByPosition, type ConfigKind, type DocumentInput } from '../load/read-config-document.js';
import { toProblem, type LocatedProblem } from '../problems/located-problem.js';
import type { FieldKind } from '../problems/schema-problems.js';
import type { DataPath } from '../problems/yaml-locator.js';
import type { SourceFile } from '../schema/source-file.generated.js';
import type { SchemaValidator } from '../schema/schema-validator.js';
import { buildSource, compileEventMapping, SETTINGS_KEY } from './build-source.js';
import type { CompiledSource } from './compiled-source.js';
import { sourceLiteralSecretProblems } from './source-literal-secrets.js';

export type SourceValidator = SchemaValidator<SourceFile>;

export interface SourceFileInput extends Omit<DocumentInput, 'keepMissingIn' | 'literalSecrets'> {
  /** Validates with defaults filled in (createSourceValidator). */
  readonly validate: SourceValidator;
  /** Also report values that look like literal credentials (CONFIG_LITERAL_SECRET). */
  readonly reportLiteralSecrets?: boolean;
}

const SOURCE: ConfigKind = { noun: 'source', fields: 'name, type and its settings', docs: 'docs/sources.md' };

export async function loadSourceFile(input: SourceFileInput): Promise<FileLoad<CompiledSource>> {
  const { file } = input;
  const read = await readConfigDocument({ ...input, ...(input.reportLiteralSecrets === true && { literalSecrets: sourceLiteralSecretProblems }) }, SOURCE);
  if (!('doc' in read)) return { problems: read.problems };
  const { locator, value, interpolation } = read;
  const name = nameOf(value, locator);
  // Validation fills in defaults: keep the data as written to tell a written field from a default.
  const filled = structuredClone(value);
  const schema = checkSchema(input.validate, read, filled, 'schemas/source.schema.json', sourceFieldKind);
  const mapping = compileEventMapping(value, locator);
  const found: LocatedProblem[] = [...read.problems, ...mapping.problems, ...schema.problems];
  if (!schema.validation.ok || mapping.event === undefined) return done(file, found, name);

  const valid = schema.validation.value;
  const key = SETTINGS_KEY[valid.type];
  const tlsSettings = valid[key]?.tls;
  const tls = tlsSettings === undefined
    ? undefined
    : await readTls({ tls: tlsSettings, at: [key, 'tls'], baseDir: dirname(file), readFile: input.readFile, locator, unresolved: schema.unresolved, keepMissing: input.envOptional === true });
  found.push(...(tls?.problems ?? []));
  const built = buildSource({
    file,
    revision: createHash('sha256').update(input.bytes).digest('hex'),
    value: valid,
    written: value,
    event: mapping.event,
    interpolatedSecrets: interpolation.secrets,
    locator,
    unresolved: schema.unresolved,
    ...(tls && { tls: tls.tls }),
  });
  found.push(...built.problems);
  if (found.length > 0 || built.source === undefined) return done(file, found, name);
  return { ...(name && { name }), item: built.source, problems: [] };
}

/** What each field of a source file is, for schema messages; credentials are never shown. */
function sourceFieldKind(path: DataPath): FieldKind {
  const [first, second] = path;
  if (first === 'name' && path.length === 1) return 'sourceName';
  if (first === 'maxBody') return 'size';
  if (first === 'postgres-outbox' && second === 'pollInterval') return 'duration';
  if (first === 'nats' && (second === 'auth' || second === 'servers')) return 'credential';
  if ((first === 'amqp' || first === 'postgres-outbox') && second === 'url') return 'credential';
  return 'other';
}

function done(file: string, problems: readonly LocatedProblem[], name: FileLoad<CompiledSource>['name']): FileLoad<CompiledSource> {
  const located: Problem[] = problems.map((p) => toProblem(file, p));
  return { ...(name && { name }), problems: sortByPosition(located) };
}
