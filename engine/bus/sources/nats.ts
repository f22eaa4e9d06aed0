/**
 * NATS JetStream: a durable pull consumer, read with one pull request (fetch) at a time for at
 * most the runner's free room, so the messages delivered and not yet stored never exceed
 * maxInFlight. Acknowledgement is explicit: `ack` after storing, `term` for poison.
 *
 * The consumer is created when missing (unless `bind`), with explicit acks, delivering the whole
 * stream, filtered by `subjects`, and room on the server for twice maxInFlight unacknowledged
 * messages. Its ack wait (default 30 s) would redeliver messages the runner still holds while
 * the store is down, burning their delivery count: held messages are marked in progress
 * (`working`) every third of the ack wait instead. The client's own reconnect is off: the runner
 * reconnects with its backoff and a fresh adapter.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, type Consumer, type ConsumerInfo, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, credsAuthenticator, headers as natsHeaders, nkeyAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { CompiledNats, CompiledSource } from '../../config/sources/compiled-source.js';
import { HmsError } from '../../errors.js';
import { createMessageBuffer } from './message-buffer.js';
import type { SourceAdapter, SourceMessage } from './source-adapter.js';

/** How long connecting (and each JetStream API request) may take. */
export const NATS_CONNECT_TIMEOUT_MS = 5_000;
/** How long one pull request stays open on the server when no message comes. */
export const NATS_FETCH_EXPIRES_MS = 10_000;
/** Unacknowledged messages the server may have out per consumer, as a multiple of maxInFlight. */
const MAX_ACK_PENDING_PER_IN_FLIGHT = 2;
/** Shortest interval between two `working` marks of held messages. */
const MIN_WORKING_INTERVAL_MS = 1_000;

interface NatsMessage extends SourceMessage {
  readonly raw: JsMsg;
}

export function createNatsAdapter(source: CompiledSource & { readonly type: 'nats' }): SourceAdapter<NatsMessage> {
  const settings = source.nats;
  const buffer = createMessageBuffer<NatsMessage>();
  /** Taken by the runner, not yet acknowledged or rejected. */
  const held = new Set<JsMsg>();
  let connection: NatsConnection | undefined;
  let consumer: Consumer | undefined;
  let jsm: JetStreamManager | undefined;
  let fetching = false;
  let working: NodeJS.Timeout | undefined;

  const lostError = (why: string) => new HmsError('SOURCE_UNAVAILABLE', `the connection to NATS was lost: ${why}`);
  const lost = (why: string) => buffer.fail(lostError(why));
  /** Runs an acknowledgement; the client throws when the connection has closed under it, which is the connection lost. */
  const whileConnected = (acknowledge: () => void) => {
    try {
      acknowledge();
    } catch (error) {
      throw lostError(messageOf(error));
    }
  };

  function fetch(max: number): void {
    if (fetching || consumer === undefined) return;
    fetching = true;
    void (async () => {
      const messages = await consumer.fetch({ max_messages: max, expires: NATS_FETCH_EXPIRES_MS });
      for await (const message of messages) buffer.push(toMessage(message, settings.stream));
    })().catch((error: unknown) => lost(messageOf(error))).finally(() => {
      fetching = false;
      buffer.nudge();
    });
  }

  return {
    async connect() {
      try {
        connection = await connect(connectionOptions(source));
      } catch (error) {
        throw new HmsError('SOURCE_UNAVAILABLE', `cannot connect to NATS (${settings.servers.length} server(s)): ${messageOf(error)}`, { cause: error });
      }
      void connection.closed().then((error) => lost(error ? messageOf(error) : 'closed'));
      jsm = await jetstreamManager(connection, { timeout: NATS_CONNECT_TIMEOUT_MS });
      const info = await ensureConsumer(jsm, settings, source.maxInFlight);
      if (info.config.ack_policy !== AckPolicy.Explicit) {
        throw new HmsError('SOURCE_UNAVAILABLE', `consumer "${settings.consumer}" acknowledges with policy "${info.config.ack_policy}"; hms-sync needs explicit acks to acknowledge only stored events: recreate it with ack_policy explicit`);
      }
      consumer = await jetstream(connection, { timeout: NATS_CONNECT_TIMEOUT_MS }).consumers.get(settings.stream, settings.consumer);
      const ackWaitMs = Math.round((info.config.ack_wait ?? 30e9) / 1e6);
      working = setInterval(() => {
        for (const message of held) message.working();
      }, Math.max(MIN_WORKING_INTERVAL_MS, Math.floor(ackWaitMs / 3)));
    },
    take(max, signal) {
      return buffer.take(max, signal, fetch).then((messages) => {
        for (const message of messages) held.add(message.raw);
        return messages;
      });
    },
    async ack(messages) {
      for (const message of messages) {
        whileConnected(() => message.raw.ack());
        held.delete(message.raw);
      }
    },
    async reject(message, reason) {
      // Servers before 2.11 take "+TERM reason" for something else than a term.
      const withReason = connection !== undefined && serverAtLeast(connection.info?.version, 2, 11);
      whileConnected(() => (withReason ? message.raw.term(reason) : message.raw.term()));
      held.delete(message.raw);
    },
    async lag() {
      return consumer === undefined ? null : (await consumer.info()).num_pending;
    },
    async publish(event) {
      if (connection === undefined || source.outcomes === undefined || !('subject' in source.outcomes)) return;
      const id = natsHeaders();
      id.set('Nats-Msg-Id', String(event.id));
      connection.publish(`${source.outcomes.subject}.${event.type.replace(/^sync\./, '')}`, JSON.stringify(event), { headers: id });
    },
    async close() {
      clearInterval(working);
      // Delivered but never taken: hand them back at once rather than after the ack wait.
      for (const message of buffer.clear()) message.raw.nak();
      held.clear();
      const closing = connection;
      connection = undefined;
      if (closing === undefined || closing.isClosed()) return;
      await closing.flush().catch(() => undefined);
      await closing.close();
    },
  };
}

