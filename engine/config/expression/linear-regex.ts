/**
 * The regular expressions of connector expressions (`/.../i` in JSONata) run on RE2, through
 * re2js: matching takes time linear in the input. A JavaScript RegExp backtracks, and jsonata
 * checks its time limit only between evaluation steps, never inside one match, so an event
 * crafted against a regex such as /^(a+)+$/ used to stall the whole engine, and a stored one
 * stalled it again after every restart.
 *
 * Each pattern is translated first (translate-regex.ts) so that it matches what JavaScript
 * matches: `.`, `^`/`$` under /m, /i, `\s` and `\p` as JavaScript reads them. What RE2 cannot run
 * (backreferences, lookahead, lookbehind, repeat counts over 1000, a `$` under /m with more pattern
 * after it) is refused when the connector loads. One difference remains: RE2 reads text as code
 * points, so `.` (or a negated class) takes a whole character outside the Basic Multilingual
 * Plane, such as an emoji, where JavaScript takes half of its surrogate pair.
 */
import { RE2JS, type Matcher } from 're2js';
import { HmsError } from '../../errors.js';
import { translateRegex, type Re2Translation } from './translate-regex.js';

/** What jsonata's `RegexEngine` option constructs from each regex literal and drives. */
export interface RegexMatcher {
  lastIndex: number;
  exec(input: string): RegExpExecArray | null;
}

export type RegexEngine = new (regex: RegExp) => RegexMatcher;

/** A regex that cannot run on RE2 as JavaScript would run it; `index`: the offending token's in the pattern, when known. */
export class UnsupportedRegexError extends HmsError {
  readonly index: number | undefined;

  constructor(regex: RegExp, index: number | undefined, reason: string, linear: boolean) {
    const literal = `/${regex.source}/${regex.flags.replace('g', '')}`;
    super(
      'CONFIG_JSONATA_SYNTAX',
      linear
        ? `regular expression ${literal} cannot run in linear time (${reason}); rewrite it without backreferences, lookahead or lookbehind, and with repeat counts up to 1000`
        : `regular expression ${literal} cannot run on RE2 as JavaScript runs it: ${reason}`,
    );
    this.name = 'UnsupportedRegexError';
    this.index = index;
  }
}

interface CompiledRegex {
  readonly pattern: RE2JS;
  readonly translation: Re2Translation;
}

/** Throws UnsupportedRegexError when `regex` cannot run on RE2. */
function compileLinearRegex(regex: RegExp): CompiledRegex {
  const result = translateRegex(regex);
  if (!result.ok) throw new UnsupportedRegexError(regex, result.index, result.reason, result.linear);
  const { translation } = result;
  try {
    return { pattern: RE2JS.compile(translation.pattern, translation.lookbehinds ? RE2JS.LOOKBEHINDS : 0), translation };
  } catch (error) {
    throw new UnsupportedRegexError(regex, undefined, (error as Error).message.replace(/^error parsing regexp: /, ''), true);
  }
}

/**
 * A RegexEngine for jsonata. jsonata constructs one per evaluation of a regex literal, so patterns
 * are compiled once per literal and kept in this engine's own cache. `exec` behaves as a global
 * RegExp's: it searches from `lastIndex` and leaves `lastIndex` at the end of the match.
 */
export function linearRegexEngine(): RegexEngine {
  const compiled = new WeakMap<RegExp, CompiledRegex>();
  const compiledOf = (regex: RegExp): CompiledRegex => {
    let entry = compiled.get(regex);
    if (entry === undefined) compiled.set(regex, (entry = compileLinearRegex(regex)));
    return entry;
  };
  return class LinearRegExp implements RegexMatcher {
    lastIndex = 0;
    readonly #regex: CompiledRegex;
    // One matcher per input: re2js carries its lookbehind state from one search to the next.
    #input: string | undefined;
    #matcher: Matcher | undefined;

    constructor(regex: RegExp) {
      this.#regex = compiledOf(regex);
    }

    exec(input: string): RegExpExecArray | null {
      if (this.#matcher === undefined || input !== this.#input) {
        this.#matcher = this.#regex.pattern.matcher(input);
        this.#input = input;
      }
      const matcher = this.#matcher;
      if (this.lastIndex > input.length || !matcher.find(this.lastIndex)) {
        this.lastIndex = 0;
        return null;
      }
      const { groups, lineEnds } = this.#regex.translation;
      const lineEnd = lineEnds.map((group) => matcher.start(group)).find((start) => start >= 0);
      const end = lineEnd ?? matcher.end();
      const values = groups.map((group, index) => (index === 0 ? input.slice(matcher.start(), end) : (matcher.group(group) ?? undefined)));
      this.lastIndex = end;
      return Object.assign(values, { index: matcher.start(), input }) as unknown as RegExpExecArray;
    }
  };
}
