/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-id` (the delivery id,
 * the same on every retry), `webhook-timestamp` (unix seconds of this attempt) and
 * `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret,
 * separated by spaces, so receivers can rotate secrets. Pure.
 *
 * The signed body is exactly the bytes sent: the final encoded body string as UTF-8 (what undici
 * writes for a string body), or nothing for a request without a body.
 */
import { createHmac } from 'node:crypto';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** Shown by previews instead of values that change per attempt. */
export const PREVIEW_WEBHOOK_TIMESTAMP = '<timestamp>';
export const PREVIEW_WEBHOOK_SIGNATURE = 'v1,<signature>';

export interface SignatureInput {
  readonly messageId: string;
  /** Epoch milliseconds of the attempt; sent as whole seconds. */
  readonly nowMs: number;
  readonly body: string | undefined;
}

export function signatureHeaders(secrets: readonly string[], input: SignatureInput): Record<string, string> {
  const timestamp = String(Math.floor(input.nowMs / 1000));
  const content = Buffer.from(`${input.messageId}.${timestamp}.${input.body ?? ''}`, 'utf8');
  const signatures = secrets.map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(content).digest('base64')}`);
  return { 'webhook-id': input.messageId, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}

/** The same headers with the timestamp and signatures as placeholders (one per secret). */
export function previewSignatureHeaders(secrets: readonly string[], messageId: string): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': PREVIEW_WEBHOOK_TIMESTAMP,
    'webhook-signature': secrets.map(() => PREVIEW_WEBHOOK_SIGNATURE).join(' '),
  };
}

/** `whsec_` secrets are base64 after the prefix (the Standard Webhooks form); others are UTF-8. */
export function secretKey(secret: string): Buffer {
  return secret.startsWith(WEBHOOK_SECRET_PREFIX) ? Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}
