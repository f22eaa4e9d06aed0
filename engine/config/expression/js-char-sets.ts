/**
 * What a JavaScript character class or class escape (`[a-z]`, `[^\s,]`, `\s`, a letter under /i)
 * matches, written as an RE2 character class. JavaScript itself decides: the class runs, as a
 * RegExp with the pattern's own flags, over every UTF-16 code unit, so `\s`, Annex B escapes and
 * the case folding of non-unicode /i (toUpperCase, never folding a non-ASCII character onto an
 * ASCII one: `ſ` is not `s`, the Kelvin sign is not `k`) are exactly the running engine's.
 *
 * RE2 reads text as code points where JavaScript (without the u flag) reads code units. A set
 * that holds every high surrogate (a negated class, `\S`) also takes every character outside the
 * Basic Multilingual Plane whole, as `.` does; astral characters written in the class are kept.
 */

const HIGH_SURROGATES: readonly [number, number] = [0xd800, 0xdbff];
/** Every UTF-16 code unit in order, lone surrogates included: what a scan runs over. An immutable
 * constant (128 KiB, about a millisecond to build), so each pattern does not build its own. */
const EVERY_CODE_UNIT = Buffer.from(Uint16Array.from({ length: 0x1_0000 }, (_, unit) => unit).buffer).toString('utf16le');

export interface CharSetScanner {
  /** The RE2 form (`\x{73}` or `[\x{53}\x{73}]`) of what `jsClass` matches under the scanner's flags. */
  re2Set(jsClass: string): string;
}

/** `ignoreCase`: the pattern's /i. Scans are cached per scanner; make one per pattern. */
export function createCharSetScanner(ignoreCase: boolean): CharSetScanner {
  const cache = new Map<string, string>();
  return {
    re2Set(jsClass) {
      let re2 = cache.get(jsClass);
      if (re2 === undefined) cache.set(jsClass, (re2 = toRe2Set(matchedRanges(jsClass, ignoreCase), astralCodePoints(jsClass))));
      return re2;
    },
  };
}

/** Inclusive [first, last] code unit ranges that `jsClass` matches, in order. */
function matchedRanges(jsClass: string, ignoreCase: boolean): Array<[number, number]> {
  // Runs rather than single matches: a negated class matches some 65,000 code units in a few runs.
  const runs = new RegExp(`${jsClass}+`, ignoreCase ? 'gi' : 'g');
  return Array.from(EVERY_CODE_UNIT.matchAll(runs), (run) => [run.index, run.index + run[0].length - 1]);
}

/** Characters outside the BMP written in the class as surrogate pairs. */
function astralCodePoints(jsClass: string): number[] {
  return Array.from(jsClass.matchAll(/[\ud800-\udbff][\udc00-\udfff]/g), (pair) => pair[0].codePointAt(0)!);
}

function toRe2Set(ranges: ReadonlyArray<[number, number]>, astral: readonly number[]): string {
  const parts = ranges.map(([first, last]) => (first === last ? hex(first) : `${hex(first)}-${hex(last)}`));
  const [high, highEnd] = HIGH_SURROGATES;
  if (ranges.some(([first, last]) => first <= high && last >= highEnd)) parts.push(`${hex(0x1_0000)}-${hex(0x10_ffff)}`);
  else parts.push(...astral.map(hex));
  if (parts.length === 0) return `[^${hex(0)}-${hex(0x10_ffff)}]`;
  if (parts.length === 1 && !parts[0]!.includes('-')) return parts[0]!;
  return `[${parts.join('')}]`;
}

function hex(codePoint: number): string {
  return `\\x{${codePoint.toString(16)}}`;
}
