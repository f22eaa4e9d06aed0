/**
 * `tls.cert`, `tls.key` and `tls.ca` name PEM files; they are read when the connector (or source)
 * loads and the compiled object carries their text, so a request never touches the disk and a
 * reload picks up renewed certificates. Relative paths start at the directory of the file.
 * Only the PEM framing is checked here (Node parses the material when it builds the TLS context).
 */
import { isAbsolute, resolve } from 'node:path';
import type { CompiledTls } from '../compiled.js';
import type { ConnectorTls } from '../schema/connector-file.generated.js';
import { at, formatDataPath } from '../problems/data-path.js';
import type { LocatedProblem } from '../problems/located-problem.js';
import type { DataPath, YamlLocator } from '../problems/yaml-locator.js';

export interface TlsInput {
  readonly tls: ConnectorTls;
  /** Where `tls` is in the file; default `['tls']`. */
  readonly at?: DataPath;
  readonly baseDir: string;
  readonly readFile: (path: string) => Promise<Uint8Array>;
  readonly locator: YamlLocator;
  /** Formatted paths (`tls.key`, `nats.tls.key`) still holding a `${...}` reference: not read. */
  readonly unresolved: ReadonlySet<string>;
  /** An unreadable file is skipped rather than reported (env-optional loads, which run without secrets). */
  readonly keepMissing: boolean;
}

export interface TlsRead {
  readonly tls: CompiledTls;
  readonly problems: readonly LocatedProblem[];
}

/** The PEM block labels each field accepts. */
const LABELS: Readonly<Record<keyof CompiledTls, { readonly pattern: RegExp; readonly what: string }>> = {
  cert: { pattern: /^CERTIFICATE$/, what: 'a certificate (-----BEGIN CERTIFICATE-----)' },
  key: { pattern: /^(?:(?:RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY$/, what: 'a private key (-----BEGIN PRIVATE KEY-----)' },
  ca: { pattern: /^CERTIFICATE$/, what: 'one or more CA certificates (-----BEGIN CERTIFICATE-----)' },
};

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?\r?\n-----END \1-----/g;

export async function readTls(input: TlsInput): Promise<TlsRead> {
  const problems: LocatedProblem[] = [];
  const tls: { -readonly [K in keyof CompiledTls]: string } = {};
  const base = input.at ?? ['tls'];
  const fields = (['cert', 'key', 'ca'] as const).filter((field) => input.tls[field] !== undefined && !input.unresolved.has(formatDataPath([...base, field])));
  await Promise.all(fields.map(async (field) => {
    const written = input.tls[field] ?? '';
    const path: DataPath = [...base, field];
    const file = isAbsolute(written) ? written : resolve(input.baseDir, written);
    const report = (message: string): void => {
      problems.push({ path, position: input.locator.value(path), code: 'CONFIG_SECRET_FILE', message: at(path, message) });
    };
    let text: string;
    try {
      text = new TextDecoder('utf-8').decode(await input.readFile(file));
    } catch (error) {
      if (!input.keepMissing) report(readMessage(written, file, error as NodeJS.ErrnoException));
      return;
    }
    const problem = pemProblem(field, text);
    if (problem === undefined) tls[field] = text;
    else report(`${shown(written, file)} ${problem}`);
  }));
  return { tls, problems };
}

/** Why `text` is not usable as `field`, or undefined when it is. Never quotes the text. */
export function pemProblem(field: keyof CompiledTls, text: string): string | undefined {
  const labels = [...text.matchAll(BLOCK)].map((match) => match[1] ?? '');
  const { pattern, what } = LABELS[field];
  if (labels.length === 0) return `is not a PEM file; it must hold ${what}`;
  if (!labels.some((label) => pattern.test(label))) return `holds ${labels.join(', ')} but not ${what}`;
  if (field === 'key' && (labels.includes('ENCRYPTED PRIVATE KEY') || /Proc-Type:\s*4,ENCRYPTED/.test(text))) {
    return 'is an encrypted key, and hms-sync has no passphrase to open it; store it unencrypted on a secret mount (openssl pkey -in KEY -out KEY.plain)';
  }
  if (field === 'key' && labels.filter((label) => pattern.test(label)).length > 1) return 'holds more than one private key; keep only the client key';
  return undefined;
}

function shown(written: string, file: string): string {
  return written === file ? `"${file}"` : `"${written}" (${file})`;
}

function readMessage(written: string, file: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `${shown(written, file)} does not exist; fix the path (relative paths start at the directory of the file that names it) or mount the file there`;
    case 'EACCES':
    case 'EPERM':
      return `${shown(written, file)} is not readable by hms-sync (${error.code}); fix its permissions or ownership`;
    case 'EISDIR':
      return `${shown(written, file)} is a directory; name the PEM file inside it`;
    default:
      return `cannot read ${shown(written, file)} (${error.code ?? error.message}); check the path and the mount`;
  }
}
