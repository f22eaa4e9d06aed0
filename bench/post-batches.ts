/**
 * Feeds events to the engine's POST /events over undici: `posters` loops, each posting the next
 * batch its BatchSource gives it and waiting for the answer, until the source runs dry or the
 * deadline passes. Each batch is built just before its POST, so its events' `sentAt` is the POST
 * time. Only 202 answers count as acknowledged; any other answer or a network error counts the
 * batch as failed (not retried).
 */
import { Pool } from 'undici';
import type { BatchSource, BenchEvent } from './bench-workload.js';

/** Longest one POST /events may take (headers, then body). */
export const POST_TIMEOUT_MS = 60_000;

/** How a batch is written: a JSON array, NDJSON lines, or (batches of one) a bare JSON object. */
export type BodyFormat = 'json' | 'ndjson' | 'single';

export interface PostOptions {
  /** The engine's base URL. */
  readonly url: string;
  readonly posters: number;
  readonly batches: BatchSource;
  /** Default 'json'. */
  readonly format?: BodyFormat;
  /** Stop starting batches after this time (ms since the epoch). */
  readonly deadline: number;
}

export interface PostResult {
  readonly posted: number;
  readonly acked: number;
  readonly failedBatches: number;
  /** Answers by HTTP status (or "error"), counted per batch. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly firstError: string | null;
  /** Start of the first POST and end of the last 202 (ms since the epoch). */
  readonly firstPostAt: number;
  readonly lastAckAt: number | null;
  readonly timedOut: boolean;
}

export function eventsBody(events: readonly BenchEvent[], format: BodyFormat): { body: string; contentType: string } {
  switch (format) {
    case 'json':
      return { body: JSON.stringify(events), contentType: 'application/json' };
    case 'ndjson':
      return { body: events.map((event) => JSON.stringify(event)).join('\n'), contentType: 'application/x-ndjson' };
    case 'single':
      if (events.length !== 1) throw new Error(`a single-event body needs batches of one, got ${events.length}`);
      return { body: JSON.stringify(events[0]), contentType: 'application/json' };
  }
}

export async function postBatches(options: PostOptions): Promise<PostResult> {
  const pool = new Pool(options.url, { connections: options.posters });
  const statuses: Record<string, number> = {};
  let posted = 0;
  let acked = 0;
  let failedBatches = 0;
  let firstError: string | null = null;
  let lastAckAt: number | null = null;
  let timedOut = false;
  const firstPostAt = Date.now();

  async function poster(index: number): Promise<void> {
    for (;;) {
      if (Date.now() > options.deadline) {
        timedOut = true;
        return;
      }
      const events = options.batches(index, Date.now());
      if (events === null) return;
      posted += events.length;
      const { body, contentType } = eventsBody(events, options.format ?? 'json');
      let status = 'error';
      try {
        const response = await pool.request({ method: 'POST', path: '/events', headers: { 'content-type': contentType }, body, headersTimeout: POST_TIMEOUT_MS, bodyTimeout: POST_TIMEOUT_MS });
        status = String(response.statusCode);
        const text = await response.body.text();
        if (response.statusCode === 202) {
          acked += (JSON.parse(text) as { accepted: unknown[] }).accepted.length;
          lastAckAt = Date.now();
        } else {
          failedBatches += 1;
          firstError ??= `HTTP ${response.statusCode}: ${text.slice(0, 300)}`;
        }
      } catch (error) {
        failedBatches += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }

  try {
    await Promise.all(Array.from({ length: options.posters }, (_, index) => poster(index)));
  } finally {
    await pool.close();
  }
  return { posted, acked, failedBatches, statuses, firstError, firstPostAt, lastAckAt, timedOut };
}
