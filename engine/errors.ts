/**
 * One error type with a stable `code`, one catalogue of codes, and the one place that maps codes to
 * HTTP statuses. Every code is documented in docs/errors.md with its status, and every code documented
 * there is one of these (test/errors.test.ts checks both).
 */

export const ERROR_CODES = {
  // Connector and source files (reported as Problems by load and validate)
  CONFIG_YAML_SYNTAX: { http: 500, summary: 'The connector or source file is not valid YAML.' },
  CONFIG_SCHEMA: { http: 500, summary: 'The connector or source does not match schemas/connector.schema.json or schemas/source.schema.json.' },
  CONFIG_ENV_MISSING: { http: 500, summary: '${env:NAME} names a variable that is not set and has no default.' },
  CONFIG_JSONATA_SYNTAX: { http: 500, summary: 'A when, map, path or event expression is not valid JSONata, or holds a regular expression that cannot run in linear time, or not as JavaScript runs it.' },
  CONFIG_JSONATA_FUNCTION: { http: 500, summary: 'An expression calls a function that is neither a JSONata built-in nor defined in it, or a built-in with too few or too many arguments.' },
  CONFIG_DUPLICATE_NAME: { http: 500, summary: 'Two connector files, or two source files, use the same name.' },
  CONFIG_READ: { http: 500, summary: 'A connector or source file or directory could not be read, or a file is over 1 MiB.' },
  CONFIG_SECRET_FILE: { http: 500, summary: 'A file the connector or source reads at load (${file:PATH}, tls.cert, tls.key, tls.ca) is missing, unreadable, or not the PEM it should be.' },
  CONFIG_LITERAL_SECRET: { http: 500, summary: 'A header value, auth credential, signing secret or URL password is written into the file as a literal; move it to ${env:NAME} or ${file:PATH} (reported by validate).' },
  CONFIG_INVALID: { http: 500, summary: 'The connectors or sources could not be loaded; each problem is listed.' },
  // Ingest
  INGEST_INVALID_JSON: { http: 400, summary: 'The request body is not valid JSON (or a line of NDJSON is not).' },
  INGEST_INVALID_EVENT: { http: 400, summary: 'An event is not an object with a non-empty string type, its id is not a string or number, or it is nested more than 100 levels deep.' },
  INGEST_EMPTY: { http: 400, summary: 'The request holds no events.' },
  INGEST_TOO_LARGE: { http: 413, summary: 'The request body is over the body limit.' },
  INGEST_BUSY: { http: 503, summary: 'Other POST /events requests fill the engine: this one waited too long for its turn, or its body would take the request bodies held at once past --max-inflight-body-bytes (refused before it is read); nothing of it was stored; send it again after Retry-After.' },
  INGEST_UNSUPPORTED_MEDIA_TYPE: { http: 415, summary: 'Content-Type is not application/json or application/x-ndjson, or Content-Encoding is not gzip, deflate, br or identity.' },
  NOT_FOUND: { http: 404, summary: 'No such resource.' },
  QUERY_INVALID: { http: 400, summary: 'A query parameter of the request is missing or not valid.' },
  REQUEST_INVALID: { http: 400, summary: 'The request body is not what the endpoint takes: not JSON, a field missing, unknown or of the wrong form; the message names the field.' },
  REPLAY_RUNNING: { http: 409, summary: 'A replay of this connector is already running; one runs at a time per connector. Wait for it or cancel it (DELETE /replays/:id).' },
  REPLAY_FINISHED: { http: 409, summary: 'The replay is done or cancelled already; there is nothing left to cancel.' },
  DELIVERY_NOT_RETRYABLE: { http: 409, summary: 'The delivery is not dead, discarded, retrying or parked, or its connector is not configured, so it cannot be retried.' },
  DELIVERY_NOT_DISCARDABLE: { http: 409, summary: 'The delivery is not dead, retrying or parked, so it cannot be discarded.' },
  UNAUTHORIZED: { http: 401, summary: 'HMS_SYNC_API_TOKEN is set and the request has no Authorization: Bearer header with a token the engine knows (the API, read, ingest or metrics token).' },
  FORBIDDEN: { http: 403, summary: 'The token is known but its role may not make this request: the read token only reads, the ingest token only sends events, the metrics token only opens GET /metrics.' },
  CSRF_INVALID: { http: 403, summary: 'A console form was posted without the CSRF token of its session (or of this engine process, without an API token), or from another site (Sec-Fetch-Site or Origin); nothing was changed.' },
  API_TOKEN_REQUIRED: { http: 500, summary: 'The engine refuses to listen beyond loopback without HMS_SYNC_API_TOKEN.' },
  // Delivery (stored as a delivery's lastError prefix; never an HTTP answer of ours)
  MAPPING_FAILED: { http: 500, summary: 'A when, map or path expression failed for this event.' },
  TARGET_REJECTED: { http: 500, summary: 'The target answered with a status that is not retried.' },
  TARGET_UNAVAILABLE: { http: 500, summary: 'The target could not be reached, timed out, or answered with a retryable status.' },
  RETRIES_EXHAUSTED: { http: 500, summary: 'The retry schedule ran out; the delivery is dead with its last error.' },
  // Sources (a source's lastError in GET /status, and its log lines)
  SOURCE_UNAVAILABLE: { http: 500, summary: 'A source cannot reach its broker or database, or what it reads is missing (stream, consumer, queue, table); it tries again with backoff.' },
  SOURCE_MESSAGE_REJECTED: { http: 500, summary: 'A message could not become an event (not UTF-8 or JSON, no type, over maxBody, an event: expression failed); it was rejected once and is listed in GET /status.' },
  // Engine
  LISTEN_FAILED: { http: 500, summary: 'hms-sync run could not listen on --host and --port: the port is taken or privileged, or the host is not this machine.' },
  STORE_LOCKED: { http: 500, summary: 'Another hms-sync process is using the data directory.' },
  STORE_OPEN_FAILED: { http: 500, summary: 'The data directory could not be created, or its database could not be opened (not a directory, no permission, not an hms-sync database); or the PostgreSQL store could not be reached or refused the user (the URL is shown with its password masked).' },
  STORE_UNAVAILABLE: { http: 503, summary: 'The store cannot write now (SQLite: the disk is full, read-only or failing; PostgreSQL: the server is down, unreachable, restarting or out of connections); nothing of the request was stored; send it again later.' },
  STORE_FULL: { http: 507, summary: 'The store is past --max-store-size and retention may delete nothing more; nothing of the request was stored; send it again later.' },
  LEASE_LOST: { http: 500, summary: 'A replica recorded an attempt for a delivery another replica took over after its lease expired (PostgreSQL store); the record was not kept, the new holder\'s stands.' },
  STORE_SCHEMA_TOO_NEW: { http: 500, summary: 'The data directory (or PostgreSQL schema) was written by a newer hms-sync; run that version or a later one.' },
  STORE_COPY_CONFLICT: { http: 500, summary: 'store copy found the target PostgreSQL schema holding other events or deliveries under the seqs it copies; nothing was copied; copy into a new schema.' },
  ENGINE_CLOSED: { http: 503, summary: 'The engine is shutting down and accepts no more events.' },
  GIT_FAILED: { http: 500, summary: 'diff could not read the base revision: git failed, is not installed, or the path is not in a git work tree.' },
  EVENTS_FETCH_FAILED: { http: 500, summary: 'diff --events-from could not read events from the engine: it cannot be reached, refused the token (401, 403), or answered something that is not its delivery-search API.' },
  USAGE: { http: 400, summary: 'The command line is not valid.' },
  INTERNAL: { http: 500, summary: 'An unexpected error; the details are in the log.' },
} as const satisfies Record<string, { http: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class HmsError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HmsError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

export function httpStatusOf(error: unknown): number {
  return error instanceof HmsError ? ERROR_CODES[error.code].http : 500;
}

/** The body an HTTP client sees. Unknown errors become a generic 500; details go to the log only. */
export function errorBody(error: unknown): { error: { code: ErrorCode; message: string } } {
  if (error instanceof HmsError) return { error: { code: error.code, message: error.message } };
  return { error: { code: 'INTERNAL', message: 'internal error; see the engine log' } };
}

/** A failure of an expression or a request as stored with its delivery: `CODE: message`, an
 * unknown error counting as MAPPING_FAILED (it came out of a connector's JSONata). */
export function describeFailure(error: unknown): string {
  return error instanceof HmsError ? `${error.code}: ${error.message}` : `MAPPING_FAILED: ${String(error)}`;
}
