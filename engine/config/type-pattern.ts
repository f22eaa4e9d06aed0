/**
 * Route `on` patterns: an event type, or a glob where `*` matches any run of characters (dots
 * included, possibly none): `permit*` matches `permit`, `permitApproved` and `permit.approved`.
 * Every other character matches itself, case-sensitively.
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
  const globs: RegExp[] = [];
  for (const pattern of patterns) {
    if (pattern === '*') return matchAll;
    if (pattern.includes('*')) globs.push(globToRegExp(pattern));
    else exact.add(pattern);
  }
  if (globs.length === 0) {
    if (exact.size === 1) {
      const only = exact.values().next().value as string;
      return (type) => type === only;
    }
    return (type) => exact.has(type);
  }
  return (type) => exact.has(type) || globs.some((glob) => glob.test(type));
}

function matchAll(): boolean {
  return true;
}

function matchNone(): boolean {
  return false;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}
