/**
 * What the bench sends: one connector shaped like the README's example, and permit events that
 * all pass its `when`, so every event becomes exactly one delivery. `sentAt` travels through the
 * map to the receiver, which turns it into an ingest-to-delivered latency. The BullMQ worker of
 * the peer scenario evaluates the very same `when`, map and path.
 */

export const SINK_WHEN = 'inspectionRequired = true';
export const SINK_MAP = '{ "permitId": id, "date": approvedDate, "sentAt": sentAt }';
/** The map of the ordered scenario: it carries the key and its sequence number to the receiver. */
export const KEYED_MAP = '{ "permitId": id, "date": approvedDate, "sentAt": sentAt, "key": key, "seq": seq }';
/** Where the connector's path template (`/ingest/{type}`) sends a bench event. */
export const MAPPED_PATH = '/ingest/permitApproved';

/** A connector that keeps trying a target that is down without spending its retry schedule: the
 * breaker opens after BREAKER_FAILURES failed attempts and lets one probe through per cooldown;
 * the few deliveries that failed are due again within RETRY_DELAY, so when the receiver is back
 * the drain measures the engine, not the default schedule's 5 s to 24 h delays. */
const OUTAGE_BREAKER = '{ failures: 5, cooldown: 1s }';
const OUTAGE_RETRY_DELAY = '1s';
/** Failed attempts a delivery may make while the receiver is down (the schema allows 100 delays). */
const OUTAGE_RETRIES = 50;
/** The outage settings in words, for the report. */
export const OUTAGE_SETTINGS = `breaker ${OUTAGE_BREAKER} and a retry every ${OUTAGE_RETRY_DELAY}`;

export interface SinkConnector {
  readonly concurrency: number;
  /** JSONata ordering key; without it deliveries run in parallel. */
  readonly orderingKey?: string;
  /** Carry `key` and `seq` to the receiver (KEYED_MAP). */
  readonly keyed?: boolean;
  /** The scenario starts with the receiver down: breaker and one-second retries (see OUTAGE_BREAKER). */
  readonly outage?: boolean;
}

/** The connector under test; its target URL comes from RECEIVER_URL. */
export function sinkConnectorYaml(connector: SinkConnector): string {
  const lines = [
    'name: sink',
    'target:',
    '  url: ${env:RECEIVER_URL}',
    'routes:',
    '  - on: "permit*"',
    `    when: ${SINK_WHEN}`,
    '    path: /ingest/{type}',
    `    map: '${connector.keyed ? KEYED_MAP : SINK_MAP}'`,
    `concurrency: ${connector.concurrency}`,
  ];
  if (connector.orderingKey) lines.push(`orderingKey: ${connector.orderingKey}`);
  if (connector.outage) {
    lines.push(`breaker: ${OUTAGE_BREAKER}`, `retry:`, `  schedule: [${Array(OUTAGE_RETRIES).fill(OUTAGE_RETRY_DELAY).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

export interface BenchEvent {
  readonly type: 'permitApproved';
  readonly id: string;
  readonly inspectionRequired: true;
  readonly approvedDate: string;
  readonly inspectorName: string;
  /** Date.now() when the event was posted (or, open loop, when it was due to be). */
  readonly sentAt: number;
  /** Ordered scenario only: the ordering key, and the event's place in that key's sequence. */
  readonly key?: string;
  readonly seq?: number;
}

export function benchEvent(id: string, sentAt: number): BenchEvent {
  return { type: 'permitApproved', id, inspectionRequired: true, approvedDate: '2026-06-01', inspectorName: 'Lee', sentAt };
}

/** The body the connector's map produces for a bench event: what the raw and naive senders send. */
export function mappedBody(id: string, sentAt: number): string {
  return JSON.stringify({ permitId: id, date: '2026-06-01', sentAt });
}

/**
 * Builds poster `poster`'s next batch, each event stamped with `sentAt`; null when that poster
 * has no more. Called just before each POST.
 */
export type BatchSource = (poster: number, sentAt: number) => BenchEvent[] | null;

/** `events` events in batches of `batchSize`, taken by whichever poster is free next. Ids are `${idPrefix}-${index}`. */
export function sharedBatches(events: number, batchSize: number, idPrefix: string): BatchSource {
  let next = 0;
  return (_poster, sentAt) => {
    if (next >= events) return null;
    const batch: BenchEvent[] = [];
    for (const to = Math.min(events, next + batchSize); next < to; next++) batch.push(benchEvent(`${idPrefix}-${next}`, sentAt));
    return batch;
  };
}

/**
 * `events` events over `keys` ordering keys, numbered per key from 0. Each poster owns the keys
 * k with k % posters === poster and waits for each 202 before its next batch, so every key's
 * events are accepted in the order of their numbers: what the receiver checks.
 */
export function keyedBatches(events: number, batchSize: number, posters: number, keys: number, idPrefix: string): BatchSource {
  // A poster beyond the number of keys would own none: it sends nothing.
  const active = Math.min(posters, keys);
  const sent = new Array<number>(active).fill(0);
  return (poster, sentAt) => {
    if (poster >= active) return null;
    const owned = Math.ceil((keys - poster) / active);
    const share = Math.floor(events / active) + (poster < events % active ? 1 : 0);
    if (sent[poster]! >= share) return null;
    const batch: BenchEvent[] = [];
    for (let j = sent[poster]!; j < Math.min(share, sent[poster]! + batchSize); j++) {
      const key = poster + active * (j % owned);
      batch.push({ ...benchEvent(`${idPrefix}-${poster}-${j}`, sentAt), key: `k${key}`, seq: Math.floor(j / owned) });
    }
    sent[poster] = sent[poster]! + batch.length;
    return batch;
  };
}
