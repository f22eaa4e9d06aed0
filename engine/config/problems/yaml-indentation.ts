/**
 * A key indented one space too far or too short makes the yaml parser report two or three errors
 * about "compact mappings", "implicit keys" or a "sequence item without - indicator", often at the
 * line above the mistake. This finds the key that is out of line and says so in one problem.
 */
import type { YAMLError } from 'yaml';

/** yaml's error codes that a misindented key produces. */
const INDENTATION_CODES: ReadonlySet<string> = new Set(['BAD_INDENT', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'MISSING_CHAR']);
/** How many lines after the first error the misindented key may be (yaml reports at the key before it). */
const LINES_AFTER_ERROR = 2;

/** A line that starts a `key:` (possibly after `- `), with its column. */
const KEY_LINE = /^( *)(- +)?([^\s#'"{[\]}:,-][^:#]*?|"[^"]*"|'[^']*'):( |$)/;

export interface IndentationMistake {
  /** 1-based line and column of the key that is out of line. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The misindented key behind `errors`, or undefined when they are not about indentation (or no key stands out). */
/** `lineOf` gives the 1-based line of an offset into `text`. */
export function indentationMistake(text: string, errors: readonly YAMLError[], lineOf: (offset: number) => number): IndentationMistake | undefined {
  const first = errors[0];
  if (first === undefined || !errors.every((error) => INDENTATION_CODES.has(error.code))) return undefined;
  if (first.code === 'MISSING_CHAR' && !/without - indicator/.test(first.message)) return undefined;
  const errorLine = lineOf(first.pos[0]);
  const lines = text.split(/\r?\n/);
  const keyColumns = new Set<number>();
  let previous: { key: string; line: number; column: number } | undefined;
  let blockScalarIndent: number | undefined;
  for (const [index, content] of lines.entries()) {
    const lineNumber = index + 1;
    const indent = content.length - content.trimStart().length;
    if (content.trim() === '') continue;
    if (blockScalarIndent !== undefined && indent > blockScalarIndent) continue;
    blockScalarIndent = undefined;
    if (content.trimStart().startsWith('#')) continue;
    const key = KEY_LINE.exec(content);
    if (key === null) continue;
    const column = key[1]!.length + (key[2]?.length ?? 0);
    if (lineNumber >= errorLine && lineNumber <= errorLine + LINES_AFTER_ERROR && !keyColumns.has(column) && previous !== undefined) {
      const like = `\`${previous.key}:\` at line ${previous.line} (column ${previous.column + 1})`;
      return { line: lineNumber, column: column + 1, message: `invalid YAML: check the indentation of \`${key[3]}:\` at line ${lineNumber}: it starts at column ${column + 1}, and the keys of one block must start in the same column, like ${like}` };
    }
    if (key[2] !== undefined) keyColumns.add(key[1]!.length);
    keyColumns.add(column);
    previous = { key: key[3]!, line: lineNumber, column };
    if (/:\s*[|>][-+0-9]*\s*(#.*)?$/.test(content)) blockScalarIndent = column;
  }
  return undefined;
}
