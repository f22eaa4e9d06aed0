/**
 * Loads connector files into compiled connectors and Problems (see config-files.ts for the rules
 * every config directory shares: sorted order, one bad file never takes the others down, unique
 * names).
 */
import { readFile } from 'node:fs/promises';
import type { CompiledConnector, LoadResult } from '../compiled.js';
import type { ConfigDirectory } from '../live/reload-plan.js';
import { isConnectorFileName } from './connector-file-name.js';
import { createConnectorValidator, type ConnectorValidator } from '../schema/connector-validator.js';
import { configDirectory, listConfigDirectory, loadDirectory, loadEach, loadNamed, type ConfigFileKind, type ConfigLoadOptions, type FilesLoad, type Listing } from './config-files.js';
import { loadConnectorSource } from './load-connector-source.js';

export type LoadOptions = ConfigLoadOptions<ConnectorValidator>;

export const CONNECTOR_FILES: ConfigFileKind = { noun: 'connector', dirFlag: '--connectors DIR', isFileName: isConnectorFileName };

/** Every connector file directly in `dir`. A missing directory is one CONFIG_READ problem. */
export async function loadConnectors(dir: string, options: LoadOptions): Promise<LoadResult> {
  return asLoadResult(await loadDirectory(dir, CONNECTOR_FILES, (files) => loadPaths(files, options)));
}

/**
 * The given files, and the connector files directly in any directory among them (for
 * `validate PATH...`). Files named explicitly load whatever their name.
 */
export async function loadConnectorFiles(files: readonly string[], options: LoadOptions): Promise<LoadResult> {
  return asLoadResult(await loadNamed(files, CONNECTOR_FILES, (paths) => loadPaths(paths, options)));
}

/** Connector files directly in `dir`, following symlinks (Kubernetes ConfigMap volumes are made of them). */
export function listDirectory(dir: string): Promise<Listing> {
  return listConfigDirectory(dir, CONNECTOR_FILES);
}

/** How the live configuration re-reads the connectors directory (see reload-plan.ts). */
export function connectorDirectory(options: LoadOptions & { readonly validator: ConnectorValidator }): ConfigDirectory<CompiledConnector> {
  return configDirectory(CONNECTOR_FILES, (files) => loadPaths(files, options));
}

async function loadPaths(paths: readonly string[], options: LoadOptions): Promise<FilesLoad<CompiledConnector>> {
  const validate = options.validator ?? (await createConnectorValidator());
  return loadEach(paths, CONNECTOR_FILES, async (file, bytes) => {
    const loaded = await loadConnectorSource({ ...options, file, bytes, readFile: options.readFile ?? readFile, validate });
    return { ...(loaded.name && { name: loaded.name }), ...(loaded.connector && { item: loaded.connector }), problems: loaded.problems };
  });
}

function asLoadResult({ items, problems }: FilesLoad<CompiledConnector>): LoadResult {
  return { connectors: items, problems };
}
