/**
 * Bounds the POST /events batches the engine works on at once (parsing, routing, storing), so a
 * burst of large batches from many producers takes turns instead of exhausting the heap: a
 * megabyte of small NDJSON events takes some 30 MB once parsed, and a hundred such requests at
 * once used to kill the engine. A batch is admitted after its body has been read, so a client
 * that sends slowly holds no room.
 *
 * Contract:
 * - `admit(bytes)` resolves, once the batch may proceed, with the function that gives its room
 *   back (idempotent). Batches are admitted in arrival order while the admitted ones stay within
 *   `maxBytes`; a batch alone is always admitted, however large.
 * - A batch refused with INGEST_BUSY (503) was neither parsed nor stored: it waited `maxWaitMs`
 *   without room, or the batches already waiting hold `maxWaitingBytes` (their bodies are in
 *   memory too).
 */
import { HmsError } from '../errors.js';

/** Batches parsed and stored at once by default (as body text). */
export const DEFAULT_INGEST_MAX_BYTES = 4 * 1024 * 1024;
/** Batches waiting for their turn at most, by default. */
export const DEFAULT_INGEST_MAX_WAITING_BYTES = 32 * 1024 * 1024;
/** How long a batch may wait for its turn before it gets 503, by default. */
export const DEFAULT_INGEST_MAX_WAIT_MS = 10_000;

export interface IngestGateOptions {
  readonly maxBytes: number;
  readonly maxWaitingBytes: number;
  readonly maxWaitMs: number;
}

export interface IngestGate {
  admit(bytes: number): Promise<() => void>;
}

interface Waiter {
  readonly bytes: number;
  readonly admitted: (release: () => void) => void;
  readonly timer: NodeJS.Timeout;
}

export function createIngestGate(options: IngestGateOptions): IngestGate {
  const { maxBytes, maxWaitingBytes, maxWaitMs } = options;
  let admittedBytes = 0;
  let waitingBytes = 0;
  const waiting: Waiter[] = [];

  const fits = (bytes: number) => admittedBytes === 0 || admittedBytes + bytes <= maxBytes;

  function reserve(bytes: number): () => void {
    admittedBytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      admittedBytes -= bytes;
      admitWaiting();
    };
  }

  function admitWaiting(): void {
    while (waiting.length > 0 && fits(waiting[0]!.bytes)) {
      const next = waiting.shift()!;
      waitingBytes -= next.bytes;
      clearTimeout(next.timer);
      next.admitted(reserve(next.bytes));
    }
  }

  function busy(why: string): HmsError {
    const mib = (admittedBytes / 1024 ** 2).toFixed(1);
    return new HmsError('INGEST_BUSY', `the engine is busy storing other batches (${mib} MiB in progress) and ${why}; nothing of this request was stored, send it again after the Retry-After delay`);
  }

  return {
    admit(bytes) {
      if (waiting.length === 0 && fits(bytes)) return Promise.resolve(reserve(bytes));
      if (waitingBytes + bytes > maxWaitingBytes) return Promise.reject(busy(`${(waitingBytes / 1024 ** 2).toFixed(1)} MiB of batches already wait their turn`));
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          bytes,
          admitted: resolve,
          timer: setTimeout(() => {
            waiting.splice(waiting.indexOf(waiter), 1);
            waitingBytes -= bytes;
            reject(busy(`this batch waited ${maxWaitMs / 1000} s for its turn`));
            admitWaiting(); // it may have held back smaller batches behind it
          }, maxWaitMs),
        };
        waiting.push(waiter);
        waitingBytes += bytes;
      });
    },
  };
}
