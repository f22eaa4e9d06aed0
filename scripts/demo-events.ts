/**
 * The demo's sample events, with what each should show. Each event has its own `id` (the event's
 * identity and de-duplication key) and names the permit it is about in `permitId`, the field the
 * example connectors use for paths and bodies. So the approval and the cancellation of one permit
 * are two events, both delivered.
 */
export interface SampleEvent {
  readonly event: { readonly type: string; readonly id: string; readonly permitId: string; readonly [field: string]: unknown };
  /** One line for the screen: why this event is in the demo. */
  readonly note: string;
}

export const SAMPLE_EVENTS: readonly SampleEvent[] = [
  {
    event: { type: 'permitApproved', id: 'evt-1001', permitId: 'P-1001', approvedDate: '2026-06-01', inspectorName: 'Lee', inspectionRequired: true, address: '12 Harbour St', fee: 240 },
    note: 'needs an inspection: scheduling, warehouse and permit-registry',
  },
  {
    event: { type: 'permitApproved', id: 'evt-1002', permitId: 'P-1002', approvedDate: '2026-06-02', inspectorName: 'Okafor', inspectionRequired: false, address: '3 Mill Lane', fee: 90 },
    note: 'no inspection: the scheduling route\'s `when` skips it',
  },
  {
    event: { type: 'permitApproved', id: 'evt-1003', permitId: 'P-1003', approvedDate: '2026-06-03', inspectorName: 'Lee', inspectionRequired: true, address: '77 Quay Rd', fee: 310 },
    note: 'needs an inspection: all three systems',
  },
  {
    event: { type: 'permitCancelled', id: 'evt-1004', permitId: 'P-1003', cancelledDate: '2026-06-04', reason: 'withdrawn by applicant' },
    note: 'cancels P-1003 (approved above) in an event of its own: DELETE to scheduling and permit-registry, a row to warehouse',
  },
];
