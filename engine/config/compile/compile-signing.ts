/**
 * `signing.secrets` → the list the signer uses, as written. A secret starting with `whsec_` is
 * base64 after the prefix (Standard Webhooks); any other text is used as its UTF-8 bytes. Each one
 * is a secret; messages never quote them.
 */
import type { DataPath } from '../problems/yaml-locator.js';

export const WHSEC_PREFIX = 'whsec_';

/** `problem` reports at the value of a path; it skips values still holding a reference (env-optional loads). */
export function compileSigning(secrets: readonly string[], problem: (path: DataPath, message: string) => void): readonly string[] {
  secrets.forEach((secret, index) => {
    if (!secret.startsWith(WHSEC_PREFIX)) return;
    if (!isBase64(secret.slice(WHSEC_PREFIX.length))) {
      problem(['signing', 'secrets', index], 'starts with whsec_ but what follows is not valid base64; copy the whole secret as issued, or drop the whsec_ prefix to use the text itself as the key');
    }
  });
  return [...secrets];
}

/** Standard base64 with correct padding, and not empty. */
export function isBase64(text: string): boolean {
  return text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text) && Buffer.from(text, 'base64').toString('base64') === text;
}
