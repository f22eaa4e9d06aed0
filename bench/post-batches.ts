/**
 * Feeds events to the engine's POST /events as JSON arrays over undici: `posters` loops, each
 * taking the next batch until every event is posted or the deadline passes. Each batch is built
 * just before its POST, so its events' `sentAt` is the POST time. Only 202 answers count as
 * acknowledged; any other answer or a network error counts the batch as failed (not retried).
 */
import { Pool } from 'undici';
import { benchEvent } from './bench-workload.js';

/** Longest one POST /events may take (headers, then body). */
export const POST_TIMEOUT_MS = 60_000;

export interface PostOptions {
  /** The engine's base URL. */
  readonly url: string;
  readonly events: number;
  readonly batchSize: number;
  readonly posters: number;
  /** Event ids are `${idPrefix}-${index}`. */
  readonly idPrefix: string;
  /** Stop starting batches after this time (ms since the epoch). */
  readonly deadline: number;
  /** Stop starting batches once this returns true (the events not posted are not counted). */
  readonly stop?: () => boolean;
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

export async function postBatches(options: PostOptions): Promise<PostResult> {
  const pool = new Pool(options.url, { connections: options.posters });
  const batches = Math.ceil(options.events / options.batchSize);
  const statuses: Record<string, number> = {};
  let nextBatch = 0;
  let posted = 0;
  let acked = 0;
  let failedBatches = 0;
  let firstError: string | null = null;
  let lastAckAt: number | null = null;
  let timedOut = false;
  const firstPostAt = Date.now();

  async function poster(): Promise<void> {
    while (nextBatch < batches && !options.stop?.()) {
      if (Date.now() > options.deadline) {
        timedOut = true;
        return;
      }
      const batch = nextBatch++;
      const from = batch * options.batchSize;
      const to = Math.min(options.events, from + options.batchSize);
      const sentAt = Date.now();
      const events = [];
      for (let index = from; index < to; index++) events.push(benchEvent(`${options.idPrefix}-${index}`, sentAt));
      posted += events.length;
      let status = 'error';
      try {
        const response = await pool.request({
          method: 'POST',
          path: '/events',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(events),
          headersTimeout: POST_TIMEOUT_MS,
          bodyTimeout: POST_TIMEOUT_MS,
        });
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
    await Promise.all(Array.from({ length: options.posters }, poster));
  } finally {
    await pool.close();
  }
  return { posted, acked, failedBatches, statuses, firstError, firstPostAt, lastAckAt, timedOut };
}
