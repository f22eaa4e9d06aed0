/**
 * Mistakes in function calls that JSONata itself only finds when an event is evaluated, found at
 * load instead: a call to a function that does not exist (`$lowcase`, `$upercase`) and a call of
 * a built-in with too few or too many arguments. Without this check such an expression passes
 * `validate` and every delivery dies with "Attempted to invoke a non-function".
 *
 * A name bound anywhere in the expression (`$f := function...`, a lambda's parameters, `@$x`,
 * `#$i`) counts as defined, wherever its scope ends: the check never refuses a valid expression.
 */
import { suggest } from '../problems/suggest.js';

/**
 * Every built-in function of jsonata 2 and its signature, as jsonata declares them
 * (test/config/expression/function-calls.test.ts checks this table against jsonata itself).
 */
export const JSONATA_FUNCTION_SIGNATURES: Readonly<Record<string, string>> = {
  sum: '<a<n>:n>', count: '<a:n>', max: '<a<n>:n>', min: '<a<n>:n>', average: '<a<n>:n>',
  string: '<x-b?:s>', substring: '<s-nn?:s>', substringBefore: '<s-s:s>', substringAfter: '<s-s:s>',
  lowercase: '<s-:s>', uppercase: '<s-:s>', length: '<s-:n>', trim: '<s-:s>', pad: '<s-ns?:s>',
  match: '<s-f<s:o>n?:a<o>>', contains: '<s-(sf):b>', replace: '<s-(sf)(sf)n?:s>', split: '<s-(sf)n?:a<s>>',
  join: '<a<s>s?:s>', formatNumber: '<n-so?:s>', formatBase: '<n-n?:s>', formatInteger: '<n-s:s>',
  parseInteger: '<s-s:n>', number: '<(nsb)-:n>', floor: '<n-:n>', ceil: '<n-:n>', round: '<n-n?:n>',
  abs: '<n-:n>', sqrt: '<n-:n>', power: '<n-n:n>', random: '<:n>', boolean: '<x-:b>', not: '<x-:b>',
  map: '<af>', zip: '<a+>', filter: '<af>', single: '<af?>', reduce: '<afj?:j>', sift: '<o-f?:o>',
  keys: '<x-:a<s>>', lookup: '<x-s:x>', append: '<xx:a>', exists: '<x:b>', spread: '<x-:a<o>>',
  merge: '<a<o>:o>', reverse: '<a:a>', each: '<o-f:a>', error: '<s?:x>', assert: '<bs?:x>', type: '<x:s>',
  sort: '<af?:a>', shuffle: '<a:a>', distinct: '<x:x>', base64encode: '<s-:s>', base64decode: '<s-:s>',
  encodeUrlComponent: '<s-:s>', encodeUrl: '<s-:s>', decodeUrlComponent: '<s-:s>', decodeUrl: '<s-:s>',
  eval: '<sx?:x>', toMillis: '<s-s?:n>', fromMillis: '<n-s?s?:s>', clone: '<(oa)-:o>', now: '<s?s?:s>', millis: '<:n>',
};

/** A bad call, with the 0-based offset of its `$` in the expression. */
export interface FunctionCallProblem {
  readonly offset: number;
  readonly detail: string;
}

/** How many arguments a signature takes: `-` parameters may come from the context, `?` ones may
 * be left out, a `+` parameter takes any number. */
export function arityOf(signature: string): { readonly min: number; readonly max: number } {
  const params = signature.slice(1, returnTypeStart(signature));
  let min = 0;
  let max = 0;
  for (let i = 0; i < params.length; ) {
    i = skipType(params, i);
    const modifier = params[i];
    max += 1;
    if (modifier === '+') max = Infinity;
    if (modifier !== '?' && modifier !== '-') min += 1;
    if (modifier === '?' || modifier === '-' || modifier === '+') i += 1;
  }
  return { min, max };
}

/** Where the parameters of a signature end: its top-level `:` (parameter types such as `f<s:o>`
 * hold one too), or its closing `>`. */
