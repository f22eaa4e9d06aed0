/**
 * The schema step of loading a config file: validates its data, waives pattern checks on values
 * still holding an unresolved reference (see unresolved-env.ts), and turns ajv's errors into
 * located problems, leaving out those on values whose `${env:...}` already has a problem.
 */
import { formatDataPath } from '../problems/data-path.js';
import type { LocatedProblem } from '../problems/located-problem.js';
import { schemaProblems, type FieldKindOf } from '../problems/schema-problems.js';
import type { SchemaValidator, Validation } from '../schema/schema-validator.js';
import { waiveUnresolvedPatterns } from '../interpolate/unresolved-env.js';
import type { ConfigDocument } from './read-config-document.js';

export interface SchemaCheck<T> {
  readonly validation: Validation<T>;
  /** Formatted paths (`target.url`) of values still holding `${env:...}` / `${file:...}` text. */
  readonly unresolved: ReadonlySet<string>;
  /** Never empty when the validation failed. */
  readonly problems: readonly LocatedProblem[];
}

/** `data` is what is validated (the document's value, or a copy of it when defaults are filled in). */
export function checkSchema<T>(validate: SchemaValidator<T>, read: ConfigDocument, data: unknown, schemaFile: string, kindOf?: FieldKindOf): SchemaCheck<T> {
  const { locator, interpolation } = read;
  const envPaths = new Set(interpolation.problems.map((p) => formatDataPath(p.path)));
  const unresolved = new Set(interpolation.unresolved.map(formatDataPath));
  const validation = waiveUnresolvedPatterns(validate(data), data, unresolved);
  if (validation.ok) return { validation, unresolved, problems: [] };
  const problems: LocatedProblem[] = [];
  for (const problem of schemaProblems(validation.errors, data, locator, interpolation.secrets, kindOf)) {
    // An unresolved ${env:...} makes its value fail the schema too; report the cause only.
    if (!envPaths.has(formatDataPath(problem.path))) problems.push({ ...problem, code: 'CONFIG_SCHEMA' });
  }
  if (problems.length === 0 && read.problems.length === 0) {
    // Never refuse a file without saying why, even if an ajv error had no mapping above.
    problems.push({ path: [], position: locator.value([]), code: 'CONFIG_SCHEMA', message: `does not match ${schemaFile}; check it in an editor with schema support` });
  }
  return { validation, unresolved, problems };
}
