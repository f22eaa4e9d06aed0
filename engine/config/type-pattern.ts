/**
 * Route `on` patterns: an event type, or a glob where `*` matches any run of characters (dots
 * included, possibly none): `permit*` matches `permit`, `permitApproved` and `permit.approved`.
 * Every other character matches itself, case-sensitively.
 */

/** Compiles patterns once; the matcher tries exact types (a Set lookup) before any glob. */
export function compileTypeMatcher(patterns: readonly string[]): (type: string) => boolean {
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

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}
