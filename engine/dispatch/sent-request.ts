/**
 * The request an attempt sent, as stored with a failed attempt (attempts.request) and shown on
 * its delivery's page: masked as previews mask it (masked-request.ts), its body cut at
 * SENT_BODY_KEEP_BYTES. Only failed attempts keep it; a delivered one stores nothing more (its
 * page renders the request again and says so), so success costs no extra bytes.
 *
 * The items of a batch share one request: the first item's attempt keeps its body, the others
 * point to it (`bodyWith`), so a failed batch of N items does not store its body N times.
 */
import type { CompiledConnector } from '../config/compiled.js';
import type { HttpRequest } from './http-client.js';
import { withCredentialHeaders } from './masked-request.js';
import { keptText, redactSecrets } from './redact.js';

/** The most of a request body kept with a failed attempt. */
export const SENT_BODY_KEEP_BYTES = 64 * 1024;

export interface SentRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Null without a body, and for a batch item whose body is kept with `bodyWith`. */
  readonly body: string | null;
  /** The size of the body as sent, in bytes: more than the kept body's when it was cut. */
  readonly bodyBytes: number;
  /** For a batch item: the delivery, and its attempt, whose stored request holds the body. */
  readonly bodyWith?: { readonly deliveryId: string; readonly attempt: number };
}

/** `request` (from renderRequest, before auth and signing) as stored: masked, its body cut. */
export function sentRequest(connector: CompiledConnector, request: HttpRequest, messageId: string): SentRequest {
  const { secrets } = connector;
  const withCredentials = withCredentialHeaders(connector, request, messageId, true);
  return {
    method: request.method,
    url: redactSecrets(request.url, secrets),
    headers: Object.fromEntries(Object.entries(withCredentials.headers).map(([name, value]) => [name, redactSecrets(value, secrets)])),
    body: request.body === undefined ? null : keptText(request.body, secrets, SENT_BODY_KEEP_BYTES),
    bodyBytes: request.body === undefined ? 0 : Buffer.byteLength(request.body, 'utf8'),
  };
}

/** The stored form of each job's request in a unit: the whole one for the first, a reference to
 * it for the others (`firstAttempt`: the first job's attempt number). */
export function storedRequests(sent: SentRequest, jobIds: readonly string[], firstAttempt: number): string[] {
  const first = JSON.stringify(sent);
  if (jobIds.length === 1) return [first];
  const rest = JSON.stringify({ ...sent, body: null, bodyWith: { deliveryId: jobIds[0]!, attempt: firstAttempt } });
  return jobIds.map((_, i) => (i === 0 ? first : rest));
}
