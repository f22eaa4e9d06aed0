/** Sizes as the connector format writes them: a whole number followed by B, KB, MB, KiB or MiB. */

const SIZE_PATTERN = /^([0-9]+)(B|KB|MB|KiB|MiB)$/;

/** KB and MB are decimal (1000, 1000²), KiB and MiB binary (1024, 1024²), as everywhere else. */
const UNIT_BYTES: Readonly<Record<string, number>> = { B: 1, KB: 1_000, MB: 1_000_000, KiB: 1_024, MiB: 1_048_576 };

/**
 * `1000B`, `100KB`, `512KiB`, `2MB`, `1MiB` → bytes. Throws a RangeError (saying how to write it)
 * for any other text or a value past Number.MAX_SAFE_INTEGER; callers with user input turn that
 * into a Problem.
 */
export function parseSize(text: string): number {
  const match = SIZE_PATTERN.exec(text);
  const unit = match?.[2];
  if (match === null || unit === undefined) {
    throw new RangeError(`"${text}" is not a size; write a whole number followed by B, KB, MB, KiB or MiB (e.g. 1MiB)`);
  }
  const bytes = Number(match[1]) * (UNIT_BYTES[unit] ?? 1);
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`"${text}" is too large a size`);
  return bytes;
}
