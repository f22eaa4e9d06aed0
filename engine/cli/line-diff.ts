/**
 * Line diffs by jsdiff (Myers' algorithm, a shortest edit script): `diffLines` gives every line
 * with its operation (for `hms-sync test` mismatches), `unifiedDiff` the `@@ -a,b +c,d @@` hunks
 * `diff -u` and GitHub's ```diff blocks read (for `hms-sync diff`). Within a run of changes,
 * removed lines come before added ones, as `diff -u` prints them.
 */
import { diffArrays, structuredPatch, type StructuredPatchHunk } from 'diff';

/** Unchanged lines shown around each change. */
export const DIFF_CONTEXT_LINES = 3;
/**
 * Most lines removed plus added that are searched for a shortest edit; Myers' time grows with
 * lines × edits. Two sides further apart than this are shown as the one replaced whole.
 */
const MAX_EDIT_LINES = 2_000;

export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

/** Every line of both sides, in order: unchanged, removed (`-`) or added (`+`). */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  const changes = diffArrays([...before], [...after], { maxEditLength: MAX_EDIT_LINES });
  if (changes === undefined) return replacedWhole(before, after).map((line) => ({ op: line[0] as '-' | '+', text: line.slice(1) }));
  return changes.flatMap((change) => {
    const op = change.added ? '+' : change.removed ? '-' : ' ';
    return change.value.map((text) => ({ op, text }));
  });
}

/** The hunks of a unified diff, one line per entry, without `---`/`+++` file headers; [] when equal. */
export function unifiedDiff(before: readonly string[], after: readonly string[], context = DIFF_CONTEXT_LINES): string[] {
  // Every line ends in \n, so jsdiff's lines are ours (a line's own \r stays in it) and no hunk
  // gets a "\ No newline at end of file" marker.
  const text = (lines: readonly string[]): string => lines.map((line) => `${line}\n`).join('');
  const patch = structuredPatch('', '', text(before), text(after), undefined, undefined, { context, maxEditLength: MAX_EDIT_LINES });
  const hunks: readonly StructuredPatchHunk[] = patch?.hunks ?? [
    { oldStart: 1, oldLines: before.length, newStart: 1, newLines: after.length, lines: replacedWhole(before, after) },
  ];
  return hunks.flatMap((hunk) => [`@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`, ...hunk.lines]);
}

function replacedWhole(before: readonly string[], after: readonly string[]): string[] {
  return [...before.map((line) => `-${line}`), ...after.map((line) => `+${line}`)];
}

/** As `diff -u` writes it: an empty side as `start-1,0`, a single line without its count. */
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}
