/**
 * The reference syntax of string values, split into parts with no I/O:
 *   `${env:NAME}`, `${env:NAME:-default}`   an environment variable
 *   `${file:PATH}`, `${file:PATH:-default}` a file's text (secrets mounted at /run/secrets)
 *   `$${`                                   a literal `${`
 * Any other `${` is malformed. A default runs to the first `}`; a file path runs to the first `:-`
 * or `}`, so a path cannot hold `}` or `:-`.
 */

export type ReferencePart =
  | { readonly kind: 'text'; readonly text: string }
  /** `offset` is where the reference's `$` is in the value; `raw` is the reference as written. */
  | { readonly kind: 'env'; readonly name: string; readonly fallback?: string; readonly offset: number; readonly raw: string }
  | { readonly kind: 'file'; readonly path: string; readonly fallback?: string; readonly offset: number; readonly raw: string }
  | { readonly kind: 'malformed'; readonly offset: number };

const ENV_SOURCE = String.raw`\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`;
const FILE_SOURCE = String.raw`\$\{file:([^}]+?)(?::-([^}]*))?\}`;

/** Adjacent text is merged; a malformed `${` is followed by its text `${` as a text part. */
export function splitReferences(value: string): ReferencePart[] {
  // Sticky, so they hold lastIndex: made per call, never shared.
  const env = new RegExp(ENV_SOURCE, 'y');
  const file = new RegExp(FILE_SOURCE, 'y');
  const parts: ReferencePart[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < value.length) {
    const dollar = value.indexOf('$', i);
    if (dollar === -1) break;
    text += value.slice(i, dollar);
    if (value.startsWith('$${', dollar)) {
      text += '${';
      i = dollar + 3;
      continue;
    }
    if (!value.startsWith('${', dollar)) {
      text += '$';
      i = dollar + 1;
      continue;
    }
    env.lastIndex = dollar;
    file.lastIndex = dollar;
    const envMatch = env.exec(value);
    const fileMatch = envMatch === null ? file.exec(value) : null;
    const match = envMatch ?? fileMatch;
    const target = match?.[1];
    if (match === null || target === undefined) {
      flush();
      parts.push({ kind: 'malformed', offset: dollar });
      text = '${';
      i = dollar + 2;
      continue;
    }
    flush();
    const fallback = match[2] === undefined ? {} : { fallback: match[2] };
    parts.push(envMatch !== null
      ? { kind: 'env', name: target, ...fallback, offset: dollar, raw: match[0] }
      : { kind: 'file', path: target, ...fallback, offset: dollar, raw: match[0] });
    i = dollar + match[0].length;
  }
  text += value.slice(i);
  flush();
  return parts;
}

