/**
 * A line diff (longest common subsequence) for showing how two pretty-printed JSON values differ:
 * unchanged lines for context, `-` lines only in the first, `+` lines only in the second.
 */

/** Past this many cells (lines × lines) the diff gives up aligning and shows both sides whole. */
export const MAX_DIFF_CELLS = 250_000;

export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  if (before.length * after.length > MAX_DIFF_CELLS) {
    return [...before.map((text) => ({ op: '-' as const, text })), ...after.map((text) => ({ op: '+' as const, text }))];
  }
  // common[i][j]: length of the longest common subsequence of before[i..] and after[j..].
  const common: number[][] = Array.from({ length: before.length + 1 }, () => new Array<number>(after.length + 1).fill(0));
  const cell = (i: number, j: number): number => common[i]?.[j] ?? 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const row = common[i] as number[];
    for (let j = after.length - 1; j >= 0; j--) {
      row[j] = before[i] === after[j] ? cell(i + 1, j + 1) + 1 : Math.max(cell(i + 1, j), cell(i, j + 1));
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    if (i < before.length && j < after.length && before[i] === after[j]) {
      lines.push({ op: ' ', text: before[i] as string });
      i++;
      j++;
    } else if (i < before.length && (j >= after.length || cell(i + 1, j) >= cell(i, j + 1))) {
      lines.push({ op: '-', text: before[i] as string });
      i++;
    } else {
      lines.push({ op: '+', text: after[j] as string });
      j++;
    }
  }
  return lines;
}