function connectionOptions(source: CompiledSource & { readonly type: 'nats' }): NodeConnectionOptions {
  const { servers, auth, tls } = source.nats;
  const options: NodeConnectionOptions = {
    servers: [...servers],
    name: `hms-sync source ${source.name}`,
    reconnect: false,
    timeout: NATS_CONNECT_TIMEOUT_MS,
    // An async stack trace per request (every pull) costs more CPU than the rest of a message.
    noAsyncTraces: true,
    ...(tls && { tls: { ...(tls.ca !== undefined && { ca: tls.ca }), ...(tls.cert !== undefined && { cert: tls.cert }), ...(tls.key !== undefined && { key: tls.key }) } }),
  };
  if (auth === undefined) return options;
  if ('token' in auth) return { ...options, token: auth.token };
  if ('user' in auth) return { ...options, user: auth.user, pass: auth.password };
  if ('nkeySeed' in auth) return { ...options, authenticator: nkeyAuthenticator(new TextEncoder().encode(auth.nkeySeed)) };
  return { ...options, authenticator: credsAuthenticator(new TextEncoder().encode(auth.creds)) };
}

/** The consumer's info, after creating it when missing or updating its filter when it differs (unless bind). */
async function ensureConsumer(jsm: JetStreamManager, settings: CompiledNats, maxInFlight: number): Promise<ConsumerInfo> {
  try {
    await jsm.streams.info(settings.stream);
  } catch (error) {
    if (isApiError(error, JetStreamApiCodes.StreamNotFound)) {
      throw new HmsError('SOURCE_UNAVAILABLE', `stream "${settings.stream}" does not exist; create it (hms-sync never creates streams) or fix nats.stream`);
    }
    throw error;
  }
  const filter = settings.subjects === undefined ? {} : settings.subjects.length === 1 ? { filter_subject: settings.subjects[0] } : { filter_subjects: [...settings.subjects] };
  let info: ConsumerInfo | undefined;
  try {
    info = await jsm.consumers.info(settings.stream, settings.consumer);
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
  }
  if (info === undefined) {
    if (settings.bind) throw new HmsError('SOURCE_UNAVAILABLE', `consumer "${settings.consumer}" does not exist on stream "${settings.stream}", and bind: true forbids creating it; create it or remove bind`);
    return jsm.consumers.add(settings.stream, {
      durable_name: settings.consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: maxInFlight * MAX_ACK_PENDING_PER_IN_FLIGHT,
      ...filter,
    });
  }
  const current = info.config.filter_subjects ?? (info.config.filter_subject ? [info.config.filter_subject] : []);
  if (settings.bind || sameSubjects(current, settings.subjects ?? [])) return info;
  return jsm.consumers.update(settings.stream, settings.consumer, settings.subjects === undefined ? { filter_subject: '' } : filter);
}

function toMessage(raw: JsMsg, stream: string): NatsMessage {
  const sequence = raw.seq;
  const headers = raw.headers === undefined ? undefined : Object.fromEntries(raw.headers.keys().map((key) => [key, raw.headers!.get(key)]));
  return {
    raw,
    body: raw.data,
    context: { subject: raw.subject, headers, stream, sequence, redelivered: raw.redelivered },
    position: `stream ${stream} sequence ${sequence} (subject ${raw.subject})`,
    id: `nats:${stream}:${sequence}`,
  };
}

/** True when a server version `major.minor.patch` is at least `major.minor`. */
function serverAtLeast(version: string | undefined, major: number, minor: number): boolean {
  const [have = 0, haveMinor = 0] = (version ?? '').split('.').map(Number);
  return have > major || (have === major && haveMinor >= minor);
}

function sameSubjects(a: readonly string[], b: readonly string[]): boolean {
  const wanted = new Set(b);
  return a.length === wanted.size && a.every((subject) => wanted.has(subject));
}

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
