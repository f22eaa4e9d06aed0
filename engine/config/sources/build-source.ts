/**
 * The last step for one source file: a schema-valid SourceFile (defaults filled in) plus its
 * compiled `event:` expressions and TLS material become a frozen CompiledSource, after the checks
 * the schema cannot express: the settings block matches `type`, URLs have the right scheme, one
 * NATS auth method, settings that only apply beside another one, outcomes the broker can take.
 */
import { MAX_TIMER_DELAY_MS } from '../../clock.js';
import { HmsError } from '../../errors.js';
import type { CompiledTls } from '../compiled.js';
import { compileExpressionAt } from '../compile/compile-expressions.js';
import { deepFreeze } from '../compile/deep-freeze.js';
import { at, formatDataPath, valueAt } from '../problems/data-path.js';
import type { LocatedProblem } from '../problems/located-problem.js';
import type { DataPath, YamlLocator } from '../problems/yaml-locator.js';
import { MIN_SECRET_LENGTH } from '../interpolate/interpolate.js';
import type { AmqpSource, NatsAuth, NatsSource, PostgresOutboxSource, SourceFile } from '../schema/source-file.generated.js';
import { parseDuration } from '../values/duration.js';
import { parseSize } from '../values/size.js';
import type { CompiledAmqp, CompiledEventMapping, CompiledNats, CompiledNatsAuth, CompiledOutbox, CompiledSource, SourceOutcomesTarget, SourceType } from './compiled-source.js';
import { subjectMatches } from './nats-subject.js';

/** The key of each type's settings block. */
export const SETTINGS_KEY: Readonly<Record<SourceType, 'nats' | 'amqp' | 'postgres-outbox'>> = { nats: 'nats', amqp: 'amqp', 'postgres-outbox': 'postgres-outbox' };

const URL_SCHEMES: Readonly<Record<SourceType, readonly string[]>> = { nats: ['nats:', 'tls:'], amqp: ['amqp:', 'amqps:'], 'postgres-outbox': ['postgres:', 'postgresql:'] };

export interface SourceBuildInput {
  readonly file: string;
  readonly revision: string;
  /** Validated, every schema default filled in. */
  readonly value: SourceFile;
  /** The same data as written, before defaults: tells a written field from a default. */
  readonly written: unknown;
  readonly event: CompiledEventMapping;
  /** Values interpolated from the environment or files; URLs and credentials are added. */
  readonly interpolatedSecrets: readonly string[];
  readonly locator: YamlLocator;
  /** Formatted paths of values still holding `${env:...}` / `${file:...}` text: their form is not checked. */
  readonly unresolved: ReadonlySet<string>;
  readonly tls?: CompiledTls;
}

export type SourceBuild =
  | { readonly source: CompiledSource; readonly problems: readonly [] }
  | { readonly source?: undefined; readonly problems: readonly LocatedProblem[] };

/** Compiles `event.type`, `event.id` and `event.body` (on the data as written, so their problems come with the schema's). */
export function compileEventMapping(data: unknown, locator: YamlLocator): { readonly event?: CompiledEventMapping; readonly problems: readonly LocatedProblem[] } {
  const written = (data as { event?: unknown }).event;
  const fields = typeof written === 'object' && written !== null ? (written as Record<string, unknown>) : {};
  const problems: LocatedProblem[] = [];
  const compiled: Record<string, unknown> = {};
  for (const field of ['type', 'id', 'body'] as const) {
    const source = fields[field] ?? (field === 'body' ? 'body' : undefined);
    if (typeof source !== 'string' || source === '') continue;
    const result = compileExpressionAt(['event', field], source, locator);
    if ('problems' in result) problems.push(...result.problems);
    else compiled[field] = result.expression;
  }
  return problems.length > 0 || compiled.body === undefined ? { problems } : { event: compiled as unknown as CompiledEventMapping, problems };
}

