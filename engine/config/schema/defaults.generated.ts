/* Generated from schemas/connector.schema.json by npm run gen:types. Do not edit: change the schema and regenerate. */

/**
 * The defaults of the connector format, one per `default` in schemas/connector.schema.json.
 * Durations are in milliseconds, sizes in bytes. To change one, change the schema and run
 * npm run gen:types; docs/connectors.md states the same values (a test checks them).
 */

/** `target.timeout`: 15s, in milliseconds. */
export const DEFAULT_TARGET_TIMEOUT_MS = 15_000;

/** `routes[].method`: POST. */
export const DEFAULT_ROUTE_METHOD = 'POST';

/** `routes[].format`: json. */
export const DEFAULT_ROUTE_FORMAT = 'json';

/** `routes[].batch.maxEvents`: 500. */
export const DEFAULT_BATCH_MAX_EVENTS = 500;

/** `routes[].batch.maxBytes`: 1MiB, in bytes. */
export const DEFAULT_BATCH_MAX_BYTES = 1_048_576;

/** `routes[].batch.maxWait`: 5s, in milliseconds. */
export const DEFAULT_BATCH_MAX_WAIT_MS = 5_000;

/** `routes[].batch.trailingNewline`: true. */
export const DEFAULT_BATCH_TRAILING_NEWLINE = true;

/** `retry.schedule`: [5s, 30s, 2m, 10m, 30m, 1h, 3h, 6h, 12h, 24h], in milliseconds. */
export const DEFAULT_RETRY_SCHEDULE_MS = Object.freeze([5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000] as const);

/** `retry.on`: [408, 425, 429, 5xx]. */
export const DEFAULT_RETRY_ON = Object.freeze([408, 425, 429, '5xx'] as const);

/** `retry.maxRetryAfter`: 1h, in milliseconds. */
export const DEFAULT_RETRY_MAX_RETRY_AFTER_MS = 3_600_000;

/** `concurrency`: 16. */
export const DEFAULT_CONCURRENCY = 16;

/** `redrive`: onChange. */
export const DEFAULT_REDRIVE = 'onChange';

/** `paused`: false. */
export const DEFAULT_PAUSED = false;
