/** YAML parse errors as Problems with line and column, reworded where yaml's own text misleads. */
import { isScalar, visit, type Document, type Node } from 'yaml';
import type { Problem } from '../compiled.js';
import { toProblem } from './located-problem.js';
import { indentationMistake } from './yaml-indentation.js';
import type { YamlLocator } from './yaml-locator.js';

/** `text` is the file's text, `doc` what yaml parsed of it. */
export function yamlSyntaxProblems(file: string, text: string, doc: Document, locator: YamlLocator): Problem[] {
  const misindented = indentationMistake(text, doc.errors, (offset) => locator.at(offset).line);
  if (misindented !== undefined) return [{ file, line: misindented.line, column: misindented.column, code: 'CONFIG_YAML_SYNTAX', message: misindented.message }];
  return doc.errors.map((error) => {
    let offset = error.pos[0];
    let message = `invalid YAML: ${error.message}`;
    if (error.code === 'MULTIPLE_DOCS') {
      message = 'the file holds more than one YAML document ("---"); put one connector in each file';
    } else if (error.code === 'TAB_AS_INDENT') {
      message = 'invalid YAML: a tab indents this line; YAML indents with spaces only';
    } else if (error.code === 'MISSING_CHAR' && /quote/.test(error.message)) {
      // yaml reports an unclosed quote at the end of the file; point at where the value opens.
      const opened = unclosedQuoteStart(doc, offset);
      if (opened !== undefined) {
        offset = opened;
        message = 'invalid YAML: this quoted value is never closed; add the closing quote';
      }
    }
    return toProblem(file, { position: locator.at(offset), code: 'CONFIG_YAML_SYNTAX', message });
  });
}

/** Start of the quoted scalar that runs up to `errorOffset` (where yaml gave up looking for its quote). */
function unclosedQuoteStart(doc: Document, errorOffset: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar(_key, node: Node) {
      if (!isScalar(node) || (node.type !== 'QUOTE_DOUBLE' && node.type !== 'QUOTE_SINGLE')) return;
      const range = node.range;
      if (range && range[1] >= errorOffset && (start === undefined || range[0] < start)) start = range[0];
    },
  });
  return start;
}
