/**
 * Translates a JavaScript regex (as jsonata builds it: no u flag, Annex B syntax) into RE2 syntax
 * that matches what JavaScript matches, where RE2's own reading of the same text would not:
 * - `.` is any character but the four line terminators (\n, \r, U+2028, U+2029), unless /s;
 * - `^` and `$` under /m start and end lines at all four terminators. `^` becomes a lookbehind
 *   (re2js runs those in linear time); RE2 has no lookahead, so a `$` under /m must end the match
 *   (nothing after it, not inside a repeated group): it consumes the terminator into a group of
 *   its own, and the match is cut back to where that group starts (`lineEnds`);
 * - /i folds case as JavaScript does, never by RE2's Unicode folding: every letter and class is
 *   written out as the set JavaScript matches (js-char-sets.ts), and RE2 runs case-sensitively;
 * - `\s` and `\S` are JavaScript's sets (Unicode spaces, line terminators, U+FEFF);
 * - `\p{L}` is the literal text `p{L}`, as JavaScript reads it without the u flag.
 * What RE2 cannot run at all (backreferences, lookahead, lookbehind, repeat counts over 1000, a
 * `$` under /m with more pattern after it) is refused with the index of the offending token.
 */
import { createCharSetScanner, type CharSetScanner } from './js-char-sets.js';

/** RE2's largest repeat count. */
const MAX_REPEAT = 1000;
const LINE_TERMINATORS = '[\\n\\r\\x{2028}\\x{2029}]';

export interface Re2Translation {
  readonly pattern: string;
  /** The pattern holds a lookbehind: compile it with RE2JS.LOOKBEHINDS. */
  readonly lookbehinds: boolean;
  /** The RE2 group of each JavaScript group; [0] is the whole match. */
  readonly groups: readonly number[];
  /** RE2 groups holding the line terminator a trailing `$` saw under /m: the match ends where one starts. */
  readonly lineEnds: readonly number[];
}

/** A refusal says why; `linear`: the pattern needs backtracking, whatever the translation. */
export type TranslationResult =
  | { readonly ok: true; readonly translation: Re2Translation }
  | { readonly ok: false; readonly index: number; readonly reason: string; readonly linear: boolean };

type Atom =
  | { readonly kind: 'char'; readonly codePoint: number }
  | { readonly kind: 'set'; readonly js: string }
  | { readonly kind: 'same'; readonly re2: string }
  | { readonly kind: 'dot' | 'lineStart' | 'lineEnd' }
  | { readonly kind: 'group'; readonly capture: boolean; readonly body: Alternative[] };
interface Term {
  readonly atom: Atom;
  readonly quantifier: string;
  readonly index: number;
}
type Alternative = Term[];

/** Thrown inside this module only, and returned as a TranslationResult. */
class Refusal extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
    readonly linear = true,
  ) {
    super(reason);
  }
}

export function translateRegex(regex: RegExp): TranslationResult {
  try {
    const unsupported = regex.flags.replace(/[gims]/g, '');
    if (unsupported !== '') throw new Refusal(regex.source.length + 1, `flag ${unsupported} is not supported; JSONata regexes take i and m`, false);
    return { ok: true, translation: emit(new Parser(regex.source).parse(), regex) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, index: error.index, reason: error.reason, linear: error.linear };
    throw error;
  }
}

class Parser {
  #pos = 0;
  readonly #captures: number;
  readonly #namedGroups: boolean;

