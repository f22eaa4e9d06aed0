/**
 * Route paths such as `/api/slots/{id}`: literal text and `{expression}` placeholders. Inside a
 * placeholder, braces are counted and JSONata string literals ('...', "...") and backquoted names
 * are skipped, so `{ $string(id) }`, `{ {"a": id}.a }` and `{ "}" & id }` are single placeholders.
 */

export type PathSegment =
  | { readonly kind: 'literal'; readonly text: string }
  /** `offset` is where `source` starts inside the path text (just past the `{`). */
  | { readonly kind: 'expression'; readonly source: string; readonly offset: number };

export type PathSplit =
  | { readonly ok: true; readonly segments: readonly PathSegment[] }
  /** `offset` is the offending character inside the path text. */
  | { readonly ok: false; readonly offset: number; readonly message: string };

export function splitPathTemplate(path: string): PathSplit {
  const segments: PathSegment[] = [];
  let literalStart = 0;
  let i = 0;
  while (i < path.length) {
    const char = path[i];
    if (char === '}') {
      return { ok: false, offset: i, message: 'a "}" with no "{" before it; placeholders are written {expression}' };
    }
    if (char !== '{') {
      i++;
      continue;
    }
    const end = findClosingBrace(path, i);
    if (end === undefined) {
      return { ok: false, offset: i, message: 'this "{" is never closed; write placeholders as {expression}, e.g. {id}' };
    }
    const source = path.slice(i + 1, end);
    if (source.trim() === '') {
      return { ok: false, offset: i, message: 'empty placeholder "{}"; put a JSONata expression inside, e.g. {id}' };
    }
    if (i > literalStart) segments.push({ kind: 'literal', text: path.slice(literalStart, i) });
    segments.push({ kind: 'expression', source, offset: i + 1 });
    i = end + 1;
    literalStart = i;
  }
  if (literalStart < path.length) segments.push({ kind: 'literal', text: path.slice(literalStart) });
  return { ok: true, segments };
}

/** Index of the `}` that closes the `{` at `open`, or undefined when it is never closed. */
function findClosingBrace(text: string, open: number): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (quote !== undefined) {
      if (char === '\\' && quote !== '`') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'" || char === '`') {
      quote = char;
    } else if (char === '{') {
      depth++;
    } else if (char === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return undefined;
}
