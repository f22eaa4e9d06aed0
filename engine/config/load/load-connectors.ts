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
import { expandPaths, listConfigDirectory, loadEach, type ConfigFileKind, type ConfigLoadOptions, type Listing } from './config-files.js';
import { loadConnectorSource } from './load-connector-source.js';

export type LoadOptions = ConfigLoadOptions<ConnectorValidator>;

export const CONNECTOR_FILES: ConfigFileKind = { noun: 'connector', dirFlag: '--connectors DIR', isFileName: isConnectorFileName };

/** Every connector file directly in `dir`. A missing directory is one CONFIG_READ problem. */
export async function loadConnectors(dir: string, options: LoadOptions): Promise<LoadResult> {
  const listing = await listDirectory(dir);
  if ('problem' in listing) return { connectors: [], problems: [listing.problem] };
  return loadPaths(listing.files, options);
}

/**
 * The given files, and the connector files directly in any directory among them (for
 * `validate PATH...`). Files named explicitly load whatever their name.
 */
export async function loadConnectorFiles(files: readonly string[], options: LoadOptions): Promise<LoadResult> {
  const expanded = await expandPaths(files, CONNECTOR_FILES);
  const loaded = await loadPaths(expanded.files, options);
  return { connectors: loaded.connectors, problems: [...expanded.problems, ...loaded.problems] };
}

/** Connector files directly in `dir`, following symlinks (Kubernetes ConfigMap volumes are made of them). */
export function listDirectory(dir: string): Promise<Listing> {
  return listConfigDirectory(dir, CONNECTOR_FILES);
}

async function loadPaths(paths: readonly string[], options: LoadOptions): Promise<LoadResult> {
  const validate = options.validator ?? (await createConnectorValidator());
  const { items, problems } = await loadEach(paths, CONNECTOR_FILES, async (file, bytes) => {
    const loaded = await loadConnectorSource({
      file,
      bytes,
      env: options.env,
      readFile: options.readFile ?? readFile,
      validate,
      envOptional: options.envOptional,
      reportLiteralSecrets: options.reportLiteralSecrets,
    });
    return { ...(loaded.name && { name: loaded.name }), ...(loaded.connector && { item: loaded.connector }), problems: loaded.problems };
  });
  return { connectors: items, problems };
}

/** How the live configuration re-reads the connectors directory (see reload-plan.ts). */
export function connectorDirectory(options: LoadOptions & { readonly validator: ConnectorValidator }): ConfigDirectory<CompiledConnector> {
  return {
    noun: 'connector',
    list: listDirectory,
    async load(file) {
      const { connectors, problems } = await loadConnectorFiles([file], options);
      return { ...(connectors[0] && { item: connectors[0] }), problems };
    },
  };
}
