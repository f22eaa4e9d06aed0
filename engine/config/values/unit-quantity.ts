/**
 * Parses the connector format's quantities, a whole number followed by a unit (`15s`, `1MiB`),
 * into the base unit. Throws a RangeError saying how to write it for any other text, or for a
 * value past Number.MAX_SAFE_INTEGER; callers with user input turn that into a Problem.
 */
export interface QuantityKind {
  /** Matches `<digits><unit>` with the digits and the unit as groups 1 and 2. */
  readonly pattern: RegExp;
  /** Base units per unit. */
  readonly units: Readonly<Record<string, number>>;
  /** What it is, for messages: "duration", "size". */
  readonly noun: string;
  /** How to write one, for messages. */
  readonly howTo: string;
  readonly tooBig: string;
}

export function parseQuantity(text: string, kind: QuantityKind): number {
  const match = kind.pattern.exec(text);
  const unit = match?.[2];
  if (match === null || unit === undefined) throw new RangeError(`"${text}" is not a ${kind.noun}; ${kind.howTo}`);
  const value = Number(match[1]) * (kind.units[unit] ?? 1);
  if (!Number.isSafeInteger(value)) throw new RangeError(`"${text}" is ${kind.tooBig}`);
  return value;
}
