/**
 * Loads source files into compiled sources and Problems, with the rules every config directory
 * shares (config-files.ts), but one: a sources directory that does not exist means no sources
 * (most engines have none), where a missing connectors directory is a problem.
 */
import { readFile } from 'node:fs/promises';
import type { Problem } from '../compiled.js';
import { configDirectory, loadDirectory, loadEach, loadNamed, type ConfigFileKind, type ConfigLoadOptions, type FilesLoad } from '../load/config-files.js';
import type { ConfigDirectory } from '../live/reload-plan.js';
import { createSchemaValidator } from '../schema/schema-validator.js';
import type { SourceFile } from '../schema/source-file.generated.js';
import type { CompiledSource } from './compiled-source.js';
import { loadSourceFile, type SourceValidator } from './load-source-file.js';
import { isSourceFileName } from './source-file-name.js';

export const SOURCE_FILES: ConfigFileKind = { noun: 'source', dirFlag: '--sources DIR', isFileName: isSourceFileName, missingIsEmpty: true };

export type SourceLoadOptions = ConfigLoadOptions<SourceValidator>;

export interface SourcesLoad {
  readonly sources: readonly CompiledSource[];
  readonly problems: readonly Problem[];
}

/** Compiles schemas/source.schema.json; validation fills in its defaults. */
export function createSourceValidator(): Promise<SourceValidator> {
  return createSchemaValidator<SourceFile>('source.schema.json', { useDefaults: true });
}

/** Every source file directly in `dir`; none when `dir` does not exist. */
export async function loadSources(dir: string, options: SourceLoadOptions): Promise<SourcesLoad> {
  return asSourcesLoad(await loadDirectory(dir, SOURCE_FILES, (files) => loadPaths(files, options)));
}

/** The given files, and the source files directly in any directory among them (validate). */
export async function loadSourceFiles(paths: readonly string[], options: SourceLoadOptions): Promise<SourcesLoad> {
  return asSourcesLoad(await loadNamed(paths, SOURCE_FILES, (files) => loadPaths(files, options)));
}

/** How the live configuration re-reads a sources directory (see reload-plan.ts). */
export function sourceDirectory(options: SourceLoadOptions & { readonly validator: SourceValidator }): ConfigDirectory<CompiledSource> {
  return configDirectory(SOURCE_FILES, (files) => loadPaths(files, options));
}

async function loadPaths(paths: readonly string[], options: SourceLoadOptions): Promise<FilesLoad<CompiledSource>> {
  const validate = options.validator ?? (await createSourceValidator());
  return loadEach(paths, SOURCE_FILES, (file, bytes) => loadSourceFile({ ...options, file, bytes, readFile: options.readFile ?? readFile, validate }));
}

function asSourcesLoad({ items, problems }: FilesLoad<CompiledSource>): SourcesLoad {
  return { sources: items, problems };
}
