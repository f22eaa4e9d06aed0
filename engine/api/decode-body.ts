/**
 * Request bodies sent with `Content-Encoding: gzip`, `deflate` or `br` are decompressed before
 * they are parsed, bounded by the body limit both as sent and as decompressed, so a small
 * compressed body cannot expand past it. `identity` (or no header) passes as is; any other
 * encoding is refused with 415.
 */
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { brotliDecompressSync, gunzipSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { HmsError } from '../errors.js';

const DECODERS: Record<string, (buffer: Buffer, options: ZlibOptions) => Buffer> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/** A fastify preParsing hook for a body limit of `limitBytes`. */
export function decodeBody(limitBytes: number) {
  return async (request: FastifyRequest, _reply: unknown, payload: Readable): Promise<Readable> => {
    const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity') return payload;
    const decode = DECODERS[encoding];
    if (decode === undefined) {
      throw new HmsError('INGEST_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported; send the body uncompressed, or as gzip, deflate or br`);
    }
    const compressed = await readAtMost(payload, limitBytes);
    let body: Buffer;
    try {
      body = decode(compressed, { maxOutputLength: limitBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limitBytes);
      throw new HmsError('INGEST_INVALID_JSON', `body is not valid ${encoding} data (${(error as Error).message}); compress it with ${encoding} or drop the Content-Encoding header`);
    }
    // fastify checks Content-Length against what arrived on the wire, not against the decoded body.
    return Object.assign(Readable.from([body], { objectMode: false }), { receivedEncodedLength: compressed.length });
  };
}

async function readAtMost(payload: Readable, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limitBytes: number): HmsError {
  return new HmsError('INGEST_TOO_LARGE', `request body is over the body limit of ${limitBytes} bytes, compressed or not; send smaller batches or raise --body-limit`);
}
