/**
 * The engine's own settings file (`hms-sync.yaml`, schemas/engine.schema.json), read at start.
 * It is read like a connector file (YAML with line and column, `${env:}` and `${file:}`, the
 * schema's problems at file:line:col) and turned into HMS_SYNC_* variables: the caller lays the
 * real environment over them and the flags over both, so one parser (run-options.ts) reads every
 * setting, whichever of the three it came from. Relative paths are relative to the file.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isScalar, type Document } from 'yaml';
import type { Problem } from '../compiled.js';
import { checkSchema } from '../load/check-schema.js';
import { readConfigDocument, sortByPosition, type ConfigKind } from '../load/read-config-document.js';
import { isLiteralSecret } from '../interpolate/literal-secrets.js';
import { at } from '../problems/data-path.js';
import { toProblem, type LocatedProblem } from '../problems/located-problem.js';
import type { YamlLocator } from '../problems/yaml-locator.js';
import type { EngineFile } from '../schema/engine-file.generated.js';
import { createSchemaValidator } from '../schema/schema-validator.js';

/** The file read when neither --config nor HMS_SYNC_CONFIG names one, if it exists. */
export const DEFAULT_ENGINE_FILE = 'hms-sync.yaml';

/** Each setting of the file: its path in the file, the variable it stands for, and whether it is a
 * path (`store`: a store URL, whose `sqlite:PATH` is a path). */
const SETTINGS: readonly (readonly [path: readonly string[], env: string, isPath?: true | 'store'])[] = [
  [['connectors'], 'HMS_SYNC_CONNECTORS', true],
  [['sources'], 'HMS_SYNC_SOURCES', true],
  [['data'], 'HMS_SYNC_DATA', true],
  [['store', 'url'], 'HMS_SYNC_STORE', 'store'],
  [['store', 'schema'], 'HMS_SYNC_STORE_SCHEMA'],
  [['listen', 'host'], 'HMS_SYNC_HOST'],
  [['listen', 'port'], 'HMS_SYNC_PORT'],
  [['sweep'], 'HMS_SYNC_SWEEP'],
  [['lease'], 'HMS_SYNC_LEASE'],
  [['leaseRenew'], 'HMS_SYNC_LEASE_RENEW'],
  [['logLevel'], 'HMS_SYNC_LOG_LEVEL'],
  [['strict'], 'HMS_SYNC_STRICT'],
  [['bodyLimit'], 'HMS_SYNC_BODY_LIMIT'],
  [['maxConnections'], 'HMS_SYNC_MAX_CONNECTIONS'],
  [['maxInflightBodyBytes'], 'HMS_SYNC_MAX_INFLIGHT_BODY_BYTES'],
  [['retention', 'delivered'], 'HMS_SYNC_RETAIN_DELIVERED'],
  [['retention', 'events'], 'HMS_SYNC_RETAIN_EVENTS'],
  [['retention', 'dead'], 'HMS_SYNC_RETAIN_DEAD'],
  [['retention', 'maxStoreSize'], 'HMS_SYNC_MAX_STORE_SIZE'],
  [['tokens', 'api'], 'HMS_SYNC_API_TOKEN'],
  [['tokens', 'read'], 'HMS_SYNC_READ_TOKEN'],
  [['tokens', 'ingest'], 'HMS_SYNC_INGEST_TOKEN'],
  [['tokens', 'metrics'], 'HMS_SYNC_METRICS_TOKEN'],
];

const ENGINE: ConfigKind = { noun: 'engine settings', fields: 'at least one setting', docs: 'docs/operations.md' };

export interface EngineFileLoad {
  /** The settings as HMS_SYNC_* variables; empty when the file has problems. */
  readonly variables: Readonly<Record<string, string>>;
  readonly problems: readonly Problem[];
  /** The SHA-256 of the file's bytes, to tell later whether it changed since start. */
  readonly hash: string;
}

export interface EngineFileOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly envOptional?: boolean;
  /** Report tokens written as literals (validate). */
  readonly reportLiteralSecrets?: boolean;
}

export async function loadEngineFile(file: string, options: EngineFileOptions): Promise<EngineFileLoad> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return { variables: {}, hash: '', problems: [{ file, line: 0, column: 0, code: 'CONFIG_READ', message: `cannot read the engine settings file (${reason}); check --config or HMS_SYNC_CONFIG` }] };
  }
  const hash = engineFileHash(bytes);
  const read = await readConfigDocument(
    { file, bytes, env: options.env, readFile: (path) => readFile(path), ...(options.envOptional === true && { envOptional: true }), ...(options.reportLiteralSecrets === true && { literalSecrets: literalTokens }) },
    ENGINE,
  );
  if (!('doc' in read)) return { variables: {}, hash, problems: read.problems };
  const schema = checkSchema(await createSchemaValidator<EngineFile>('engine.schema.json'), read, read.value, 'schemas/engine.schema.json');
  const problems: LocatedProblem[] = [...read.problems, ...schema.problems];
  if (problems.length > 0) return { variables: {}, hash, problems: sortByPosition(problems.map((p) => toProblem(file, p))) };
  return { variables: variablesOf(read.value, dirname(resolve(file))), hash, problems: [] };
}

/** The SHA-256 of the file's bytes. */
export function engineFileHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function variablesOf(value: unknown, baseDir: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [path, env, isPath] of SETTINGS) {
    let node: unknown = value;
    for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
    if (node === undefined) continue;
    variables[env] = isPath === true ? resolve(baseDir, String(node)) : isPath === 'store' ? resolveStoreUrl(baseDir, String(node)) : String(node);
  }
  return variables;
}

/** A `sqlite:PATH` store URL with its path resolved against the file's directory; others as written. */
function resolveStoreUrl(baseDir: string, url: string): string {
  return url.startsWith('sqlite:') ? `sqlite:${resolve(baseDir, url.slice('sqlite:'.length))}` : url;
}

/** A token written into the file as a literal: the file is committed, the token must not be. */
function literalTokens(doc: Document, locator: YamlLocator): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  for (const [path, env] of SETTINGS.filter(([path]) => path[0] === 'tokens')) {
    const node = doc.getIn(path, true);
    const text = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
    if (text === undefined || !isLiteralSecret(text)) continue;
    problems.push({
      path: [...path],
      position: locator.value([...path]),
      code: 'CONFIG_LITERAL_SECRET',
      message: at([...path], `looks like a literal token; the settings file is committed, so write \${env:${env}} or \${file:/run/secrets/...} instead`),
    });
  }
  const url = doc.getIn(['store', 'url'], true);
  const text = isScalar(url) && typeof url.value === 'string' ? url.value : '';
  if (hasLiteralPassword(text)) {
    problems.push({
      path: ['store', 'url'],
      position: locator.value(['store', 'url']),
      code: 'CONFIG_LITERAL_SECRET',
      message: at(['store', 'url'], 'holds a literal password; the settings file is committed, so write the password as ${env:NAME} or ${file:/run/secrets/...}, or leave it out and set PGPASSWORD'),
    });
  }
  return problems;
}

/** A postgres:// URL whose password is written out, not interpolated (`${env:…}`, `${file:…}`). */
function hasLiteralPassword(url: string): boolean {
  const password = /^postgres(?:ql)?:\/\/[^/@]*?:([^/@]*)@/.exec(url)?.[1];
  return password !== undefined && password !== '' && !password.includes('${');
}
