/** What a secret is replaced with. */
export const REDACTED = '[REDACTED]';

/** Replaces every occurrence of a secret in `text` with [REDACTED]. Longest secrets first, so a
 * secret that contains another is removed whole. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0) return text;
  let result = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length > 0 && result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result;
}

/** The shortest start of a secret, cut off at the end of a kept text, that is dropped with it. */
const MIN_PARTIAL_SECRET_CHARS = 4;

/**
 * At most `maxBytes` of UTF-8 (never splitting a character), secrets removed first. A text cut
 * there may end with the start of a secret the cut split: such a tail (MIN_PARTIAL_SECRET_CHARS or
 * more of a secret) is dropped too.
 */
export function keptText(text: string, secrets: readonly string[], maxBytes: number): string {
  const bytes = Buffer.from(redactSecrets(text, secrets), 'utf8');
  let kept = bytes.length <= maxBytes ? bytes.toString('utf8') : new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, '');
  for (const secret of secrets) {
    for (let n = Math.min(secret.length - 1, kept.length); n >= MIN_PARTIAL_SECRET_CHARS; n--) {
      if (kept.endsWith(secret.slice(0, n))) {
        kept = kept.slice(0, kept.length - n);
        break;
      }
    }
  }
  return kept;
}
