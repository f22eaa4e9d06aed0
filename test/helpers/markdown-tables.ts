/**
 * The tables of a Markdown document, read as GitHub Flavored Markdown does: a header row, a
 * delimiter row (`|---|:--:|`), then body rows up to a blank line; cells split at every `|` not
 * escaped as `\|` (code spans included). Tables inside fenced code blocks are not tables.
 */

export interface MarkdownTable {
  /** The text of the nearest heading above the table (`Routes` for `### Routes`), '' when none. */
  readonly heading: string;
  readonly columns: readonly string[];
  readonly rows: readonly MarkdownRow[];
}

export interface MarkdownRow {
  /** 1-based line number in the document, for messages. */
  readonly line: number;
  /** Cell text by column name, trimmed; '' for a missing cell. */
  readonly cells: Readonly<Record<string, string>>;
}

const DELIMITER_ROW = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const HEADING = /^ {0,3}#{1,6}\s+(.*?)(\s+#+)?\s*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export function markdownTables(text: string): MarkdownTable[] {
  const lines = text.split(/\r?\n/);
  const tables: MarkdownTable[] = [];
  let heading = '';
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const opens = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      if (opens !== undefined && opens[0] === fence[0] && opens.length >= fence.length) fence = undefined;
      continue;
    }
    if (opens !== undefined) {
      fence = opens;
      continue;
    }
    const title = HEADING.exec(line)?.[1];
    if (title !== undefined) {
      heading = title;
      continue;
    }
    const next = lines[i + 1];
    if (!line.includes('|') || next === undefined || !DELIMITER_ROW.test(next)) continue;
    const columns = cellsOf(line);
    if (cellsOf(next).length !== columns.length) continue;
    const rows: MarkdownRow[] = [];
    for (i += 2; i < lines.length && (lines[i] as string).trim() !== '' && (lines[i] as string).includes('|'); i++) {
      const cells = cellsOf(lines[i] as string);
      rows.push({ line: i + 1, cells: Object.fromEntries(columns.map((column, index) => [column, cells[index] ?? ''])) });
    }
    i--;
    tables.push({ heading, columns, rows });
  }
  return tables;
}

function cellsOf(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** The code span a cell starts with (`` `15s` (per request) `` → `15s`), else undefined. */
export function leadingCodeSpan(cell: string): string | undefined {
  const fence = /^`+/.exec(cell)?.[0];
  if (fence === undefined) return undefined;
  const end = cell.indexOf(fence, fence.length);
  if (end === -1) return undefined;
  const content = cell.slice(fence.length, end);
  // CommonMark: one space on each side is stripped when both are there (so `` `a` `` can hold a backtick).
  return /^ .* $/.test(content) && content.trim() !== '' ? content.slice(1, -1) : content;
}
