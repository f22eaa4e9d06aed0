/**
 * The runtime form of a source file: frozen, fully compiled (JSONata compiled once per load, env
 * interpolated, durations in ms, sizes in bytes, every default of schemas/source.schema.json
 * filled in). A changed file is a new object; a source running with the old one is drained and
 * restarted with the new one.
 */
import type { CompiledExpression, CompiledTls } from '../compiled.js';
import type { SourceFile } from '../schema/source-file.generated.js';

export type SourceType = SourceFile['type'];

/** How the client authenticates to NATS; every value is also listed in `secrets`. */
export type CompiledNatsAuth =
  | { readonly token: string }
  | { readonly user: string; readonly password: string }
  | { readonly nkeySeed: string }
  | { readonly creds: string };

export interface CompiledNats {
  readonly servers: readonly string[];
  readonly stream: string;
  readonly consumer: string;
  /** Filter subjects; undefined takes every subject of the stream. */
  readonly subjects?: readonly string[];
  readonly bind: boolean;
  readonly auth?: CompiledNatsAuth;
  readonly tls?: CompiledTls;
}

export interface CompiledAmqp {
  /** The connection URL, credentials included (a secret). */
  readonly url: string;
  readonly queue: string;
  /** Declared with the queue and bound to it when given. */
  readonly exchange?: { readonly name: string; readonly type: string; readonly bindingKeys: readonly string[] };
  readonly prefetch: number;
  readonly deadLetterExchange?: string;
  readonly tls?: CompiledTls;
}

export interface OutboxColumnNames {
  readonly id: string;
  readonly type: string;
  readonly payload: string;
  readonly createdAt: string;
  readonly headers?: string;
  readonly processedAt: string;
  readonly error: string;
}

export interface CompiledOutbox {
  /** The connection URL, credentials included (a secret). */
  readonly url: string;
  /** As written: `outbox` or `schema.outbox`. */
  readonly table: string;
  readonly columns: OutboxColumnNames;
  readonly onConsume: 'delete' | 'mark';
  readonly notify?: string;
  readonly pollIntervalMs: number;
  readonly batch: number;
  readonly tls?: CompiledTls;
}

/** The `event:` expressions; type and id fall back to the adapter's defaults when absent. */
export interface CompiledEventMapping {
  readonly type?: CompiledExpression;
  readonly id?: CompiledExpression;
  readonly body: CompiledExpression;
}

export type SourceOutcomesTarget = { readonly subject: string } | { readonly exchange: string };

interface SourceCommon {
  readonly name: string;
  /** Path of the file it was loaded from. */
  readonly file: string;
  /** SHA-256 of the file (hex). */
  readonly revision: string;
  readonly description?: string;
  readonly event: CompiledEventMapping;
  readonly maxInFlight: number;
  readonly maxBodyBytes: number;
  readonly outcomes?: SourceOutcomesTarget;
  /**
   * Values that must never be logged, stored or shown: URLs with credentials, every value
   * interpolated from the environment or a file, auth values, the TLS key.
   */
  readonly secrets: readonly string[];
  /** The validated file, defaults filled in, after interpolation. */
  readonly source: SourceFile;
}

export type CompiledSource = SourceCommon & (
  | { readonly type: 'nats'; readonly nats: CompiledNats }
  | { readonly type: 'amqp'; readonly amqp: CompiledAmqp }
  | { readonly type: 'postgres-outbox'; readonly outbox: CompiledOutbox }
);
