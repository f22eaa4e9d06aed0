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
import type { HttpRequest } from '../dispatch/http-client.js';
import { maskRequest, withCredentialHeaders } from '../dispatch/masked-request.js';
import { redactSecrets } from '../dispatch/redact.js';
import { renderRequest } from '../dispatch/render-request.js';

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
      const request = withCredentialHeaders(
        connector,
        await renderRequest(connector, route, event, { deliveryId: PREVIEW_DELIVERY_ID, userAgent: options.userAgent }),
        PREVIEW_DELIVERY_ID,
        options.maskSecrets !== false,
      );
      rendered.push({ ...base, request: options.maskSecrets === false ? request : maskRequest(request, connector.secrets) });
    } catch (failure) {
      rendered.push({ ...base, error: mask(describeFailure(failure), connector, options) });
    }
  }
  return rendered;
}

function mask(text: string, connector: CompiledConnector, options: RenderEventOptions): string {
  return options.maskSecrets === false ? text : redactSecrets(text, connector.secrets);
}
