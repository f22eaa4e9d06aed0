/**
 * A fast path for the simplest JSONata expressions, which most connectors are made of: field
 * paths (`permitId`, `applicant.email`), literals, `=` and `!=` between them, `and` / `or`, and
 * object constructors with literal keys (`{ "permitId": permitId, "date": approvedDate }`).
 * jsonata evaluates every node through promises; these run as plain functions, a few times faster.
 *
 * Contract: `compileFastPath(ast)` gives a function only for expressions wholly in that subset,
 * and the function gives exactly what jsonata would, or DECLINE when the data leaves the subset
 * (an array anywhere on a path, an object compared with `=`), in which case the caller evaluates
 * with jsonata. test/config/fast-expression.test.ts checks the equivalence against jsonata itself.
 */
import { isTruthy } from './truthy.js';

export const DECLINE: unique symbol = Symbol('decline');
export type FastExpression = (input: unknown) => unknown;

type Node = Record<string, unknown>;

export function compileFastPath(ast: unknown): FastExpression | undefined {
  return compileNode(ast);
}

function compileNode(node: unknown): FastExpression | undefined {
  if (!isNode(node)) return undefined;
  switch (node.type) {
    case 'path':
      return onlyKeys(node, ['type', 'steps']) ? compilePath(node.steps) : undefined;
    case 'string':
    case 'number':
    case 'value':
      return onlyKeys(node, ['type', 'value', 'position']) ? literal(node.value) : undefined;
    case 'binary':
      return onlyKeys(node, ['type', 'value', 'position', 'lhs', 'rhs']) ? compileBinary(node) : undefined;
    case 'unary':
      return node.value === '{' && onlyKeys(node, ['type', 'value', 'position', 'lhs']) ? compileObject(node.lhs) : undefined;
    default:
      return undefined;
  }
}

function compilePath(steps: unknown): FastExpression | undefined {
  if (!Array.isArray(steps) || steps.length === 0) return undefined;
  const names: string[] = [];
  for (const step of steps) {
    if (!isNode(step) || step.type !== 'name' || typeof step.value !== 'string' || !onlyKeys(step, ['type', 'value', 'position'])) return undefined;
    names.push(step.value);
  }
  return (input) => {
    let current = input;
    for (const name of names) {
      if (Array.isArray(current)) return DECLINE;
      // As jsonata's lookup: own properties of objects only; anything else has no fields.
      if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, name)) return undefined;
      current = (current as Record<string, unknown>)[name];
    }
    return Array.isArray(current) || typeof current === 'function' ? DECLINE : current;
  };
}

function literal(value: unknown): FastExpression | undefined {
  if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  return () => value;
}

function compileBinary(node: Node): FastExpression | undefined {
  const lhs = compileNode(node.lhs);
  const rhs = compileNode(node.rhs);
  if (!lhs || !rhs) return undefined;
  switch (node.value) {
    case '=':
    case '!=': {
      const equal = node.value === '=';
      return (input) => {
        const left = lhs(input);
        const right = rhs(input);
        if (left === DECLINE || right === DECLINE) return DECLINE;
        if (left === undefined || right === undefined) return false;
        if (isObject(left) || isObject(right)) return DECLINE;
        return (left === right) === equal;
      };
    }
    case 'and':
    case 'or': {
      const and = node.value === 'and';
      return (input) => {
        const left = lhs(input);
        if (left === DECLINE) return DECLINE;
        if (isTruthy(left) !== and) return !and;
        const right = rhs(input);
        return right === DECLINE ? DECLINE : isTruthy(right);
      };
    }
    default:
      return undefined;
  }
}

function compileObject(pairs: unknown): FastExpression | undefined {
  if (!Array.isArray(pairs)) return undefined;
  const fields: [string, FastExpression][] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const [key, value] = pair as [unknown, unknown];
    // Only literal keys, each once: jsonata reports duplicate keys as an error, so it keeps those.
    if (!isNode(key) || key.type !== 'string' || typeof key.value !== 'string' || fields.some(([name]) => name === key.value)) return undefined;
    const compiled = compileNode(value);
    if (!compiled) return undefined;
    fields.push([key.value, compiled]);
  }
  return (input) => {
    // jsonata maps an object constructor over an array input; leave that to it.
    if (Array.isArray(input)) return DECLINE;
    const result: Record<string, unknown> = {};
    for (const [name, value] of fields) {
      const field = value(input);
      if (field === DECLINE) return DECLINE;
      if (field !== undefined) result[name] = field;
    }
    return result;
  };
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

/** True when the node has no keys but these: any other key (predicate, group, focus, ...) is outside the subset. */
function onlyKeys(node: Node, allowed: readonly string[]): boolean {
  return Object.keys(node).every((key) => allowed.includes(key));
}
