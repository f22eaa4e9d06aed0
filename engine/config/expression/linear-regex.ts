/**
 * The regular expressions of connector expressions (`/.../i` in JSONata) run on RE2, through
 * re2js: matching takes time linear in the input. A JavaScript RegExp backtracks, and jsonata
 * checks its time limit only between evaluation steps, never inside one match, so an event
 * crafted against a regex such as /^(a+)+$/ used to stall the whole engine, and a stored one
 * stalled it again after every restart.
 *
 * RE2 has no backreferences, no lookahead or lookbehind, and no repeat count above 1000:
 * constructing a matcher for such a regex throws, and a connector using one fails to load.
 * Otherwise RE2 follows JavaScript's syntax, with two differences: `\s` is ASCII whitespace only,
 * and `.` matches a whole character (a surrogate pair) rather than half of one.
 */
import { RE2JS } from 're2js';

/** What jsonata's `RegexEngine` option constructs from each regex literal and drives. */
export interface RegexMatcher {
  lastIndex: number;
  exec(input: string): RegExpExecArray | null;
}

export type RegexEngine = new (regex: RegExp) => RegexMatcher;

/** Throws an Error saying why when `regex` cannot run on RE2. */
function compileLinearRegex(regex: RegExp): RE2JS {
  try {
    return RE2JS.compile(RE2JS.translateRegExp(regex));
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    throw new Error(`regular expression /${regex.source}/ cannot run in linear time (${reason}); rewrite it without backreferences, lookahead or lookbehind, and with repeat counts up to 1000`);
  }
}

/**
 * A RegexEngine for jsonata. jsonata constructs one per evaluation of a regex literal, so patterns
 * are compiled once per literal and kept in this engine's own cache. `exec` behaves as a global
 * RegExp's: it searches from `lastIndex` and leaves `lastIndex` at the end of the match.
 */
export function linearRegexEngine(): RegexEngine {
  const compiled = new WeakMap<RegExp, RE2JS>();
  const patternOf = (regex: RegExp): RE2JS => {
    let pattern = compiled.get(regex);
    if (pattern === undefined) compiled.set(regex, (pattern = compileLinearRegex(regex)));
    return pattern;
  };
  return class LinearRegExp implements RegexMatcher {
    lastIndex = 0;
    readonly #pattern: RE2JS;

    constructor(regex: RegExp) {
      this.#pattern = patternOf(regex);
    }

    exec(input: string): RegExpExecArray | null {
      const matcher = this.#pattern.matcher(input);
      if (this.lastIndex > input.length || !matcher.find(this.lastIndex)) {
        this.lastIndex = 0;
        return null;
      }
      const groups: (string | undefined)[] = [];
      for (let group = 0; group <= matcher.groupCount(); group++) groups.push(matcher.group(group) ?? undefined);
      this.lastIndex = matcher.end();
      return Object.assign(groups, { index: matcher.start(), input }) as unknown as RegExpExecArray;
    }
  };
}
