/**
 * What the bench sends: one connector shaped like the README's example, and permit events that
 * all pass its `when`, so every event becomes exactly one delivery. `sentAt` travels through the
 * map to the receiver, which turns it into an ingest-to-delivered latency.
 */

/** The connector under test; its target URL comes from RECEIVER_URL. */
export function sinkConnectorYaml(concurrency: number): string {
  return `name: sink
target:
  url: \${env:RECEIVER_URL}
routes:
  - on: "permit*"
    when: inspectionRequired = true
    path: /ingest/{type}
    map: '{ "permitId": id, "date": approvedDate, "sentAt": sentAt }'
concurrency: ${concurrency}
`;
}

export interface BenchEvent {
  readonly type: 'permitApproved';
  readonly id: string;
  readonly inspectionRequired: true;
  readonly approvedDate: string;
  readonly inspectorName: string;
  /** Date.now() when the event was posted. */
  readonly sentAt: number;
}

export function benchEvent(id: string, sentAt: number): BenchEvent {
  return { type: 'permitApproved', id, inspectionRequired: true, approvedDate: '2026-06-01', inspectorName: 'Lee', sentAt };
}

/** The body the connector's map produces for a bench event: what the raw and naive senders send. */
export function mappedBody(id: string, sentAt: number): string {
  return JSON.stringify({ permitId: id, date: '2026-06-01', sentAt });
}

/** Where the connector's path template sends a bench event. */
export const MAPPED_PATH = '/ingest/permitApproved';