function returnTypeStart(signature: string): number {
  let depth = 0;
  for (let i = 1; i < signature.length - 1; i++) {
    if (signature[i] === '<' || signature[i] === '(') depth += 1;
    else if (signature[i] === '>' || signature[i] === ')') depth -= 1;
    else if (signature[i] === ':' && depth === 0) return i;
  }
  return signature.length - 1;
}

/** The offset just past the parameter type starting at `i`: a letter, `(…)` or a letter with `<…>`. */
function skipType(params: string, i: number): number {
  const open = params[i] === '(' ? '(' : params[i + 1] === '<' ? '<' : undefined;
  if (open === undefined) return i + 1;
  const close = open === '(' ? ')' : '>';
  let depth = 0;
  for (let j = open === '(' ? i : i + 1; j < params.length; j++) {
    if (params[j] === open) depth += 1;
    else if (params[j] === close && --depth === 0) return j + 1;
  }
  return params.length;
}

interface Node {
  readonly type?: unknown;
  readonly value?: unknown;
  readonly position?: unknown;
  readonly procedure?: Node;
  readonly arguments?: readonly Node[];
  readonly lhs?: Node;
  readonly rhs?: Node;
  readonly focus?: unknown;
  readonly index?: unknown;
}

/** Every bad call of a jsonata AST, in source order. */
export function badFunctionCalls(ast: unknown): FunctionCallProblem[] {
  const nodes = allNodes(ast);
  const bound = boundNames(nodes);
  const problems: FunctionCallProblem[] = [];
  for (const node of nodes) {
    if (node.type === 'function' || node.type === 'partial') {
      const piped = nodes.some((parent) => parent.type === 'apply' && parent.rhs === node) ? 1 : 0;
      const problem = checkCall(node.procedure, (node.arguments?.length ?? 0) + piped, bound);
      if (problem !== undefined) problems.push(problem);
    } else if (node.type === 'apply' && node.rhs?.type === 'variable') {
      const problem = checkCall(node.rhs, 1, bound);
      if (problem !== undefined) problems.push(problem);
    }
  }
  return problems.sort((a, b) => a.offset - b.offset);
}

function checkCall(procedure: Node | undefined, argumentCount: number, bound: ReadonlySet<string>): FunctionCallProblem | undefined {
  if (procedure?.type !== 'variable' || typeof procedure.value !== 'string' || procedure.value === '' || bound.has(procedure.value)) return undefined;
  const name = procedure.value;
  const offset = Math.max(0, (typeof procedure.position === 'number' ? procedure.position : 0) - name.length - 1);
  const signature = JSONATA_FUNCTION_SIGNATURES[name];
  if (signature === undefined) {
    const nearest = suggest(name, Object.keys(JSONATA_FUNCTION_SIGNATURES));
    const hint = nearest === undefined ? 'check its spelling against the JSONata function library' : `did you mean $${nearest}?`;
    return { offset, detail: `$${name} is not a JSONata function, nor defined in this expression; ${hint}` };
  }
  const { min, max } = arityOf(signature);
  if (argumentCount >= min && argumentCount <= max) return undefined;
  const takes = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
  return { offset, detail: `$${name} takes ${takes} argument${max === 1 && min === 1 ? '' : 's'}, not ${argumentCount} (signature ${signature})` };
}

/** Every variable name the expression binds: assignments, lambda parameters, `@$x` and `#$i`. */
function boundNames(nodes: readonly Node[]): Set<string> {
  const bound = new Set<string>();
  for (const node of nodes) {
    if (node.type === 'bind' && node.lhs?.type === 'variable' && typeof node.lhs.value === 'string') bound.add(node.lhs.value);
    if (node.type === 'lambda') for (const parameter of node.arguments ?? []) if (typeof parameter.value === 'string') bound.add(parameter.value);
    if (typeof node.focus === 'string') bound.add(node.focus);
    if (typeof node.index === 'string') bound.add(node.index);
  }
  return bound;
}

/** Every object node of the AST, each once. */
function allNodes(ast: unknown): Node[] {
  const nodes: Node[] = [];
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || value instanceof RegExp || seen.has(value)) return;
    seen.add(value);
    if (!Array.isArray(value)) nodes.push(value as Node);
    for (const child of Object.values(value)) visit(child);
  };
  visit(ast);
  return nodes;
}
