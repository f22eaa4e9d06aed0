/* Generated from schemas/connector.schema.json by npm run gen:types. Do not edit: change the schema and regenerate. */

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
   * What happens to deliveries that died on a mapping error or a 4xx when a reload changes this connector: onChange (default) re-drives them with the new version; never leaves them dead.
   */
  redrive?: "onChange" | "never";
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
