/**
 * Line diffs from a longest common subsequence of lines: `diffLines` gives every line with its
 * operation (for `hms-sync test` mismatches), `unifiedDiff` the `@@ -a,b +c,d @@` hunks `diff -u`
 * and GitHub's ```diff blocks read (for `hms-sync diff`). Inputs are rendered requests, tens of
 * lines, so the quadratic table is cheap; past MAX_LCS_CELLS the middle is shown as replaced whole.
 */

/** Unchanged lines shown around each change. */
export const DIFF_CONTEXT_LINES = 3;
/** Largest LCS table (lines × lines) computed; a bigger middle is diffed as one replacement. */
const MAX_LCS_CELLS = 4_000_000;

export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}
type Op = DiffLine;

/** The hunks of a unified diff, one line per entry, without `---`/`+++` file headers; [] when equal. */
export function unifiedDiff(before: readonly string[], after: readonly string[], context = DIFF_CONTEXT_LINES): string[] {
  const ops = diffLines(before, after);
  if (ops.every((op) => op.op === ' ')) return [];
  const lines: string[] = [];
  for (const [start, end] of hunkRanges(ops, context)) {
    let oldStart = 1;
    let newStart = 1;
    for (const op of ops.slice(0, start)) {
      if (op.op !== '+') oldStart++;
      if (op.op !== '-') newStart++;
    }
    const hunk = ops.slice(start, end);
    const oldCount = hunk.filter((op) => op.op !== '+').length;
    const newCount = hunk.filter((op) => op.op !== '-').length;
    lines.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`);
    for (const op of hunk) lines.push(`${op.op}${op.text}`);
  }
  return lines;
}

/** As `diff -u` writes it: an empty side as `start-1,0`, a single line without its count. */
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

/** [start, end) index ranges of `ops`, each change padded by `context` unchanged lines, overlaps merged. */
function hunkRanges(ops: readonly Op[], context: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  ops.forEach((op, index) => {
    if (op.op === ' ') return;
    const start = Math.max(0, index - context);
    const end = Math.min(ops.length, index + context + 1);
    const last = ranges[ranges.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  });
  return ranges;
}

/** Every line of both sides, in order: unchanged, removed (`-`) or added (`+`). */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  ) {
    suffix++;
  }
  const same = (lines: readonly string[]): Op[] => lines.map((text) => ({ op: ' ', text }));
  return [
    ...same(before.slice(0, prefix)),
    ...middle(before.slice(prefix, before.length - suffix), after.slice(prefix, after.length - suffix)),
    ...same(before.slice(before.length - suffix)),
  ];
}

/** Deletions before insertions within each run of changes, as `diff -u` prints them. */
function middle(a: readonly string[], b: readonly string[]): Op[] {
  if (a.length * b.length > MAX_LCS_CELLS) {
    return [...a.map((text): Op => ({ op: '-', text })), ...b.map((text): Op => ({ op: '+', text }))];
  }
  // lcs[i][j]: length of the LCS of a[i..] and b[j..], in one flat array of (a+1)×(b+1).
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let removed: Op[] = [];
  let added: Op[] = [];
  const flush = (): void => {
    ops.push(...removed, ...added);
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush();
      ops.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
      removed.push({ op: '-', text: a[i]! });
      i++;
    } else {
      added.push({ op: '+', text: b[j]! });
      j++;
    }
  }
  flush();
  return ops;
}
