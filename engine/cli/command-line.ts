/** What validate, test and preview share on the command line: flag parsing and the default connector path. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_CONNECTORS_DIR } from '../config/load/connector-file-name.js';
import { HmsError } from '../errors.js';

export interface CommandLine {
  /** Flag values by long name: strings for `type: 'string'`, booleans for `type: 'boolean'` (no `multiple` flags). */
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** Strict flags plus positionals; an unknown flag or a missing value is a USAGE error carrying `usage`. */
export function parseCommandLine(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>, usage: string): CommandLine {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true }) as CommandLine;
  } catch (error) {
    throw new HmsError('USAGE', `${(error as Error).message}\n${usage}`);
  }
}

/** A string flag's value (undefined when not given). */
export function stringFlag(line: CommandLine, name: string): string | undefined {
  const value = line.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** One of `allowed`, or a USAGE error naming them. */
export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T, usage: string): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new HmsError('USAGE', `${flag} must be one of ${allowed.join(', ')}, got "${value}"\n${usage}`);
}

/** The PATH arguments, or the connectors directory (HMS_SYNC_CONNECTORS, default connectors.d). */
export function connectorPaths(positionals: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  return positionals.length > 0 ? [...positionals] : [env.HMS_SYNC_CONNECTORS ?? DEFAULT_CONNECTORS_DIR];
}
