/**
 * What a running source reports (GET /status `sources`): whether it is connected, its last error,
 * its lag, what it holds, how many messages it accepted and rejected, and its latest rejections.
 * Every message shown has the source's secrets removed (a broker error may quote its URL).
 */
import type { Clock } from '../../clock.js';
import type { CompiledSource, SourceType } from '../../config/sources/compiled-source.js';
import { redactSecrets } from '../../dispatch/redact.js';
import { HmsError } from '../../errors.js';
import type { RejectReason } from './message-to-event.js';

/** Rejections kept per source for GET /status; older ones are only in the log. */
export const RECENT_REJECTIONS = 20;

export interface Rejection {
  readonly at: number;
  readonly reason: RejectReason;
  readonly position: string;
  readonly message: string;
}

export interface SourceStatus {
  readonly name: string;
  readonly type: SourceType;
  readonly file: string;
  readonly connected: boolean;
  readonly lastError: { readonly at: number; readonly message: string } | null;
  /** Messages waiting in the source (last read; null until known). */
  readonly lag: number | null;
  /** Messages taken and not yet acknowledged or rejected. */
  readonly inFlight: number;
  /** Messages whose events were stored (or were already stored) and which were acknowledged. */
  readonly acceptedTotal: number;
  readonly rejectedTotal: number;
  /** The latest RECENT_REJECTIONS rejections, oldest first. */
  readonly rejections: readonly Rejection[];
}

export interface SourceTally {
  setConnected(connected: boolean): void;
  /** Records an error as the source's last, secrets removed; returns the text recorded. */
  failed(error: unknown): string;
  setLag(lag: number | null): void;
  held(count: number): void;
  accepted(count: number): void;
  rejected(rejection: Omit<Rejection, 'at'>): Rejection;
  status(): SourceStatus;
}

export function createSourceTally(source: CompiledSource, clock: Clock): SourceTally {
  let connected = false;
  let lastError: SourceStatus['lastError'] = null;
  let lag: number | null = null;
  let inFlight = 0;
  let acceptedTotal = 0;
  let rejectedTotal = 0;
  const rejections: Rejection[] = [];
  const clean = (text: string) => redactSecrets(text, source.secrets);
  return {
    setConnected(value) {
      connected = value;
    },
    failed(error) {
      const message = clean(error instanceof HmsError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error));
      lastError = { at: clock.now(), message };
      return message;
    },
    setLag(value) {
      lag = value;
    },
    held(count) {
      inFlight += count;
    },
    accepted(count) {
      acceptedTotal += count;
    },
    rejected(rejection) {
      const recorded = { ...rejection, message: clean(rejection.message), at: clock.now() };
      rejectedTotal += 1;
      rejections.push(recorded);
      if (rejections.length > RECENT_REJECTIONS) rejections.shift();
      return recorded;
    },
    status: () => ({
      name: source.name,
      type: source.type,
      file: source.file,
      connected,
      lastError,
      lag,
      inFlight,
      acceptedTotal,
      rejectedTotal,
      rejections: [...rejections],
    }),
  };
}
