/**
 * A lint for `validate`: a header value written into the file as a literal credential
 * (`Authorization: Bearer abc123...`) instead of `${env:NAME}`. Connector files are committed and
 * reviewed, so a secret in one is leaked. Runs on the values as written, before interpolation: any
 * `${env:...}` or `${file:...}` reference, with or without a default, makes a value acceptable.
 */
import { isMap, isScalar, type Document } from 'yaml';
import { at } from './data-path.js';
import type { LocatedProblem } from './located-problem.js';
import type { YamlLocator } from './yaml-locator.js';

/** Shortest literal value that counts as a credential (shorter ones are placeholders like "none"). */
export const LITERAL_SECRET_MIN_LENGTH = 8;

const REFERENCE = /\$\{(env|file):/;
const BEARER = new RegExp(`^bearer\\s+\\S{${LITERAL_SECRET_MIN_LENGTH},}`, 'i');
const BASIC = /^basic\s+[A-Za-z0-9+/]{4,}={0,2}\s*$/i;
/** Header names that carry credentials whatever their value looks like. */
const CREDENTIAL_HEADER = /authorization|api[-_]?key|token|secret|key|password/i;

/** True when `value`, as written in the file for header `name`, looks like a literal credential. */
export function looksLikeLiteralSecret(name: string, value: string): boolean {
  if (REFERENCE.test(value)) return false;
  const text = value.trim();
  if (BEARER.test(text) || BASIC.test(text)) return true;
  return CREDENTIAL_HEADER.test(name) && text.length >= LITERAL_SECRET_MIN_LENGTH;
}

/** CONFIG_LITERAL_SECRET for each such `target.headers` value; never quotes the value. */
export function literalSecretProblems(doc: Document, locator: YamlLocator): LocatedProblem[] {
  const headers = doc.getIn(['target', 'headers'], true);
  if (!isMap(headers)) return [];
  const connector = doc.get('name');
  const problems: LocatedProblem[] = [];
  for (const pair of headers.items) {
    if (!isScalar(pair.key) || !isScalar(pair.value) || typeof pair.value.value !== 'string') continue;
    const name = String(pair.key.value);
    if (!looksLikeLiteralSecret(name, pair.value.value)) continue;
    const path = ['target', 'headers', name];
    const fix = `${name}: ${schemeOf(pair.value.value)}\${env:${envNameFor(typeof connector === 'string' ? connector : '', name)}}`;
    problems.push({
      path,
      position: locator.value(path),
      code: 'CONFIG_LITERAL_SECRET',
      message: at(path, `looks like a literal credential; connector files are committed, so move it to an environment variable: ${fix}`),
    });
  }
  return problems;
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
