/**
 * `${env:NAME}` and `${env:NAME:-default}` in string values, resolved on the parsed YAML (never the
 * raw text), so line numbers stay right and a variable's value cannot inject YAML structure.
 * `$${` writes a literal `${`. Mapping keys are not interpolated. `:-` behaves as in the shell:
 * the default applies when the variable is unset or empty.
 * With `keepMissing` (validate --env-optional, test, preview), an unset variable without a default
 * is not a problem: the reference stays as its own text `${env:NAME}` and its path is listed in
 * `unresolved`, so later checks can exempt that value.
 */
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { at } from './data-path.js';
import { MIN_SECRET_LENGTH } from './defaults.js';
import type { LocatedProblem } from './located-problem.js';
import type { DataPath, YamlLocator } from './yaml-locator.js';

export type EnvProblem = LocatedProblem;

export interface Interpolation {
  readonly problems: readonly EnvProblem[];
  /** Values taken from the environment (not defaults), at least MIN_SECRET_LENGTH long. */
  readonly secrets: readonly string[];
  /** Values still holding a `${env:NAME}` reference (only with keepMissing). */
  readonly unresolved: readonly DataPath[];
}

export interface InterpolateOptions {
  /** Keep `${env:NAME}` as text instead of reporting CONFIG_ENV_MISSING. */
  readonly keepMissing?: boolean;
}

/** `${env:NAME}` or `${env:NAME:-default}`; the default runs to the first `}`. */
const REFERENCE_SOURCE = String.raw`\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`;

/** Rewrites the document's string scalars in place. `env` is the only environment consulted. */
export function interpolateEnv(
  doc: Document,
  env: Readonly<Record<string, string | undefined>>,
  locator: YamlLocator,
  options: InterpolateOptions = {},
): Interpolation {
  const problems: EnvProblem[] = [];
  const secrets: string[] = [];
  const unresolved: DataPath[] = [];
  // Sticky, so it holds lastIndex: one per call, never shared.
  const reference = new RegExp(REFERENCE_SOURCE, 'y');

  const visitString = (text: string, path: DataPath): string => {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const dollar = text.indexOf('$', i);
      if (dollar === -1) break;
      out += text.slice(i, dollar);
      if (text.startsWith('$${', dollar)) {
        out += '${';
        i = dollar + 3;
        continue;
      }
      if (!text.startsWith('${', dollar)) {
        out += '$';
        i = dollar + 1;
        continue;
      }
      reference.lastIndex = dollar;
      const match = reference.exec(text);
      const name = match?.[1];
      if (match === null || name === undefined) {
        problems.push({
          path,
          position: locator.inString(path, dollar),
          code: 'CONFIG_SCHEMA',
          message: at(path, 'malformed "${"; write ${env:NAME} or ${env:NAME:-default}, or $${ for a literal "${"'),
        });
        out += '${';
        i = dollar + 2;
        continue;
      }
      const fallback = match[2];
      const value = env[name];
      if (value !== undefined && (value !== '' || fallback === undefined)) {
        out += value;
        if (value.length >= MIN_SECRET_LENGTH) secrets.push(value);
      } else if (fallback !== undefined) {
        out += fallback;
      } else if (options.keepMissing === true) {
        if (!unresolved.includes(path)) unresolved.push(path);
        out += match[0];
      } else {
        problems.push({
          path,
          position: locator.inString(path, dollar),
          code: 'CONFIG_ENV_MISSING',
          message: at(path, `environment variable ${name} is not set; set it, or give a default: \${env:${name}:-value}`),
        });
        out += match[0];
      }
      i = dollar + match[0].length;
    }
    return out + text.slice(i);
  };

  const walk = (node: Node | null | undefined, path: DataPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key)) walk(pair.value as Node | null, [...path, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item as Node | null, [...path, index]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      node.value = visitString(node.value, path);
    }
  };

  walk(doc.contents as Node | null, []);
  return { problems, secrets, unresolved };
}
