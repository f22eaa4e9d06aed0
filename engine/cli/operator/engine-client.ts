/**
 * The HTTP client of the operator commands (`hms-sync deliveries`, `connectors`, `replay`): they
 * act on a running engine through its API, never on its data directory.
 *
 * Interface, for every operator command:
 * - `operatorConnection(flags, env)`: where the engine is (`--url`, else HMS_SYNC_URL, else
 *   DEFAULT_ENGINE_URL) and the token sent (HMS_SYNC_API_TOKEN, else HMS_SYNC_READ_TOKEN, which
 *   lets reads through and gets 403 for actions).
 * - `createEngineClient(connection)`: `get`, `post` and `delete` a path with query parameters (and
 *   a JSON body); each resolves with the answer's JSON when it is 2xx, and rejects with an
 *   EngineRequestError otherwise.
 * - `runOperator(task)`: runs a command's work, printing an EngineRequestError (or a USAGE error)
 *   as one line on stderr, and resolves with the exit code to return (OPERATOR_EXIT).
 */
import { HmsError } from '../../errors.js';

export const DEFAULT_ENGINE_URL = 'http://127.0.0.1:8080';
/** Longest wait for an answer: bulk actions over a large store take a while. */
export const ENGINE_REQUEST_TIMEOUT_MS = 120_000;

/** The exit codes of the operator commands (docs/cli.md › Operator commands). */
export const OPERATOR_EXIT = {
  /** It did what was asked. */
  ok: 0,
  /** The engine refused or failed: no such delivery (404), not in a state for it (409), a 5xx. */
  refused: 1,
  /** The command line, or a filter the engine found invalid (400). */
  usage: 2,
  /** No engine answered at the URL (refused, timed out, not HTTP). */
  unreachable: 3,
  /** The token is missing or wrong (401), or may not do this (403). */
  denied: 4,
} as const;

export interface EngineConnection {
  /** The engine's base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly token: string | undefined;
}

/** A query: parameters left undefined are not sent. */
export type QueryParams = Readonly<Record<string, string | number | boolean | undefined>>;

export interface EngineClient {
  readonly url: string;
  get<T>(path: string, query?: QueryParams): Promise<T>;
  post<T>(path: string, query?: QueryParams, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

/** What the engine answered (or that it did not), and the exit code that stands for it. */
export class EngineRequestError extends Error {
  constructor(
    message: string,
    /** The HTTP status; null when no answer came. */
    readonly status: number | null,
    /** The engine's error code (errors.md), when it gave one. */
    readonly code: string | null,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

export function operatorConnection(url: string | undefined, env: Readonly<Record<string, string | undefined>>): EngineConnection {
  const base = url ?? (env.HMS_SYNC_URL || DEFAULT_ENGINE_URL);
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw new HmsError('USAGE', `--url (or HMS_SYNC_URL) must be the engine's address, e.g. ${DEFAULT_ENGINE_URL}, not "${base}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new HmsError('USAGE', `--url must start with http:// or https://, not "${base}"`);
  return { url: base.replace(/\/+$/, ''), token: env.HMS_SYNC_API_TOKEN || env.HMS_SYNC_READ_TOKEN || undefined };
}

export function createEngineClient(connection: EngineConnection, fetchImpl: typeof fetch = fetch): EngineClient {
  async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, query: QueryParams = {}, body?: unknown): Promise<T> {
    const target = new URL(connection.url + path);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) target.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (connection.token !== undefined) headers.authorization = `Bearer ${connection.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(target, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }), signal: AbortSignal.timeout(ENGINE_REQUEST_TIMEOUT_MS) });
    } catch (error) {
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new EngineRequestError(`no engine answered at ${connection.url} (${cause}); is it running? (--url, HMS_SYNC_URL)`, null, null, OPERATOR_EXIT.unreachable);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new EngineRequestError(`${connection.url} answered ${method} ${path} with ${response.status} and no JSON; is it an hms-sync engine?`, response.status, null, OPERATOR_EXIT.unreachable);
    }
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string } }).error;
    const code = error?.code ?? null;
    throw new EngineRequestError(`${code ?? response.status}: ${error?.message ?? text}`, response.status, code, exitCodeOf(response.status));
  }
  return {
    url: connection.url,
    get: (path, query) => call('GET', path, query),
    post: (path, query, body) => call('POST', path, query, body),
    delete: (path) => call('DELETE', path),
  };
}

function exitCodeOf(status: number): number {
  if (status === 401 || status === 403) return OPERATOR_EXIT.denied;
  return status === 400 ? OPERATOR_EXIT.usage : OPERATOR_EXIT.refused;
}

/** Runs `task`, turning an EngineRequestError or a USAGE error into a line on stderr and its exit code. */
export async function runOperator(task: () => Promise<number>, stderr: (text: string) => void = (text) => process.stderr.write(text)): Promise<number> {
  try {
    return await task();
  } catch (error) {
    if (error instanceof EngineRequestError) {
      stderr(`hms-sync: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof HmsError && error.code === 'USAGE') {
      stderr(`hms-sync: ${error.message}\n`);
      return OPERATOR_EXIT.usage;
    }
    throw error;
  }
}
