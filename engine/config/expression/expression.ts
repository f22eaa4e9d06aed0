/**
 * JSONata expressions of a connector (`when`, `map`, each `{...}` of `path`): compiled once per
 * load, evaluated per event under time and depth guardrails so a runaway expression fails its
 * delivery instead of stalling the engine.
 */
import jsonata from 'jsonata';
import { HmsError, type ErrorCode } from '../../errors.js';
import type { CompiledExpression } from '../compiled.js';
import { compileFastPath, DECLINE } from './fast-expression.js';
import { badFunctionCalls, type FunctionCallProblem } from './function-calls.js';
import { linearRegexEngine, UnsupportedRegexError } from './linear-regex.js';

export { isTruthy } from './truthy.js';

/** Longest an evaluation may run before it rejects (jsonata checks between evaluation steps). It is
 * time by the clock, so a process the machine stalls (a busy core, a long GC) can pass it with an
 * expression that is not runaway: an evaluation past it is tried once more before it fails, and a
 * runaway expression fails after twice this. */
export const EXPRESSION_TIMEOUT_MS = 250;
/** Deepest nesting of function calls an evaluation may reach (stops non-tail recursion). */
export const EXPRESSION_STACK_DEPTH = 200;

/** jsonata's codes for an evaluation a guardrail stopped: too deep (D1011), too long (D1012). */
const TIMEOUT_CODE = 'D1012';
const GUARDRAIL_CODES: ReadonlySet<unknown> = new Set(['D1011', TIMEOUT_CODE]);
/** jsonata's error code, when the error has one. */
const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

/** The MAPPING_FAILED of an evaluation that a guardrail stopped, rather than one the expression
 * itself failed: a caller that runs one expression over many inputs stops on it. */
export class ExpressionGuardrailError extends HmsError {
  constructor(message: string) {
    super('MAPPING_FAILED', message);
    this.name = 'ExpressionGuardrailError';
  }
}

/** Thrown by compileExpression for invalid JSONata (CONFIG_JSONATA_SYNTAX) or a call of a function
 * that does not exist or with the wrong number of arguments (CONFIG_JSONATA_FUNCTION); the loader
 * turns it into a Problem. */
export class ExpressionSyntaxError extends HmsError {
  /** Where in the connector, e.g. `routes[0].map`. */
  readonly where: string;
  /** 0-based offset inside the expression source of the offending token (best effort). */
  readonly offset: number;
  /** JSONata's own message, without position. */
  readonly detail: string;
  /** More problems of the same expression, each with its offset (all bad calls are reported at once). */
  readonly more: readonly FunctionCallProblem[];

  constructor(where: string, offset: number, detail: string, code: Extract<ErrorCode, 'CONFIG_JSONATA_SYNTAX' | 'CONFIG_JSONATA_FUNCTION'> = 'CONFIG_JSONATA_SYNTAX', more: readonly FunctionCallProblem[] = []) {
    super(code, `${where}: invalid JSONata: ${detail}`);
    this.name = 'ExpressionSyntaxError';
    this.where = where;
    this.offset = offset;
    this.detail = detail;
    this.more = more;
  }
}

/**
 * Compiles `source`. Throws ExpressionSyntaxError when it is not valid JSONata, or when one of its
 * regular expressions cannot run on RE2 (see linear-regex.ts). The result's
 * `evaluate` rejects with HmsError MAPPING_FAILED `<where>: <jsonata message>` on any evaluation
 * error (an ExpressionGuardrailError for the guardrails); the error carries no cause, so the
 * event's data is not attached to it.
 */
