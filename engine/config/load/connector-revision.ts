/**
 * A connector file's revision: the SHA-256 of its bytes, leaving out the top-level `tests:` entry.
 * Tests change nothing the engine does, so a file whose tests alone were edited keeps its
 * revision: a reload does not count it as changed (no re-drive), and a connector disabled by a 410
 * stays disabled. A file without `tests:` hashes as its bytes.
 */
import { createHash } from 'node:crypto';
import { isMap, isScalar, type Document, type Node } from 'yaml';

export function connectorRevision(bytes: Uint8Array, doc: Document): string {
  const digest = createHash('sha256');
  const tests = isMap(doc.contents) ? doc.contents.items.find((pair) => isScalar(pair.key) && pair.key.value === 'tests') : undefined;
  const from = (tests?.key as Node | undefined)?.range?.[0];
  const to = (tests?.value as Node | null | undefined)?.range?.[2];
  if (from === undefined || to === undefined) return digest.update(bytes).digest('hex');
  // The ranges are offsets into the text the YAML was parsed from (see parseYamlFile).
  const source = new TextDecoder('utf-8').decode(bytes);
  return digest.update(source.slice(0, from) + source.slice(to)).digest('hex');
}
