/**
 * Connector and test files must be UTF-8. Anything else used to be decoded with replacement
 * characters, so a Windows-1252 "é" in a mapping literal silently became "�", and a UTF-16 file
 * (what PowerShell 5's Out-File writes) failed with a puzzling schema message.
 */
import { invalidUtf8At } from '../../utf8.js';
import type { Position } from '../problems/yaml-locator.js';

export interface EncodingProblem {
  readonly position: Position;
  readonly message: string;
}

/** Why `bytes` is not UTF-8 text, and where; undefined when it is. */
export function encodingProblem(bytes: Uint8Array): EncodingProblem | undefined {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (utf16 || bytes.includes(0)) {
    return { position: { line: 1, column: 1 }, message: 'the file is UTF-16 or binary, not UTF-8 text (PowerShell 5 Out-File writes UTF-16); save it as UTF-8' };
  }
  const invalid = invalidUtf8At(bytes);
  if (invalid === undefined) return undefined;
  return { position: invalid, message: 'the file is not valid UTF-8 from here (Windows-1252 or Latin-1, perhaps); save it as UTF-8' };
}
