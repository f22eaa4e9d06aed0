/** Replaces every occurrence of a secret in `text` with [REDACTED]. Longest secrets first, so a
 * secret that contains another is removed whole. */
export const REDACTED = '[REDACTED]';

export function redactSecrets(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0) return text;
  let result = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length > 0 && result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result;
}
