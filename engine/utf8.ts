/**
 * Finding text that is not UTF-8. Connector files and JSON bodies must be UTF-8; decoding anything
 * else replaces the bytes it cannot read with U+FFFD, which would change the data silently.
 */
import { isUtf8 } from 'node:buffer';

export interface TextPosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters. */
  readonly column: number;
}

/** Where the first bytes that are not UTF-8 are; undefined when all of `bytes` is UTF-8. */
export function invalidUtf8At(bytes: Uint8Array): TextPosition | undefined {
  if (isUtf8(bytes)) return undefined;
  const text = new TextDecoder('utf-8').decode(bytes);
  const at = text.indexOf('\uFFFD');
  const lineStart = text.lastIndexOf('\n', at) + 1;
  return { line: text.slice(0, lineStart).split('\n').length, column: at - lineStart + 1 };
}
