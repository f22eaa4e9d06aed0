/**
 * JSONata's `$boolean` casting, used to decide whether a route's `when` applies:
 * - undefined (no result), null, false, 0, NaN, '' → false
 * - an array → false when empty, the item's truthiness when it has one item, otherwise true when
 *   any item is truthy
 * - an object → true when it has at least one key
 * - a function (JSONata lambda or native) → false
 * Unlike `$boolean`, undefined maps to false rather than undefined: an absent result means "no".
 */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'number':
      return value !== 0 && !Number.isNaN(value);
    case 'function':
      return false;
    case 'object':
      if (Array.isArray(value)) return value.length === 1 ? isTruthy(value[0]) : value.some(isTruthy);
      if (isJsonataFunction(value)) return false;
      return Object.keys(value).length > 0;
    default:
      return false;
  }
}

function isJsonataFunction(value: object): boolean {
  const marks = value as { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  return marks._jsonata_function === true || marks._jsonata_lambda === true;
}
