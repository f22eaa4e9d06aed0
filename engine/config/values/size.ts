/**
 * Sizes as the connector format writes them: a whole number followed by B, KB, MB, KiB or MiB; and
 * the store's size (--max-store-size), which also takes GB, TB, GiB and TiB.
 */

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

const STORE_SIZE: QuantityKind = {
  pattern: /^([0-9]+)(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/,
  units: { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1_024, MiB: 1_048_576, GiB: 1_073_741_824, TiB: 1_099_511_627_776 },
  noun: 'size',
  howTo: 'write a whole number followed by B, KB, MB, GB, TB, KiB, MiB, GiB or TiB (e.g. 20GB)',
  tooBig: 'too large a size',
};

/** `20GB`, `500MiB`, `1TiB` → bytes, as parseSize does with the units a disk is counted in. */
export function parseStoreSize(text: string): number {
  return parseQuantity(text, STORE_SIZE);
}
