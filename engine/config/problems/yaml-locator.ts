/**
 * Finds where a value of a parsed connector file sits in the file, as 1-based line and column,
 * so every Problem can point at the offending key or value.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Scalar } from 'yaml';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A path into the document: mapping keys and sequence indexes, e.g. ['routes', 0, 'map']. */
export type DataPath = readonly (string | number)[];

export interface YamlLocator {
  /** The key of the entry at `path` when it is a mapping entry, otherwise the value. */
  key(path: DataPath): Position;
  /** The value at `path`; an empty value (`target:`) points at its key. */
  value(path: DataPath): Position;
  /** The start of the mapping or sequence at `path` (its first entry for block collections). */
  collection(path: DataPath): Position;
  /** The character at `offset` inside the string value at `path` (best effort, see offsetInScalar). */
  inString(path: DataPath, offset: number): Position;
  /** The position of a source offset. */
  at(offset: number): Position;
}

interface Located {
  readonly key?: Node;
  readonly value?: Node;
}

/** Parses a file's bytes (UTF-8) keeping line positions, with a locator over the result. */
export function parseYamlFile(bytes: Uint8Array): { readonly source: string; readonly doc: Document; readonly locator: YamlLocator } {
  const source = new TextDecoder('utf-8').decode(bytes);
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  return { source, doc, locator: createYamlLocator(doc, source, lineCounter) };
}

export function createYamlLocator(doc: Document, source: string, lineCounter: LineCounter): YamlLocator {
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const start = (node: Node | undefined): number | undefined => node?.range?.[0];
  const fallback = (): Position => at(start(doc.contents as Node | undefined) ?? 0);

  const locate = (path: DataPath): Located => {
    let located: Located = { value: (doc.contents as Node | null) ?? undefined };
    for (const segment of path) {
      const node = resolve(doc, located.value);
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair === undefined) return located;
        located = { key: pair.key as Node, value: (pair.value as Node | null) ?? undefined };
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (item === undefined) return located;
        located = { value: item };
      } else {
        return located;
      }
    }
    return located;
  };

  const valueOffset = (found: Located): number | undefined => {
    const { key, value } = found;
    const empty = isScalar(value) && value.value === null && value.source === '';
    return (empty ? undefined : start(value)) ?? start(key);
  };

  const value = (path: DataPath): Position => {
    const offset = valueOffset(locate(path));
    return offset === undefined ? fallback() : at(offset);
  };

  return {
    at,
    value,
    key(path) {
      const found = locate(path);
      const offset = start(found.key) ?? valueOffset(found);
      return offset === undefined ? fallback() : at(offset);
    },
    collection(path) {
      const found = locate(path);
      const node = resolve(doc, found.value);
      const offset = isMap(node) || isSeq(node) ? start(node) : valueOffset(found);
      return offset === undefined ? fallback() : at(offset);
    },
    inString(path, offset) {
      const found = locate(path);
      const node = found.value;
      if (!isScalar(node) || node.range === undefined || node.range === null) return value(path);
      return at(offsetInScalar(node, source, offset));
    },
  };
}

function resolve(doc: Document, node: Node | undefined): Node | undefined {
  return isAlias(node) ? (node.resolve(doc) as Node | undefined) : node;
}

/**
 * Maps an offset inside a scalar's value to an offset in the source. Exact for single-line plain
 * and quoted scalars without escapes and for literal block scalars (`|`); close for folded ones
 * (`>`); the scalar's start for multi-line flow scalars.
 */
export function offsetInScalar(node: Scalar, source: string, valueOffset: number): number {
  const [begin, end] = node.range as [number, number, number];
  const raw = source.slice(begin, end);
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    return offsetInBlock(source, begin, end, valueOffset, node.type === 'BLOCK_FOLDED');
  }
  if (raw.includes('\n')) return begin;
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
  return Math.min(begin + quoted + valueOffset, Math.max(begin, end - 1));
}

function offsetInBlock(source: string, begin: number, end: number, valueOffset: number, folded: boolean): number {
  const headerEnd = source.indexOf('\n', begin);
  if (headerEnd === -1 || headerEnd >= end) return begin;
  const lines: { start: number; text: string }[] = [];
  let lineStart = headerEnd + 1;
  while (lineStart < end) {
    const newline = source.indexOf('\n', lineStart);
    const lineEnd = newline === -1 || newline > end ? end : newline;
    lines.push({ start: lineStart, text: source.slice(lineStart, lineEnd) });
    lineStart = lineEnd + 1;
  }
  const firstContent = lines.find((line) => line.text.trim() !== '');
  const indent = firstContent === undefined ? 0 : firstContent.text.length - firstContent.text.trimStart().length;
  // Walk the content lines, counting the value characters each contributes: its text past the
  // indentation plus the line break (a blank line in a folded block replaces the break before it).
  let consumed = 0;
  for (const line of lines) {
    if (line.text.trim() === '') {
      consumed += folded ? 0 : 1;
      continue;
    }
    const length = line.text.length - indent;
    if (valueOffset <= consumed + length) return line.start + indent + Math.max(0, valueOffset - consumed);
    consumed += length + 1;
  }
  return begin;
}
