/**
 * A delivery as an operator reads it (GET /deliveries/:id): everything the store keeps, and for
 * each attempt the request. A failed attempt kept the request it sent (dispatch/sent-request.ts);
 * a delivered attempt kept nothing more, to keep success cheap, so its request is rendered again
 * now, from the stored event with the connector in force, and marked so (`rendered: 'now'`) with
 * the configuration revision it was rendered with beside the one the attempt was made with.
 * Per-attempt values are not reproduced: a signature's timestamp, an OAuth2 token, the span id.
 */
import type { Registry } from '../config/registry.js';
import { describeFailure } from '../errors.js';
import type { HttpRequest } from '../dispatch/http-client.js';
import { renderBatchRequest, renderItem, renderRequest } from '../dispatch/render-request.js';
import { sentRequest, type SentRequest } from '../dispatch/sent-request.js';
import type { AttemptView, DeliveryDetail, Store } from '../store/store.js';

/** A request rendered now: the configuration revision in force, the connector's own (null when
 * it is not configured), and the request, or why it cannot be rendered. */
export type RenderedNow = { readonly rendered: 'now'; readonly revision: string; readonly connectorRevision: string | null } & (SentRequest | { readonly error: string });

/** A request as the page shows it: as it was sent, or rendered now; `note` says what to mind. */
export type PageRequest = ({ readonly rendered: 'sent' } & SentRequest & { readonly note?: string }) | (RenderedNow & { readonly note?: string });

export interface DeliveryPage {
  readonly delivery: DeliveryDetail;
  /** One per attempt, in order. */
  readonly requests: readonly PageRequest[];
}

export interface DeliveryPageOptions {
  readonly store: Store;
  readonly registry: Registry;
  /** The configuration revision label in force. */
  readonly revision: () => string;
  readonly userAgent: string;
}

export function createDeliveryPages(options: DeliveryPageOptions): (id: string) => Promise<DeliveryPage | undefined> {
  const { store } = options;

  /** The request of the delivery rendered now, as it would be sent (masked), or why it cannot be. */
  async function renderNow(delivery: DeliveryDetail): Promise<RenderedNow> {
    const revision = options.revision();
    const connector = options.registry.get(delivery.connector);
    const route = connector?.routes.find((candidate) => candidate.key === delivery.route);
    if (connector === undefined || route === undefined) {
      const missing = connector === undefined ? `connector "${delivery.connector}" is not configured` : `connector "${delivery.connector}" has no route "${delivery.route}" any more`;
      return { rendered: 'now', revision, connectorRevision: connector?.revision.slice(0, 12) ?? null, error: `${missing}; the request cannot be rendered` };
    }
    const base = { rendered: 'now' as const, revision, connectorRevision: connector.revision.slice(0, 12) };
    try {
      const event = JSON.parse(delivery.eventBody) as unknown;
      const context = { deliveryId: delivery.id, userAgent: options.userAgent };
      const request: HttpRequest = route.batch === undefined ? await renderRequest(connector, route, event, context) : await renderBatchRequest(connector, route, event, [await renderItem(route, event)], context);
      return { ...base, ...sentRequest(connector, request, delivery.id) };
    } catch (error) {
      return { ...base, error: describeFailure(error) };
    }
  }

  /** A stored request; a batch item's body is read from the item that kept it. */
  async function asSent(stored: string): Promise<PageRequest> {
    const sent = JSON.parse(stored) as SentRequest;
    if (sent.bodyWith === undefined) return { rendered: 'sent', ...sent };
    const { deliveryId, attempt } = sent.bodyWith;
    const keeper = (await store.getDelivery(deliveryId))?.history.find((a) => a.attempt === attempt)?.request;
    if (keeper === undefined || keeper === null) return { rendered: 'sent', ...sent, note: `sent in a batch; its body was kept with delivery ${deliveryId} (attempt ${attempt}), which retention has deleted` };
    return { rendered: 'sent', ...sent, body: (JSON.parse(keeper) as SentRequest).body, note: `sent in a batch with delivery ${deliveryId}, whose attempt ${attempt} keeps the body` };
  }

  return async (id) => {
    const delivery = await store.getDelivery(id);
    if (delivery === undefined) return undefined;
    let now: RenderedNow | undefined;
    const requests: PageRequest[] = [];
    for (const attempt of delivery.history) {
      if (attempt.request !== null) {
        requests.push(await asSent(attempt.request));
        continue;
      }
      now ??= await renderNow(delivery);
      requests.push({ ...now, ...noteOf(now, attempt, options.registry.get(delivery.connector)?.routes.find((r) => r.key === delivery.route)?.batch !== undefined) });
    }
    return { delivery, requests };
  };
}

/** Why a request rendered now may not be the one the attempt sent. */
function noteOf(now: { readonly revision: string }, attempt: AttemptView, batched: boolean): { note?: string } {
  const notes: string[] = [];
  if (attempt.revision !== now.revision) {
    notes.push(`rendered now with configuration ${now.revision}; the attempt was made with ${attempt.revision ?? 'an unrecorded configuration'}, so the connector may have changed since`);
  }
  if (batched) notes.push('its route sends batches: shown alone, the attempt sent it with others in one request');
  return notes.length === 0 ? {} : { note: notes.join('; ') };
}
