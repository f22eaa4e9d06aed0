/** Sizes as the connector format writes them: a whole number followed by B, KB, MB, KiB or MiB. */

import { parseQuantity, type QuantityKind } from './unit-quantity.js';

const SIZE: QuantityKind = {
  pattern: /^([0-9]+)(B|KB|MB|KiB|MiB)$/,
  // KB and MB are decimal (1000, 1000²), KiB and MiB binary (1024, 1024²), as everywhere else.
  units: { B: 1, KB: 1_000, MB: 1_000_000, KiB: 1_024, MiB: 1_048_576 },
  noun: 'size',
  howTo: 'write a whole number followed by B, KB, MB, KiB or MiB (e.g. 1MiB)',
  tooBig: 'too large a size',
};

/**
 * `1000B`, `100KB`, `512KiB`, `2MB`, `1MiB` → bytes. Throws a RangeError (saying how to write it)
 * for any other text or a value past Number.MAX_SAFE_INTEGER; callers with user input turn that
 * into a Problem.
 */
export function parseSize(text: string): number {
  return parseQuantity(text, SIZE);
}
