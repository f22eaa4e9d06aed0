/* Generated from schemas/connector.schema.json by npm run gen:types. Do not edit: change the schema and regenerate. */

/**
 * How requests authenticate. The values are secrets: write them as ${env:NAME} or ${file:/run/secrets/NAME}.
 */
export type ConnectorAuth = BearerAuth | BasicAuth | HeaderAuth | OAuth2Auth;
/**
 * Text that may hold a secret: write it as ${env:NAME} or ${file:/run/secrets/NAME}.
 */
export type SecretText = string;
export type TypePattern = string;
/**
 * A duration: a whole number followed by ms, s, m, h or d, for example 250ms, 5s, 2m, 1h, 1d.
 */
export type Duration = string;

/**
 * One hms-sync connector (format v1): where to send events, which events to send, and how to reshape them. One connector per YAML file in connectors.d/.
 */
export interface ConnectorFile {
  /**
   * Unique name across all connector files: lowercase letters, digits and dashes, starting with a letter.
   */
  name: string;
  /**
   * Free text for humans.
   */
  description?: string;
  target: ConnectorTarget;
  auth?: ConnectorAuth;
  tls?: ConnectorTls;
  signing?: ConnectorSigning;
  /**
   * Which events go to this connector and what request each becomes. An event may match several routes; each match is its own delivery.
   *
   * @minItems 1
   */
  routes: [ConnectorRoute, ...ConnectorRoute[]];
  retry?: ConnectorRetry;
  /**
   * Most requests in flight to this connector at once.
   */
  concurrency?: number;
  /**
   * Most requests started per second, minute or hour (a token bucket per connector), e.g. 50/s. Beside concurrency.
   */
  rateLimit?: string;
  breaker?: ConnectorBreaker;
  /**
   * JSONata over the event: deliveries with the same key are sent one at a time, in acceptance order; a failing head blocks only its own key. Without it, deliveries run in parallel.
   */
  orderingKey?: string;
  retention?: ConnectorRetention;
  /**
   * What happens to deliveries that died on a mapping error or a 4xx when a reload changes this connector: onChange (default) re-drives them with the new version; never leaves them dead.
   */
  redrive?: "onChange" | "never";
  /**
   * true: the connector sends nothing (a pause by pull request); its deliveries wait in the store, attempts untouched, until the file says false again. An operator's pause (POST /connectors/:name/pause) is kept apart: the connector sends only when neither holds, and resuming clears only the operator's.
   */
  paused?: boolean;
  /**
   * A backfill the engine starts once, the first time it loads a connector of this name with a backfill: every stored event of the last `since` that this connector's routes take and that has no delivery of it yet gets one, in the background, at the connector's rateLimit (else 100/s), live traffic first. Recorded in the store: a reload or a restart never starts it again; POST /replays starts another.
   */
  backfill?: {
    /**
     * A duration: a whole number followed by ms, s, m, h or d, for example 250ms, 5s, 2m, 1h, 1d.
     */
    since: string;
  };
  /**
   * Connector tests run by `hms-sync test` with no network: each sends one event through the routes and compares the requests they would make.
   */
  tests?: ConnectorTest[];
}
/**
 * The external system's base URL and the headers every request carries.
 */
export interface ConnectorTarget {
  /**
   * Base URL (http or https); a route's path is appended to it.
   */
  url: string;
  /**
   * Headers sent with every request. Values are redacted in logs; put secrets in ${env:NAME}.
   */
  headers?: {
    [k: string]: string;
  };
  /**
   * Connect, response-headers and body timeout for each request. Default 15s.
   */
  timeout?: string;
}
export interface BearerAuth {
  type: "bearer";
  token: SecretText;
}
export interface BasicAuth {
  type: "basic";
  username: string;
  password: SecretText;
}
export interface HeaderAuth {
  type: "header";
  name: string;
  value: SecretText;
}
export interface OAuth2Auth {
  type: "oauth2";
  /**
   * OAuth2 token endpoint (client credentials grant).
   */
  tokenUrl: string;
  clientId: string;
  clientSecret: SecretText;
  scope?: string;
  audience?: string;
}
/**
 * Mutual TLS: a client certificate and key, and the CA that signs the server's certificate, read from PEM files.
 */
export interface ConnectorTls {
  /**
   * Path of the client certificate (PEM).
   */
  cert?: string;
  /**
   * Path of the client key (PEM).
   */
  key?: string;
  /**
   * Path of the CA certificate(s) trusted for the server (PEM).
   */
  ca?: string;
}
/**
 * Standard Webhooks signatures: webhook-id, webhook-timestamp and webhook-signature headers, one v1 signature per secret (several for rotation).
 */
export interface ConnectorSigning {
  /**
   * @minItems 1
   */
  secrets: [SecretText, ...SecretText[]];
}
/**
 * One kind of request to the target: which events trigger it and how each event is reshaped.
 */
