/* Generated from schemas/engine.schema.json by npm run gen:types. Do not edit: change the schema and regenerate. */

/**
 * The engine's own settings: hms-sync.yaml (or the file of --config / HMS_SYNC_CONFIG). Every key is optional; a flag or an HMS_SYNC_* variable wins over the file, which wins over the default. Read at start only: a change takes effect at the next start. Relative paths are relative to this file. Values may use ${env:NAME} and ${file:PATH}, as in connector files.
 */
export interface EngineFile {
  /**
   * The directory of connector files (--connectors, HMS_SYNC_CONNECTORS).
   */
  connectors?: string;
  /**
   * The directory of source files (--sources, HMS_SYNC_SOURCES); a missing directory means no sources.
   */
  sources?: string;
  /**
   * The SQLite data directory (--data, HMS_SYNC_DATA): short for store.url sqlite:DIR; store.url wins over it.
   */
  data?: string;
  /**
   * Where the store lives; see docs/scale-out.md.
   */
  store?: {
    /**
     * sqlite:PATH (a data directory, one engine each) or postgres://USER@HOST[:PORT]/DATABASE (--store, HMS_SYNC_STORE). Write a password with ${env:} or ${file:}, never literally.
     */
    url?: string;
    /**
     * The PostgreSQL schema of the store's tables, created when missing (--store-schema, HMS_SYNC_STORE_SCHEMA).
     */
    schema?: string;
  };
  /**
   * Where the HTTP API listens.
   */
  listen?: {
    /**
     * Bind address (--host, HMS_SYNC_HOST). Beyond loopback, an API token is required.
     */
    host?: string;
    /**
     * Port, 0 for any free one (--port, HMS_SYNC_PORT).
     */
    port?: number;
  };
  /**
   * The retry sweep's schedule, cron with seconds (--sweep, HMS_SYNC_SWEEP).
   */
  sweep?: string;
  /**
   * How long a delivery claimed by this engine stays its own before another replica may claim it (--lease, HMS_SYNC_LEASE). On PostgreSQL a replica renews its leases every leaseRenew while it holds the deliveries, and stops sending what it held once cut off from the store longer than this; see docs/scale-out.md.
   */
  lease?: string;
  /**
   * How often a replica on PostgreSQL renews its leases and records its heartbeat (--lease-renew, HMS_SYNC_LEASE_RENEW); well below lease.
   */
  leaseRenew?: string;
  /**
   * What the log shows (--log-level, HMS_SYNC_LOG_LEVEL); see docs/operations.md › Logs.
   */
  logLevel?: "trace" | "debug" | "info" | "warn" | "error";
  /**
   * Exit 1 at start when a connector or source file has problems, instead of setting it aside (--strict, HMS_SYNC_STRICT).
   */
  strict?: boolean;
  /**
   * Largest POST /events body in bytes (--body-limit, HMS_SYNC_BODY_LIMIT).
   */
  bodyLimit?: number;
  /**
   * Open connections at most; further ones are closed at once (--max-connections, HMS_SYNC_MAX_CONNECTIONS).
   */
  maxConnections?: number;
  /**
   * Request bodies held at once, in bytes; past it POST /events gets 503 INGEST_BUSY before its body is read (--max-inflight-body-bytes, HMS_SYNC_MAX_INFLIGHT_BODY_BYTES).
   */
  maxInflightBodyBytes?: number;
  /**
   * How long finished work is kept, and the disk guard; see docs/operations.md › Retention.
   */
  retention?: {
    /**
     * A delivered delivery and its attempts are deleted this long after delivery (--retain-delivered, HMS_SYNC_RETAIN_DELIVERED).
     */
    delivered?: string;
    /**
     * An event is kept at least this long, then deleted once none of its deliveries remains (--retain-events, HMS_SYNC_RETAIN_EVENTS).
     */
    events?: string;
    /**
     * A dead delivery is deleted this long after it died, or never (--retain-dead, HMS_SYNC_RETAIN_DEAD).
     */
    dead?: string;
    /**
     * The disk guard: past this size the oldest delivered rows go first, then POST /events answers 507 (--max-store-size, HMS_SYNC_MAX_STORE_SIZE), e.g. 20GB. No default: no guard. SQLite only: with a postgres:// store it is refused (PostgreSQL's disk is the server's to guard).
     */
    maxStoreSize?: string;
  };
  /**
   * API tokens. Write each as ${env:NAME} or ${file:PATH}, never as a literal (validate says so). See docs/operations.md › API tokens.
   */
  tokens?: {
    /**
     * Opens every endpoint (HMS_SYNC_API_TOKEN). Without it the engine listens on loopback only.
     */
    api?: string;
    /**
     * May read (every GET, the console, /metrics) but not act (HMS_SYNC_READ_TOKEN).
     */
    read?: string;
    /**
     * May only POST /events (HMS_SYNC_INGEST_TOKEN).
     */
    ingest?: string;
    /**
     * Opens GET /metrics only, for a scraper (HMS_SYNC_METRICS_TOKEN).
     */
    metrics?: string;
  };
}
