/**
 * Defaults of the connector format (v1). docs/connectors.md and the schema descriptions state the
 * same values; change all three together.
 */
import type { HttpMethod } from '../compiled.js';

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_METHOD: HttpMethod = 'POST';
export const DEFAULT_CONCURRENCY = 16;

/** Delays between attempts: 5s, 30s, 2m, 10m, 30m, 1h, 3h, 6h, 12h, 24h. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
]);

/**
 * Shorter env values and header values are not listed as secrets: redacting every "on", "1" or
 * "dev" in logs would garble them while protecting nothing (no real credential is that short).
 */
export const MIN_SECRET_LENGTH = 4;

/** Longest Retry-After honoured unless `retry.maxRetryAfter` says otherwise. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 3_600_000;

/** Body format of a route without `format`. */
export const DEFAULT_FORMAT = 'json' as const;

/** Most items in one batch request unless `batch.maxEvents` says otherwise. */
export const DEFAULT_BATCH_MAX_EVENTS = 500;

/** Largest batch body unless `batch.maxBytes` says otherwise: 1 MiB. */
export const DEFAULT_BATCH_MAX_BYTES = 1_048_576;

/** Longest an item waits for its batch to fill unless `batch.maxWait` says otherwise. */
export const DEFAULT_BATCH_MAX_WAIT_MS = 5_000;

/** Whether a format: lines batch body ends with a newline unless `batch.trailingNewline` says otherwise. */
export const DEFAULT_BATCH_TRAILING_NEWLINE = true;
