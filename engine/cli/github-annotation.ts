/**
 * GitHub Actions workflow commands (`::error file=F,line=L,col=C,title=T::message`), which the
 * runner turns into annotations on the pull request's changed lines. Escaping follows the runner:
 * in the message `%`, CR and LF; in properties also `:` and `,`.
 */
import type { Problem } from '../config/compiled.js';

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One `::error` line; line and col are left out when unknown (0), which annotates the whole file. */
export function githubAnnotation(problem: Problem): string {
  const properties = [`file=${escapeProperty(problem.file)}`];
  if (problem.line > 0) {
    properties.push(`line=${problem.line}`);
    if (problem.column > 0) properties.push(`col=${problem.column}`);
  }
  properties.push(`title=${escapeProperty(problem.code)}`);
  return `::error ${properties.join(',')}::${escapeData(problem.message)}`;
}