export interface ConnectorRoute {
  /**
   * Stable name of this route, shown in delivery records. Default: the route's position (0, 1, ...).
   */
  name?: string;
  /**
   * An event type, a glob ('permit.*', '*': '*' matches any run of characters) or a list of them.
   */
  on: TypePattern | [TypePattern, ...TypePattern[]];
  /**
   * JSONata predicate over the event; the route applies only when it is truthy.
   */
  when?: string;
  /**
   * HTTP method. Default POST.
   */
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /**
   * Appended to target.url. Each {...} holds a JSONata expression whose result is URL-encoded, for example /api/slots/{id}.
   */
  path?: string;
  /**
   * JSONata expression: the request body is its result, as JSON. Without it, POST/PUT/PATCH send the event itself and GET/DELETE send no body.
   */
  map?: string;
  /**
   * Body format: json (default), form (application/x-www-form-urlencoded from an object), ndjson (batches only), or lines (batches only: each item's map gives a string, the items are joined with newlines and sent with contentType).
   */
  format?: "json" | "form" | "ndjson" | "lines";
  /**
   * When set, a map result that is a string is sent as it is with this Content-Type (XML or SOAP for a legacy service). Required with format: lines, where it is the Content-Type of the batch's text (text/csv, text/plain; charset=utf-8).
   */
  contentType?: string;
  /**
   * JSONata giving an object whose fields become query parameters. On a batched route the values must be fixed: the expression cannot read the event.
   */
  query?: string;
  /**
   * Headers of this route. A value is text with {...} JSONata placeholders, like path (not URL-encoded).
   */
  headers?: {
    [k: string]: string;
  };
  batch?: RouteBatch;
}
/**
 * Send many deliveries in one request whose body is the JSON array, NDJSON or newline-joined text (format: lines) of their mapped items; each keeps its own delivery record.
 */
export interface RouteBatch {
  /**
   * Most items per request. Default 500.
   */
  maxEvents?: number;
  /**
   * Largest body. Default 1MiB.
   */
  maxBytes?: string;
  /**
   * Longest an item waits for its batch to fill. Default 5s.
   */
  maxWait?: string;
  /**
   * format: lines only. A fixed first line of every batch body, such as the column names of CSV.
   */
  header?: string;
  /**
   * format: lines only. Whether the body ends with a newline after its last item. Default true.
   */
  trailingNewline?: boolean;
}
/**
 * How failed deliveries are retried before they are dead-lettered.
 */
export interface ConnectorRetry {
  /**
   * Delays between attempts; each gets +/-20% jitter. After the last one the delivery is dead. Default [5s, 30s, 2m, 10m, 30m, 1h, 3h, 6h, 12h, 24h].
   *
   * @maxItems 100
   */
  schedule?: Duration[];
  /**
   * Which answers are retried, overriding the default [408, 425, 429, 5xx]: status codes or classes such as 5xx. Connection errors and timeouts are always retried.
   *
   * @minItems 1
   */
  on?: [number | string, ...(number | string)[]];
  /**
   * A duration: a whole number followed by ms, s, m, h or d, for example 250ms, 5s, 2m, 1h, 1d.
   */
  maxRetryAfter?: string;
}
/**
 * Circuit breaker: after `failures` consecutive failed attempts stop sending, then let one probe through after `cooldown`.
 */
export interface ConnectorBreaker {
  failures: number;
  cooldown: Duration;
}
/**
 * How long this connector's finished deliveries are kept, in place of the engine's --retain-delivered and --retain-dead. Pending, in-flight, retrying and parked deliveries are never deleted.
 */
export interface ConnectorRetention {
  /**
   * A duration: a whole number followed by ms, s, m, h or d, for example 250ms, 5s, 2m, 1h, 1d.
   */
  delivered?: string;
  /**
   * A dead delivery and its attempts are deleted this long after it died, or never. Without it, the engine's --retain-dead (never unless set).
   */
  dead?: string;
}
export interface ConnectorTest {
  /**
   * What the test shows, e.g. 'books a slot for an approved permit'.
   */
  name: string;
  /**
   * The event sent through the connector's routes.
   */
  event: {
    type: string;
  };
  /**
   * The requests the event must produce, in route order; [] for none.
   */
  expect: ExpectedRequest[];
}
export interface ExpectedRequest {
  /**
   * The route's name (or index when it has none).
   */
  route?: string;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /**
   * The full URL, with the target's base URL.
   */
  url?: string;
  /**
   * The URL's path and query, without the base URL.
   */
  path?: string;
  /**
   * Headers that must be present with these values (others are ignored).
   */
  headers?: {
    [k: string]: string;
  };
  /**
   * The expected body: JSON for JSON bodies, null for no body.
   */
  body?: {
    [k: string]: unknown;
  };
}
