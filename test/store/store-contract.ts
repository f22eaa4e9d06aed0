/**
 * The behaviour every Store backend must have (see engine/store/store.ts). A backend's test file
 * calls `runStoreContract` with a function opening a fresh, empty store; the suite closes each
 * store and calls its cleanup.
 */
import { describe } from 'node:test';
import { ingestContract } from './contract-ingest.js';
import { dispatchContract } from './contract-dispatch.js';
import { orderingContract } from './contract-ordering.js';
import { redriveContract } from './contract-redrive.js';
import { actionsContract } from './contract-actions.js';
import { findContract } from './contract-find.js';
import { retentionContract } from './contract-retention.js';
import { backlogContract } from './contract-backlog.js';
import { replaysContract } from './contract-replays.js';
import type { OpenFreshStore } from './contract-helpers.js';

export type { OpenFreshStore } from './contract-helpers.js';

export function runStoreContract(name: string, openFresh: OpenFreshStore): void {
  describe(`${name} store contract`, () => {
    describe('ingest, reads and lifecycle', () => ingestContract(openFresh));
    describe('claiming and delivery states', () => dispatchContract(openFresh));
    describe('attempt revisions, error codes and redrive', () => redriveContract(openFresh));
    describe('ordering keys, requeue and response bodies', () => orderingContract(openFresh));
    describe("operators' finds", () => findContract(openFresh));
    describe("operators' retries and discards", () => actionsContract(openFresh));
    describe('retention and the disk guard', () => retentionContract(openFresh));
    describe('backlog and size, for the metrics', () => backlogContract(openFresh));
    describe('operator pauses and replays', () => replaysContract(openFresh));
  });
}
