/**
 * The one receiver every bench scenario sends to: node:http on 127.0.0.1, port 0, answering 200
 * as soon as a request's body has arrived. It does no other work, so it measures the senders.
 *
 * Measurements run in windows: `startWindow(n)` forgets earlier requests and counts from zero;
 * `waitForWindow` resolves when n requests have arrived (or the time is up). Each request's arrival
 * time (Date.now(), comparable across processes on one machine) is kept as first/last; a body with
 * a numeric `"sentAt":` field (ms since the epoch) also yields that request's latency. A window
 * may also check order: then each body's `"key":` and `"seq":` go through an OrderCheck.
 * Replayed requests (those with an Hms-Sync-Replay header) are only counted, apart, by `replayed()`.
 * A scenario that needs each request (the fail-over's duplicates) sets an `observe` listener.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOrderCheck, type OrderCheck, type OrderTally } from './order-check.js';

const SENT_AT = /"sentAt":(\d+)/;
const KEY = /"key":"([^"]*)"/;
const SEQ = /"seq":(\d+)/;

export interface WindowResult {
  readonly expected: number;
  readonly received: number;
  /** Arrival of the first and last request of the window (ms since the epoch); null if none came. */
  readonly firstAt: number | null;
  readonly lastAt: number | null;
  /** arrival − sentAt, ms, for each request that carried sentAt, in arrival order. */
  readonly latenciesMs: Float64Array;
  readonly complete: boolean;
  /** Per-key order of the window's requests; null unless the window checks order. */
  readonly order: OrderTally | null;
}

/** One request (not replayed) as an observer sees it. */
export interface ObservedRequest {
  /** Its Idempotency-Key header (the delivery's id); '' when absent. */
  readonly idempotencyKey: string;
  /** Arrival, ms since the epoch. */
  readonly at: number;
}

export interface CountingReceiver {
  readonly url: string;
  startWindow(expected: number, options?: { checkOrder?: boolean }): void;
  /** Lowers (or raises) the current window's expected count, e.g. when fewer events were acknowledged. */
  setExpected(expected: number): void;
  /**
   * Resolves once the window's requests have all arrived, or with `complete: false` after
   * `timeoutMs` or as soon as `giveUp` settles (e.g. the sender exited). One waiter at a time.
   */
  waitForWindow(timeoutMs: number, giveUp?: Promise<unknown>): Promise<WindowResult>;
  /** Calls `listener` with every request counted from now on (null: none); one listener at a time. */
  observe(listener: ((request: ObservedRequest) => void) | null): void;
  /** Replayed requests received since the receiver started; they are never in a window. */
  replayed(): number;
  /** Closes the server and every connection. Idempotent. */
  close(): Promise<void>;
}

/** Listens on `port` (default: any free one); a scenario that brings a receiver up later reserves its port first. */
export async function startCountingReceiver(port = 0): Promise<CountingReceiver> {
  let expected = 0;
  let received = 0;
  let replayed = 0;
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  let latencies = new Float64Array(0);
  let latencyCount = 0;
  let order: OrderCheck | null = null;
  let onComplete: (() => void) | undefined;
  let observer: ((request: ObservedRequest) => void) | null = null;
  let closing: Promise<void> | undefined;

  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.headers['hms-sync-replay'] !== undefined) {
        replayed += 1;
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
        return;
      }
      const at = Date.now();
      received += 1;
      firstAt ??= at;
      lastAt = at;
      const sentAt = SENT_AT.exec(body);
      if (sentAt && latencyCount < latencies.length) latencies[latencyCount++] = at - Number(sentAt[1]);
      if (order) {
        const key = KEY.exec(body);
        const seq = SEQ.exec(body);
        if (key && seq) order.see(key[1]!, Number(seq[1]));
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
      observer?.({ idempotencyKey: String(req.headers['idempotency-key'] ?? ''), at });
      if (received === expected) onComplete?.();
    });
  });
  // Senders keep their connections for a whole scenario; idle gaps between scenarios are short.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });

  const snapshot = (): WindowResult => ({
    expected,
    received,
    firstAt,
    lastAt,
    latenciesMs: latencies.subarray(0, latencyCount),
    complete: received >= expected,
    order: order?.tally() ?? null,
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    startWindow(count, options) {
      expected = count;
      order = options?.checkOrder ? createOrderCheck() : null;
      received = 0;
      firstAt = null;
      lastAt = null;
      latencies = new Float64Array(count);
      latencyCount = 0;
      onComplete = undefined;
    },
    setExpected(count) {
      expected = count;
      if (received >= expected) onComplete?.();
    },
    waitForWindow(timeoutMs, giveUp) {
      if (received >= expected) return Promise.resolve(snapshot());
      return new Promise((resolve) => {
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (onComplete === finish) onComplete = undefined;
          resolve(snapshot());
        };
        const timer = setTimeout(finish, timeoutMs);
        onComplete = finish;
        void giveUp?.then(finish, finish);
      });
    },
    observe(listener) {
      observer = listener;
    },
    replayed: () => replayed,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
