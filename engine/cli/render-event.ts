/**
 * Every request the given connectors would send for one event, rendered exactly as the dispatcher
 * renders them but with no network: the basis of `preview`, `test` and `diff`. Secrets are masked
 * unless the caller asks otherwise; the Idempotency-Key is a fixed placeholder so output is stable.
 * Auth headers are shown masked (an OAuth2 token as a placeholder, never fetched) and signing
 * headers with placeholders for the timestamp and signatures; TLS material is never included.
 */
import type { CompiledConnector } from '../config/compiled.js';
import { createRegistry } from '../config/registry.js';
import { matchRoutes } from '../bus/match-routes.js';
import { describeFailure } from '../errors.js';
import type { SyncEvent } from '../model.js';
import { previewAuthHeaders } from '../dispatch/auth/apply-auth.js';
import type { HttpRequest } from '../dispatch/http-client.js';
import { redactSecrets } from '../dispatch/redact.js';
import { mergeHeaders, renderRequest } from '../dispatch/render-request.js';
import { previewSignatureHeaders } from '../dispatch/sign-request.js';

export const PREVIEW_DELIVERY_ID = '<delivery-id>';

export interface RenderedDelivery {
  readonly connector: string;
  readonly route: string;
  /** The request, when rendering succeeded. */
  readonly request?: HttpRequest;
  /** `MAPPING_FAILED: ...` when `when`, `path` or `map` failed. */
  readonly error?: string;
}

export interface RenderEventOptions {
  readonly userAgent: string;
  /** Default true: header values and env-interpolated values become [REDACTED]. */
  readonly maskSecrets?: boolean;
}

export async function renderEvent(connectors: readonly CompiledConnector[], event: SyncEvent, options: RenderEventOptions): Promise<RenderedDelivery[]> {
  const rendered: RenderedDelivery[] = [];
  for (const { connector, route, error } of await matchRoutes(createRegistry(connectors), event)) {
    const base = { connector: connector.name, route: route.key };
    if (error !== undefined) {
      rendered.push({ ...base, error: mask(error, connector, options) });
      continue;
    }
    try {
      const request = withPreviewCredentials(
        connector,
        await renderRequest(connector, route, event, { deliveryId: PREVIEW_DELIVERY_ID, userAgent: options.userAgent }),
        options.maskSecrets !== false,
      );
      rendered.push({ ...base, request: options.maskSecrets === false ? request : maskRequest(request, connector.secrets) });
    } catch (failure) {
      rendered.push({ ...base, error: mask(describeFailure(failure), connector, options) });
    }
  }
  return rendered;
}

/** The headers `Authenticator.send` would add, as previews show them. */
export function withPreviewCredentials(connector: CompiledConnector, request: HttpRequest, mask: boolean): HttpRequest {
  const auth = connector.auth === undefined ? {} : previewAuthHeaders(connector.auth, mask);
  const signing = connector.signing === undefined ? {} : previewSignatureHeaders(connector.signing.secrets, PREVIEW_DELIVERY_ID);
  return { ...request, headers: mergeHeaders(request.headers, auth, signing) };
}

/** Secrets in the URL, headers and body become [REDACTED]; TLS material is left out. */
export function maskRequest(request: HttpRequest, secrets: readonly string[]): HttpRequest {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, redactSecrets(value, secrets)]));
  const { tls: _tls, ...rest } = request;
  return {
    ...rest,
    url: redactSecrets(request.url, secrets),
    headers,
    ...(request.body === undefined ? {} : { body: redactSecrets(request.body, secrets) }),
  };
}

function mask(text: string, connector: CompiledConnector, options: RenderEventOptions): string {
  return options.maskSecrets === false ? text : redactSecrets(text, connector.secrets);
}
