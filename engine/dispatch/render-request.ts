/**
 * Turns one event into the HTTP request a connector route sends for it. Pure apart from JSONata
 * evaluation; used by the dispatcher and (later) by preview, test and diff, so what a reviewer
 * sees is exactly what is sent.
 */
import type { CompiledConnector, CompiledRoute } from '../config/compiled.js';
import { HmsError } from '../errors.js';
import type { HttpRequest } from './http-client.js';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export interface RenderContext {
  /** Sent as Idempotency-Key: the same on every retry of one delivery. */
  readonly deliveryId: string;
  readonly userAgent: string;
}

/** Rejects with HmsError MAPPING_FAILED when an expression fails or yields nothing usable. */
export async function renderRequest(
  connector: CompiledConnector,
  route: CompiledRoute,
  event: unknown,
  context: RenderContext,
): Promise<HttpRequest> {
  const path = await renderPath(route, event);
  const body = await renderBody(route, event);
  const headers: Record<string, string> = {
    ...connector.target.headers,
    'user-agent': context.userAgent,
    'idempotency-key': context.deliveryId,
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return { method: route.method, url: connector.target.url + path, headers, body, timeoutMs: connector.target.timeoutMs };
}

async function renderPath(route: CompiledRoute, event: unknown): Promise<string> {
  let path = '';
  for (const part of route.path) {
    if ('literal' in part) {
      path += part.literal;
      continue;
    }
    const value = await part.expression.evaluate(event);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new HmsError(
        'MAPPING_FAILED',
        `routes[${route.index}].path: {${part.expression.source}} gave ${describe(value)}; it must give a string or number for this event`,
      );
    }
    path += encodeURIComponent(String(value));
  }
  return path;
}

async function renderBody(route: CompiledRoute, event: unknown): Promise<string | undefined> {
  if (!route.map) return METHODS_WITH_BODY.has(route.method) ? JSON.stringify(event) : undefined;
  const value = await route.map.evaluate(event);
  if (value === undefined) {
    throw new HmsError(
      'MAPPING_FAILED',
      `routes[${route.index}].map gave no value for this event; use "when" to skip events the map cannot handle`,
    );
  }
  return JSON.stringify(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