export function buildSource(input: SourceBuildInput): SourceBuild {
  const { value, locator } = input;
  const problems: LocatedProblem[] = [];
  const unresolved = (path: DataPath): boolean => input.unresolved.has(formatDataPath(path));
  const problem = (path: DataPath, message: string, key = false): void => {
    if (unresolved(path)) return;
    problems.push({ path, position: key ? locator.key(path) : locator.value(path), code: 'CONFIG_SCHEMA', message: at(path, message) });
  };
  const isWritten = (path: DataPath): boolean => valueAt(input.written, path) !== undefined;
  const secrets: string[] = [...input.interpolatedSecrets];
  const checkUrl = (path: DataPath, text: string): void => {
    if (unresolved(path)) return;
    const shown = input.interpolatedSecrets.some((secret) => text.includes(secret)) ? 'the URL (from the environment, not shown)' : `"${withoutPassword(text)}"`;
    const schemes = URL_SCHEMES[value.type];
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      problem(path, `${shown} is not a valid URL; write it like ${schemes[0]}//host:port`);
      return;
    }
    if (!schemes.includes(url.protocol)) problem(path, `${shown} must start with ${schemes.map((s) => `${s}//`).join(' or ')}`);
    if (url.password !== '') secrets.push(text, decodeURIComponent(url.password));
  };

  for (const type of Object.keys(SETTINGS_KEY) as SourceType[]) {
    const key = SETTINGS_KEY[type];
    if (type !== value.type && value[key] !== undefined) problem([key], `holds settings for type ${type}, and this source is type ${value.type}; remove it or change type`, true);
  }
  const quantity = (path: DataPath, text: string, parse: (text: string) => number): number => {
    try {
      return parse(text);
    } catch (error) {
      problem(path, (error as Error).message);
      return 0;
    }
  };
  const maxBodyBytes = quantity(['maxBody'], filled(value.maxBody), parseSize);
  let outcomes: SourceOutcomesTarget | undefined;
  if (value.outcomes !== undefined) outcomes = checkOutcomes(value, problem);

  let settings: { nats: CompiledNats } | { amqp: CompiledAmqp } | { outbox: CompiledOutbox } | undefined;
  if (value.type === 'nats' && value.nats) {
    value.nats.servers?.forEach((server, index) => checkUrl(['nats', 'servers', index], server));
    const auth = value.nats.auth === undefined ? undefined : natsAuth(value.nats.auth, problem);
    if (auth) secrets.push(...Object.values(auth));
    if (outcomes && 'subject' in outcomes && value.nats.subjects?.some((filter) => subjectMatches(filter, `${outcomes.subject}.delivered`))) {
      problem(['outcomes', 'subject'], `"${outcomes.subject}.delivered" is among the subjects this source takes, so it would read its own outcomes back; publish them to a subject outside nats.subjects`);
    }
    settings = { nats: natsSettings(value.nats, auth, input.tls) };
  } else if (value.type === 'amqp' && value.amqp) {
    checkUrl(['amqp', 'url'], value.amqp.url);
    for (const field of ['exchangeType', 'bindingKeys', 'deadLetterExchange'] as const) {
      if (isWritten(['amqp', field]) && value.amqp.exchange === undefined) {
        problem(['amqp', field], 'applies only when hms-sync declares the queue; add amqp.exchange (to declare the queue and bind it to that exchange), or remove it', true);
      }
    }
    if (input.tls !== undefined && /^amqp:/i.test(value.amqp.url) && !unresolved(['amqp', 'url'])) problem(['amqp', 'tls'], 'TLS needs an amqps:// URL, and amqp.url uses amqp://; change it to amqps:// or remove tls', true);
    settings = { amqp: amqpSettings(value.amqp, filled(value.maxInFlight), input.tls) };
  } else if (value.type === 'postgres-outbox' && value['postgres-outbox']) {
    const outbox = value['postgres-outbox'];
    checkUrl(['postgres-outbox', 'url'], outbox.url);
    const pollIntervalMs = quantity(['postgres-outbox', 'pollInterval'], filled(outbox.pollInterval), parseDuration);
    if (pollIntervalMs < 1 || pollIntervalMs > MAX_TIMER_DELAY_MS) problem(['postgres-outbox', 'pollInterval'], `must be between 1ms and ${MAX_TIMER_DELAY_MS}ms (about 24 days)`);
    if (outbox.onConsume !== 'mark' && (isWritten(['postgres-outbox', 'columns', 'processedAt']) || isWritten(['postgres-outbox', 'columns', 'error']))) {
      problem(['postgres-outbox', 'columns'], 'processedAt and error are used only with onConsume: mark; set onConsume: mark, or remove them', true);
    }
    settings = { outbox: outboxSettings(outbox, pollIntervalMs, input.tls) };
  }
  if (input.tls?.key !== undefined) secrets.push(input.tls.key);

  if (problems.length > 0 || settings === undefined) return { problems };
  const source = {
    name: value.name,
    file: input.file,
    revision: input.revision,
    ...(value.description !== undefined && { description: value.description }),
    type: value.type,
    ...settings,
    event: input.event,
    maxInFlight: filled(value.maxInFlight),
    maxBodyBytes,
    ...(outcomes && { outcomes }),
    secrets: [...new Set(secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length),
    source: value,
  } as CompiledSource;
  return { source: deepFreeze(source), problems: [] };
}

function natsAuth(auth: NatsAuth, problem: (path: DataPath, message: string, key?: boolean) => void): CompiledNatsAuth | undefined {
  const methods = [
    auth.token !== undefined && { token: auth.token },
    auth.user !== undefined && auth.password !== undefined && { user: auth.user, password: auth.password },
    auth.nkey !== undefined && { nkeySeed: auth.nkey },
    auth.creds !== undefined && { creds: auth.creds },
  ].filter((method): method is CompiledNatsAuth => method !== false);
  if (methods.length === 1) return methods[0];
  problem(['nats', 'auth'], methods.length === 0
    ? 'names no way to authenticate; give token, user and password, nkey, or creds'
    : 'gives more than one way to authenticate; keep one of token, user and password, nkey, creds', true);
  return undefined;
}

function checkOutcomes(value: SourceFile, problem: (path: DataPath, message: string, key?: boolean) => void): SourceOutcomesTarget | undefined {
  const { subject, exchange } = value.outcomes ?? {};
  if (value.type === 'nats' && subject !== undefined && exchange === undefined) return { subject };
  if (value.type === 'amqp' && exchange !== undefined && subject === undefined) return { exchange };
  const wanted = value.type === 'nats' ? 'subject (and no exchange)' : value.type === 'amqp' ? 'exchange (and no subject)' : undefined;
  problem(['outcomes'], wanted === undefined
    ? 'a postgres-outbox source has no bus to publish outcomes to; remove outcomes, and route sync.delivered or sync.dead to a connector instead'
    : `a source of type ${value.type} publishes outcomes to ${wanted}`, true);
  return undefined;
}

function natsSettings(nats: NatsSource, auth: CompiledNatsAuth | undefined, tls: CompiledTls | undefined): CompiledNats {
  return {
    servers: filled(nats.servers),
    stream: nats.stream,
    consumer: nats.consumer,
    ...(nats.subjects && { subjects: nats.subjects }),
    bind: filled(nats.bind),
    ...(auth && { auth }),
    ...(tls && { tls }),
  };
}

function amqpSettings(amqp: AmqpSource, maxInFlight: number, tls: CompiledTls | undefined): CompiledAmqp {
  return {
    url: amqp.url,
    queue: amqp.queue,
    ...(amqp.exchange !== undefined && { exchange: { name: amqp.exchange, type: filled(amqp.exchangeType), bindingKeys: filled(amqp.bindingKeys) } }),
    prefetch: amqp.prefetch ?? maxInFlight,
    ...(amqp.deadLetterExchange !== undefined && { deadLetterExchange: amqp.deadLetterExchange }),
    ...(tls && { tls }),
  };
}

function outboxSettings(outbox: PostgresOutboxSource, pollIntervalMs: number, tls: CompiledTls | undefined): CompiledOutbox {
  const columns = filled(outbox.columns);
  return {
    url: outbox.url,
    table: filled(outbox.table),
    columns: {
      id: filled(columns.id),
      type: filled(columns.type),
      payload: filled(columns.payload),
      createdAt: filled(columns.createdAt),
      ...(columns.headers !== undefined && { headers: columns.headers }),
      processedAt: filled(columns.processedAt),
      error: filled(columns.error),
    },
    onConsume: filled(outbox.onConsume),
    ...(outbox.notify !== undefined && { notify: outbox.notify }),
    pollIntervalMs,
    batch: filled(outbox.batch),
    ...(tls && { tls }),
  };
}

/** A field the schema gives a default, so a validated file always has it. */
function filled<T>(value: T | undefined): T {
  if (value === undefined) throw new HmsError('INTERNAL', 'a field with a schema default is missing: was the file validated with defaults?');
  return value;
}

/** The URL with its password replaced, for messages. */
function withoutPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#@]+@/i, '$1***@');
}
