/** A delivery as the dispatcher holds it in memory: handed over by ingest or claimed by the sweep. */
export interface DispatchJob {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly connector: string;
  readonly route: string;
  /** The connector's orderingKey for this event, or null: sent in parallel. */
  readonly orderingKey: string | null;
  readonly attemptsMade: number;
  /** Attempts made before the delivery's current retry schedule started (0 unless re-driven). */
  readonly scheduleOffset: number;
  /** The event as emitted. */
  readonly event: unknown;
  /** When the delivery was created (epoch ms): its event's acceptance, or when a replay created it.
   * A delivery's latency runs from here. */
  readonly acceptedAt: number;
  /** The event's W3C traceparent (version 00), or null: each attempt continues its trace. */
  readonly traceparent: string | null;
  /** The replay that created it, or null: sent with Hms-Sync-Replay, after live work. */
  readonly replayId: string | null;
}
