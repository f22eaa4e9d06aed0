/** Validates parsed connector data against schemas/connector.schema.json (see schema-validator.ts). */
import type { ConnectorFile } from './connector-file.generated.js';
import { schemaFilePath } from './schema-file.js';
import { createSchemaValidator, type SchemaValidator, type Validation as SchemaValidation } from './schema-validator.js';

export type Validation = SchemaValidation<ConnectorFile>;

export type ConnectorValidator = SchemaValidator<ConnectorFile>;

/** Reads and compiles the schema. Rejects when the schema file is missing (a broken install). */
export function createConnectorValidator(): Promise<ConnectorValidator> {
  return createSchemaValidator<ConnectorFile>('connector.schema.json');
}

export function connectorSchemaPath(): string {
  return schemaFilePath('connector.schema.json');
}