  constructor(private readonly src: string) {
    // Group openings are counted first: whether \2 is a backreference or an octal escape depends on it.
    const outsideClasses = src.replace(/\\.|\[(?:\\.|[^\]\\])*\]/gs, '');
    this.#captures = (outsideClasses.match(/\((?!\?)|\(\?<(?![=!])/g) ?? []).length;
    this.#namedGroups = /\(\?<(?![=!])/.test(outsideClasses);
  }

  parse(): Alternative[] {
    const body = this.#disjunction();
    if (this.#pos < this.src.length) throw new Refusal(this.#pos, `unexpected ${this.src[this.#pos]}`);
    return body;
  }

  #disjunction(): Alternative[] {
    const alternatives = [this.#alternative()];
    while (this.src[this.#pos] === '|') {
      this.#pos++;
      alternatives.push(this.#alternative());
    }
    return alternatives;
  }

  #alternative(): Alternative {
    const terms: Term[] = [];
    while (this.#pos < this.src.length && this.src[this.#pos] !== '|' && this.src[this.#pos] !== ')') {
      const index = this.#pos;
      const atom = this.#atom();
      const term = { atom, quantifier: this.#quantifier(), index };
      // A surrogate pair is one character to RE2, which reads text as code points.
      const last = terms.at(-1);
      if (last && last.quantifier === '' && isSurrogate(last.atom, 0xd800) && isSurrogate(atom, 0xdc00)) {
        const codePoint = String.fromCharCode((last.atom as { codePoint: number }).codePoint, (atom as { codePoint: number }).codePoint).codePointAt(0)!;
        terms[terms.length - 1] = { ...term, atom: { kind: 'char', codePoint }, index: last.index };
      } else {
        terms.push(term);
      }
    }
    return terms;
  }

  #atom(): Atom {
    const { src } = this;
    const start = this.#pos;
    const c = src[start]!;
    if (c === '\\') return this.#escape();
    this.#pos++;
    if (c === '^') return { kind: 'lineStart' };
    if (c === '$') return { kind: 'lineEnd' };
    if (c === '.') return { kind: 'dot' };
    if (c === '[') {
      let end = start + 1;
      if (src[end] === '^') end++;
      while (end < src.length && src[end] !== ']') end += src[end] === '\\' ? 2 : 1;
      this.#pos = end + 1;
      return { kind: 'set', js: src.slice(start, end + 1) };
    }
    if (c === '(') {
      const head = /^\(\?(?::|<?[=!]|<[^>]*>)?/.exec(src.slice(start, start + 256))?.[0] ?? '(';
      if (/^\(\?<?[=!]/.test(head)) throw new Refusal(start, `${head} is a lookahead or lookbehind`);
      this.#pos = start + head.length;
      const body = this.#disjunction();
      this.#pos++; // the closing parenthesis
      return { kind: 'group', capture: head !== '(?:', body };
    }
    return { kind: 'char', codePoint: c.charCodeAt(0) };
  }

  #escape(): Atom {
    const { src } = this;
    const start = this.#pos;
    const next = src[start + 1] ?? '';
    this.#pos = start + 2;
    const char = (codePoint: number): Atom => ({ kind: 'char', codePoint });
    if ('dDwWbB'.includes(next)) return { kind: 'same', re2: `\\${next}` };
    if (next === 's' || next === 'S') return { kind: 'set', js: `\\${next}` };
    const digits = /^\d+/.exec(src.slice(start + 1))?.[0];
    if (digits !== undefined && next !== '0' && Number(digits) <= this.#captures) throw new Refusal(start, `\\${digits} is a backreference`);
    if (next === '8' || next === '9') return char(next.charCodeAt(0));
    if (/[0-7]/.test(next)) {
      // Annex B: a legacy octal escape of up to three digits, at most \377; \0 alone is NUL.
      const octal = /^[0-3][0-7]{0,2}|^[4-7][0-7]?/.exec(src.slice(start + 1))![0];
      this.#pos = start + 1 + octal.length;
      return char(parseInt(octal, 8));
    }
    if (next === 'k' && this.#namedGroups) throw new Refusal(start, '\\k<…> is a backreference');
    const fixed = ({ t: 9, n: 10, v: 11, f: 12, r: 13 } as Record<string, number>)[next];
    if (fixed !== undefined) return char(fixed);
    if (next === 'c') {
      if (/[A-Za-z]/.test(src[start + 2] ?? '')) {
        this.#pos = start + 3;
        return char(src.charCodeAt(start + 2) % 32);
      }
      this.#pos = start + 1; // Annex B: a backslash of its own, and the c read next
      return char(0x5c);
    }
    const hexDigits = next === 'x' ? 2 : next === 'u' ? 4 : 0;
    const hex = src.slice(start + 2, start + 2 + hexDigits);
    if (hexDigits > 0 && hex.length === hexDigits && /^[0-9a-fA-F]+$/.test(hex)) {
      this.#pos = start + 2 + hexDigits;
      return char(parseInt(hex, 16));
    }
    return char(next.charCodeAt(0)); // an identity escape, \p and \P included: the character itself
  }

  /** A quantifier after an atom, '' when none; a `{` that is no quantifier is a literal (Annex B). */
  #quantifier(): string {
    const rest = this.src.slice(this.#pos, this.#pos + 32);
    const quantifier = /^(?:[*+?]|\{(\d+)(?:,(\d*))?\})\??/.exec(rest);
    if (quantifier === null) return '';
    const largest = Math.max(Number(quantifier[1] ?? 0), Number(quantifier[2] || 0));
    if (largest > MAX_REPEAT) throw new Refusal(this.#pos, `repeat count ${largest} is over ${MAX_REPEAT}`);
    this.#pos += quantifier[0].length;
    return quantifier[0];
  }
}

function isSurrogate(atom: Atom, base: number): boolean {
  return atom.kind === 'char' && atom.codePoint >= base && atom.codePoint <= base + 0x3ff;
}

function emit(body: Alternative[], regex: RegExp): Re2Translation {
  const scanner = createCharSetScanner(regex.ignoreCase);
  const groups = [0];
  const lineEnds: number[] = [];
  let re2Groups = 0;
  let lookbehinds = false;

  const disjunction = (alternatives: readonly Alternative[], tail: boolean): string => alternatives.map((terms) => alternative(terms, tail)).join('|');
  const alternative = (terms: Alternative, tail: boolean): string =>
    terms.map((term, index) => atom(term, tail && index === terms.length - 1 && term.quantifier === '') + term.quantifier).join('');

  function atom(term: Term, tail: boolean): string {
    const { atom } = term;
    switch (atom.kind) {
      case 'char':
        return char(atom.codePoint, regex.ignoreCase, scanner);
      case 'set':
        return scanner.re2Set(atom.js);
      case 'same':
        return atom.re2;
      case 'dot':
        return regex.dotAll ? '[\\x{0}-\\x{10ffff}]' : '[^\\n\\r\\x{2028}\\x{2029}]';
      case 'lineStart':
        if (!regex.multiline) return '\\A';
        lookbehinds = true;
        return `(?:\\A|(?<=${LINE_TERMINATORS}))`;
      case 'lineEnd':
        if (!regex.multiline) return '\\z';
        if (!tail) {
          const reason = '$ with the m flag has more pattern after it, and RE2 has no lookahead to check that a line ends there; end the regex with $, or match the line end itself, e.g. with [\\n\\r]';
          throw new Refusal(term.index, reason, false);
        }
        lineEnds.push(++re2Groups);
        return `(?:\\z|(${LINE_TERMINATORS}))`;
      case 'group': {
        if (!atom.capture) return `(?:${disjunction(atom.body, tail)})`;
        groups.push(++re2Groups);
        return `(${disjunction(atom.body, tail)})`;
      }
    }
  }

  return { pattern: disjunction(body, true), lookbehinds, groups, lineEnds };
}

/** A literal character; under /i, the set of characters JavaScript's /i takes it for. */
function char(codePoint: number, ignoreCase: boolean, scanner: CharSetScanner): string {
  const text = String.fromCodePoint(codePoint);
  // A character with no case mapping is no other character's mapping either (a test checks this).
  const caseless = text.toUpperCase() === text && text.toLowerCase() === text;
  if (ignoreCase && codePoint < 0x1_0000 && !caseless) return scanner.re2Set(`\\u${codePoint.toString(16).padStart(4, '0')}`);
  return /^[A-Za-z0-9]$/.test(text) ? text : `\\x{${codePoint.toString(16)}}`;
}
