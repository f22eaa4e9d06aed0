/**
 * Validates parsed connector data against schemas/connector.schema.json with ajv (JSON Schema
 * 2020-12). Compiling the schema costs milliseconds, so a caller loading repeatedly (a watcher)
 * creates one validator and passes it to every load.
 */
import { readFile } from 'node:fs/promises';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import type { ConnectorFile } from './connector-file.generated.js';
import { schemaFilePath } from './schema-file.js';

const Ajv2020 = Ajv2020Module.default;

export type Validation =
  | { readonly ok: true; readonly value: ConnectorFile }
  | { readonly ok: false; readonly errors: readonly ErrorObject[] };

export type ConnectorValidator = (data: unknown) => Validation;

/** Reads and compiles the schema. Rejects when the schema file is missing (a broken install). */
export async function createConnectorValidator(): Promise<ConnectorValidator> {
  const schema: unknown = JSON.parse(await readFile(connectorSchemaPath(), 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
  const validate = ajv.compile<ConnectorFile>(schema as object);
  return (data) => (validate(data) ? { ok: true, value: data } : { ok: false, errors: [...(validate.errors ?? [])] });
}

export function connectorSchemaPath(): string {
  return schemaFilePath('connector.schema.json');
}
