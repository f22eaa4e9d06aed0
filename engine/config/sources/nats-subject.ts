/** NATS subject filters: tokens separated by `.`; `*` matches one token, `>` (last) one or more. */

/** True when `subject` (no wildcards) matches `filter`. */
export function subjectMatches(filter: string, subject: string): boolean {
  const wanted = filter.split('.');
  const tokens = subject.split('.');
  for (let i = 0; i < wanted.length; i++) {
    const token = wanted[i];
    if (token === '>' && i === wanted.length - 1) return tokens.length > i;
    if (i >= tokens.length || (token !== '*' && token !== tokens[i])) return false;
  }
  return tokens.length === wanted.length;
}
