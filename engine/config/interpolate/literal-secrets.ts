/**
 * A lint for `validate`: a credential written into the file as a literal (`Authorization: Bearer
 * abc123...`, `auth.token: abc123...`) instead of `${env:NAME}` or `${file:PATH}`. Connector files
 * are committed and reviewed, so a secret in one is leaked. Runs on the values as written, before
 * interpolation: any `${env:...}` or `${file:...}` reference, with or without a default, makes a
 * value acceptable. Checked: `target.headers` and route `headers` values (by the header heuristic
 * below; a route header value with a `{...}` placeholder is computed, not literal), every `auth`
 * credential field and every `signing.secrets` item (whatever they look like).
 */
import { isMap, isScalar, isSeq, type Document } from 'yaml';
import { at } from '../problems/data-path.js';
import type { LocatedProblem } from '../problems/located-problem.js';
import type { DataPath, YamlLocator } from '../problems/yaml-locator.js';

/** Shortest literal value that counts as a credential (shorter ones are placeholders like "none"). */
export const LITERAL_SECRET_MIN_LENGTH = 8;

const REFERENCE = /\$\{(env|file):/;
const BEARER = new RegExp(`^bearer\\s+\\S{${LITERAL_SECRET_MIN_LENGTH},}`, 'i');
const BASIC = /^basic\s+[A-Za-z0-9+/]{4,}={0,2}\s*$/i;
/** Header names that carry credentials whatever their value looks like. */
const CREDENTIAL_HEADER = /authorization|api[-_]?key|token|secret|key|password/i;
/** Fields of `auth` that hold a credential, and the word a suggested variable name ends in. */
const AUTH_CREDENTIALS: Readonly<Record<string, string>> = { token: 'TOKEN', password: 'PASSWORD', value: 'API_KEY', clientSecret: 'CLIENT_SECRET' };

/** True when `value`, as written in the file for header `name`, looks like a literal credential. */
export function looksLikeLiteralSecret(name: string, value: string): boolean {
  if (REFERENCE.test(value)) return false;
  const text = value.trim();
  if (BEARER.test(text) || BASIC.test(text)) return true;
  return CREDENTIAL_HEADER.test(name) && text.length >= LITERAL_SECRET_MIN_LENGTH;
}

/** CONFIG_LITERAL_SECRET for each such value; never quotes the value. */
export function literalSecretProblems(doc: Document, locator: YamlLocator): LocatedProblem[] {
  const connectorName = doc.get('name');
  const connector = typeof connectorName === 'string' ? connectorName : '';
  const problems: LocatedProblem[] = [];
  const report = (path: DataPath, fix: string): void => {
    problems.push({
      path,
      position: locator.value(path),
      code: 'CONFIG_LITERAL_SECRET',
      message: at(path, `looks like a literal credential; connector files are committed, so move it to an environment variable: ${fix}`),
    });
  };
  const checkHeaders = (base: DataPath, templates: boolean): void => {
    for (const [name, value] of stringEntries(doc.getIn(base, true))) {
      if (templates && /\{[^}]*\}/.test(value)) continue;
      if (looksLikeLiteralSecret(name, value)) report([...base, name], `${name}: ${schemeOf(value)}\${env:${envNameFor(connector, name)}}`);
    }
  };

  checkHeaders(['target', 'headers'], false);
  const routes = doc.get('routes', true);
  if (isSeq(routes)) routes.items.forEach((_, index) => checkHeaders(['routes', index, 'headers'], true));
  for (const [field, value] of stringEntries(doc.get('auth', true))) {
    const word = AUTH_CREDENTIALS[field];
    if (word !== undefined && isLiteralSecret(value)) report(['auth', field], `${field}: \${env:${envNameFor(connector, word)}}`);
  }
  const secrets = doc.getIn(['signing', 'secrets'], true);
  if (isSeq(secrets)) {
    secrets.items.forEach((item, index) => {
      if (isScalar(item) && typeof item.value === 'string' && isLiteralSecret(item.value)) {
        report(['signing', 'secrets', index], `- \${env:${envNameFor(connector, 'SIGNING_SECRET')}}`);
      }
    });
  }
  return problems;
}

/** A credential field's value written without a reference, long enough not to be a placeholder. */
export function isLiteralSecret(value: string): boolean {
  return !REFERENCE.test(value) && value.trim().length >= LITERAL_SECRET_MIN_LENGTH;
}

/** The string-valued entries of a mapping node, by key. */
export function stringEntries(node: unknown): [string, string][] {
  if (!isMap(node)) return [];
  return node.items.flatMap((pair) => (isScalar(pair.key) && isScalar(pair.value) && typeof pair.value.value === 'string' ? [[String(pair.key.value), pair.value.value] as [string, string]] : []));
}

/** `Bearer ` or `Basic ` when the value starts with that scheme, so the fix keeps it. */
function schemeOf(value: string): string {
  const scheme = /^(bearer|basic)\s/i.exec(value.trim())?.[1];
  return scheme === undefined ? '' : `${scheme} `;
}

/** A suggested variable name: `scheduling` + `Authorization` → SCHEDULING_TOKEN; + `X-Api-Key` → SCHEDULING_API_KEY. */
export function envNameFor(connector: string, header: string): string {
  const what = /^authorization$/i.test(header) ? 'TOKEN' : header.replace(/^x-/i, '');
  return [connector, what]
    .filter((part) => part !== '')
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