export function compileExpression(source: string, where: string): CompiledExpression {
  const RegexEngine = linearRegexEngine();
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source, { timeout: EXPRESSION_TIMEOUT_MS, stack: EXPRESSION_STACK_DEPTH, RegexEngine: RegexEngine as unknown as RegExpConstructor });
  } catch (error) {
    throw new ExpressionSyntaxError(where, errorOffset(error, source), messageOf(error) + equalityHint(error, source));
  }
  for (const literal of regexLiterals(expression.ast())) {
    try {
      new RegexEngine(literal.regex); // compiles and caches it now, so a regex RE2 cannot run fails the load
    } catch (error) {
      // Past the opening slash to the offending token, when the translation found one.
      const inPattern = error instanceof UnsupportedRegexError && error.index !== undefined ? 1 + error.index : 0;
      throw new ExpressionSyntaxError(where, clamp(regexOffset(literal, source) + inPattern, 0, source.length), (error as Error).message);
    }
  }
  const [call, ...more] = badFunctionCalls(expression.ast());
  if (call !== undefined) throw new ExpressionSyntaxError(where, call.offset, call.detail, 'CONFIG_JSONATA_FUNCTION', more);
  const fast = compileFastPath(expression.ast());
  return Object.freeze({
    source,
    readsInput: readsInput(expression.ast()),
    async evaluate(input: unknown): Promise<unknown> {
      if (fast) {
        const result = fast(input);
        if (result !== DECLINE) return result;
      }
      try {
        return await expression.evaluate(input).catch((error: unknown) => (codeOf(error) === TIMEOUT_CODE ? expression.evaluate(input) : Promise.reject(error)));
      } catch (error) {
        const message = `${where}: ${messageOf(error)}`;
        throw GUARDRAIL_CODES.has(codeOf(error)) ? new ExpressionGuardrailError(message) : new HmsError('MAPPING_FAILED', message);
      }
    },
  });
}

interface RegexLiteral {
  readonly regex: RegExp;
  /** jsonata's position: the offset just past the literal. */
  readonly position: number;
}

/** Every node of a jsonata AST (objects with a `type`), each once. */
function astNodes(ast: unknown): Array<{ readonly type?: unknown; readonly value?: unknown; readonly position?: unknown }> {
  const found: object[] = [];
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || node instanceof RegExp || seen.has(node)) return;
    seen.add(node);
    if ('type' in node) found.push(node);
    for (const child of Object.values(node)) visit(child);
  };
  visit(ast);
  return found;
}

/** Every regex literal of a jsonata AST (nodes `{ type: 'regex', value: RegExp }`). */
function regexLiterals(ast: unknown): RegexLiteral[] {
  return astNodes(ast).flatMap(({ type, value, position }) =>
    type === 'regex' && value instanceof RegExp ? [{ regex: value, position: typeof position === 'number' ? position : 0 }] : [],
  );
}

/** Node types that read the input: a field name, `*`, `**`, `%`; and the variables `$` and `$$`. */
const INPUT_NODES = new Set(['name', 'wildcard', 'descendant', 'parent']);

function readsInput(ast: unknown): boolean {
  return astNodes(ast).some(({ type, value }) => (typeof type === 'string' && INPUT_NODES.has(type)) || (type === 'variable' && (value === '' || value === '$')));
}

/** The offset of the `/` that opens a regex literal: jsonata's position is just past its flags. */
function regexOffset({ regex, position }: RegexLiteral, source: string): number {
  const literalLength = regex.source.length + 2 + regex.flags.replace('g', '').length;
  return clamp(position - literalLength, 0, source.length);
}

/** jsonata throws plain objects `{ code, message, position, token }`, not Errors. */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? message : 'invalid expression';
}

/** `==` (or `===`) is a syntax error in JSONata, whose message ("= cannot be used as a unary
 * operator") does not say what to write instead. */
function equalityHint(error: unknown, source: string): string {
  const { token, position } = (error ?? {}) as { token?: unknown; position?: unknown };
  if (token !== '=' || typeof position !== 'number' || source[position - 2] !== '=') return '';
  return '; JSONata compares with a single "=" (and "!="), write a = b';
}

/**
 * jsonata's `position` is the offset just past the offending token; step back over the token so
 * the reported column is its first character. At the end of input, point at the last non-blank
 * character.
 */
function errorOffset(error: unknown, source: string): number {
  const { position, token } = (error ?? {}) as { position?: unknown; token?: unknown };
  if (typeof position !== 'number') return 0;
  if (typeof token === 'string' && token !== '(end)') return clamp(position - token.length, 0, source.length);
  const end = Math.min(position, source.length);
  const lastNonBlank = source.slice(0, end).trimEnd().length - 1;
  return clamp(lastNonBlank, 0, source.length);
}

function clamp(n: number, low: number, high: number): number {
  return Math.min(Math.max(n, low), high);
}
