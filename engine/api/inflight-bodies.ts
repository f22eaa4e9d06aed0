/**
 * Bounds the request bodies the engine holds at once, before it reads them: the ingest gate
 * (ingest-gate.ts) only sees a batch once its whole body is in memory, so without this a few
 * thousand slow uploads would each buffer up to the body limit (300 uploads of 1 MiB took 690 MB).
 *
 * Contract:
 * - A request declares its bytes up front with Content-Length (held at most up to the body limit,
 *   which fastify enforces); a chunked body's bytes are counted as they arrive.
 * - A request whose bytes would take the total past `maxBytes` is refused with INGEST_BUSY (503,
 *   Retry-After) and `Connection: close`: its body is never read, so its connection cannot carry
 *   another request. A request alone is always let in, however large, as in the ingest gate.
 * - A request's bytes are given back when its response is done or its connection is gone.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { HmsError } from '../errors.js';

/** Request bodies held at once by default, being received or worked on. */
export const DEFAULT_MAX_INFLIGHT_BODY_BYTES = 64 * 1024 * 1024;

export interface BodyBudget {
  /** The share of one request: `take` throws INGEST_BUSY past the budget; `release` is idempotent. */
  open(): BodyShare;
}

export interface BodyShare {
  take(bytes: number): void;
  release(): void;
}

export function createBodyBudget(maxBytes: number): BodyBudget {
  let heldBytes = 0;
  return {
    open() {
      let mine = 0;
      return {
        take(bytes) {
          if (heldBytes > mine && heldBytes + bytes > maxBytes) {
            const mib = (heldBytes / 1024 ** 2).toFixed(1);
            throw new HmsError(
              'INGEST_BUSY',
              `the engine already holds ${mib} MiB of request bodies (--max-inflight-body-bytes ${maxBytes}); nothing of this request was stored, send it again after the Retry-After delay`,
            );
          }
          heldBytes += bytes;
          mine += bytes;
        },
        release() {
          heldBytes -= mine;
          mine = 0;
        },
      };
    },
  };
}

/** A fastify preParsing hook, registered before any other, so it counts the bytes as sent. */
export function limitInflightBodies(budget: BodyBudget, bodyLimitBytes: number) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable> => {
    const share = budget.open();
    reply.raw.once('close', share.release);
    const take = (bytes: number): void => {
      try {
        share.take(bytes);
      } catch (error) {
        void reply.header('connection', 'close');
        throw error;
      }
    };
    const declared = Number(request.headers['content-length']);
    if (Number.isInteger(declared) && declared >= 0) {
      take(Math.min(declared, bodyLimitBytes));
      return payload;
    }
    // A request without Content-Length has a body only when it is sent chunked (RFC 9112 §6.3).
    if (request.headers['transfer-encoding'] === undefined) return payload;
    // Lazy: nothing is read, so nothing can be refused, before fastify listens for the error.
    return Readable.from(counted(payload, take), { objectMode: false });
  };
}

async function* counted(payload: Readable, take: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of payload) {
    take((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}
