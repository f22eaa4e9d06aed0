/**
 * Validates a connector's test file (`NAME.test.yaml`: `tests:` and nothing else) against the
 * ConnectorTest definition of schemas/connector.schema.json, so the connector schema stays the one
 * source of truth for the test format too.
 */
import { readFile } from 'node:fs/promises';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import type { ConnectorTest } from './connector-file.generated.js';
import { connectorSchemaPath } from './connector-validator.js';

const Ajv2020 = Ajv2020Module.default;

export interface TestFile {
  readonly tests: ConnectorTest[];
}

export type TestFileValidation =
  | { readonly ok: true; readonly value: TestFile }
  | { readonly ok: false; readonly errors: readonly ErrorObject[] };

export type TestFileValidator = (data: unknown) => TestFileValidation;

export async function createTestFileValidator(): Promise<TestFileValidator> {
  const connectorSchema = JSON.parse(await readFile(connectorSchemaPath(), 'utf8')) as { $id: string };
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
  ajv.addSchema(connectorSchema);
  const validate = ajv.compile<TestFile>({
    type: 'object',
    additionalProperties: false,
    required: ['tests'],
    properties: {
      tests: {
        description: 'Connector tests, as in a connector file\'s `tests:`.',
        type: 'array',
        items: { $ref: `${connectorSchema.$id}#/$defs/ConnectorTest` },
      },
    },
  });
  return (data) => (validate(data) ? { ok: true, value: data } : { ok: false, errors: [...(validate.errors ?? [])] });
}
