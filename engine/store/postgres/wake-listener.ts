/**
 * Wake-ups between replicas: LISTEN/NOTIFY on one channel per schema. A write that makes work due
 * now for any replica (an operator's retry, a redrive, a resumed connector) or changes a
 * connector-wide state (an operator's pause, a 410 disable) notifies in its own transaction, so
 * listeners hear of it once it commits. Listeners run their sweep claim, or re-read the connector
 * states, at once; the cron sweep stays the safety net for anything missed.
 *
 * The listener holds one connection of its own (outside the pool); when the server drops it, it
 * connects again after RELISTEN_DELAY_MS, until closed, and then wakes its handler once with
 * every kind (what was notified meanwhile is unknown).
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { WakeKind } from '../replicas.js';
import type { Queryable } from './read-access.js';

/** How long the listener waits before connecting again after losing its connection. */
export const RELISTEN_DELAY_MS = 1_000;

export function wakeChannel(schema: string): string {
  return `hms_sync_wake_${schema}`;
}

/** Notifies every listener of the schema once the current transaction commits. */
export async function notifyWake(db: Queryable, schema: string, kind: WakeKind): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [wakeChannel(schema), kind]);
}

export interface WakeListenerOptions {
  readonly url: string;
  readonly schema: string;
  readonly onWake: (kind: WakeKind) => void;
  readonly logger?: Logger;
}

/** Starts listening; resolves once the first LISTEN is in place. Returns the function that stops. */
export async function listenForWakes(options: WakeListenerOptions): Promise<() => Promise<void>> {
  const { url, schema, onWake, logger } = options;
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, application_name: 'hms-sync listener' });
    next.on('error', () => undefined);
    next.on('notification', (message) => {
      if (message.payload === 'due' || message.payload === 'connectors') onWake(message.payload);
    });
    next.on('end', () => {
      if (closed || client !== next) return;
      logger?.warn('the wake-up listener lost its PostgreSQL connection; it listens again shortly (the sweep covers the gap)');
      retry();
    });
    await next.connect();
    await next.query(`LISTEN "${wakeChannel(schema)}"`);
    client = next;
  }

  function retry(): void {
    client = undefined;
    timer = setTimeout(() => {
      timer = undefined;
      if (closed) return;
      connect().then(
        () => {
          logger?.info('the wake-up listener listens again');
          onWake('due');
          onWake('connectors');
        },
        () => retry(),
      );
    }, RELISTEN_DELAY_MS);
  }

  await connect();
  return async () => {
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    await client?.end().catch(() => undefined);
  };
}
