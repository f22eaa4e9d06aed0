/**
 * Route `on` patterns: an event type, or a glob where `*` matches any run of characters (dots
 * included, possibly none): `permit*` matches `permit`, `permitApproved` and `permit.approved`.
 * Every other character matches itself, case-sensitively. Matching takes time linear in the type
 * (times the pattern's length): event types come from outside, and a `.*` regex would backtrack
 * for hours over a long type that almost matches `a*b*c`.
 *
 * Types starting with `sync.` are the engine's own outcome events (`sync.delivered`, `sync.dead`):
 * only patterns that themselves start with `sync.` take them, so a catch-all `*` route does not
 * double its traffic with an outcome for every delivery.
 */

export const ENGINE_TYPE_PREFIX = 'sync.';

/** Compiles patterns once; the matcher tries exact types (a Set lookup) before any glob. */
export function compileTypeMatcher(patterns: readonly string[]): (type: string) => boolean {
  const own = patterns.filter((pattern) => pattern.startsWith(ENGINE_TYPE_PREFIX));
  const others = compilePatterns(patterns.filter((pattern) => !pattern.startsWith(ENGINE_TYPE_PREFIX)));
  if (own.length === 0) return (type) => !type.startsWith(ENGINE_TYPE_PREFIX) && others(type);
  const engine = compilePatterns(own);
  return (type) => (type.startsWith(ENGINE_TYPE_PREFIX) ? engine(type) : others(type));
}

function compilePatterns(patterns: readonly string[]): (type: string) => boolean {
  if (patterns.length === 0) return matchNone;
  const exact = new Set<string>();
  const globs: ((type: string) => boolean)[] = [];
  for (const pattern of patterns) {
    if (pattern === '*') return matchAll;
    if (pattern.includes('*')) globs.push(compileGlob(pattern));
    else exact.add(pattern);
  }
  if (globs.length === 0) {
    if (exact.size === 1) {
      const only = exact.values().next().value as string;
      return (type) => type === only;
    }
    return (type) => exact.has(type);
  }
  return (type) => exact.has(type) || globs.some((glob) => glob(type));
}

function matchAll(): boolean {
  return true;
}

function matchNone(): boolean {
  return false;
}

/**
 * A glob of literals between stars: the type starts with the first literal, ends with the last,
 * and holds the ones between in order, without overlapping. Taking each middle literal at its
 * first occurrence leaves the most room for the rest, so one left-to-right pass decides.
 */
function compileGlob(pattern: string): (type: string) => boolean {
  const literals = pattern.split('*');
  const first = literals[0]!;
  const last = literals[literals.length - 1]!;
  const middle = literals.slice(1, -1).filter((literal) => literal !== '');
  return (type) => {
    const end = type.length - last.length;
    if (end < first.length || !type.startsWith(first) || !type.endsWith(last)) return false;
    let from = first.length;
    for (const literal of middle) {
      const at = type.indexOf(literal, from);
      if (at === -1 || at + literal.length > end) return false;
      from = at + literal.length;
    }
    return true;
  };
}
