/**
 * Validates parsed config data against one of the JSON Schemas of schemas/ with ajv (JSON Schema
 * 2020-12). Compiling a schema costs milliseconds, so a caller loading repeatedly (a watcher)
 * creates one validator and passes it to every load.
 */
import { readFile } from 'node:fs/promises';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import { schemaFilePath } from './schema-file.js';

const Ajv2020 = Ajv2020Module.default;

export type Validation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: readonly ErrorObject[] };

export type SchemaValidator<T> = (data: unknown) => Validation<T>;

export interface SchemaValidatorOptions {
  /**
   * Fill in every missing field that has a schema `default`, in place, so the schema is the one
   * place defaults are written (the data passed in is changed: validate a copy to keep it).
   */
  readonly useDefaults?: boolean;
}

/** Reads and compiles `schemas/<name>`. Rejects when the schema file is missing (a broken install). */
export async function createSchemaValidator<T>(name: string, options: SchemaValidatorOptions = {}): Promise<SchemaValidator<T>> {
  const schema: unknown = JSON.parse(await readFile(schemaFilePath(name), 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true, useDefaults: options.useDefaults === true });
  const validate = ajv.compile<T>(schema as object);
  return (data) => (validate(data) ? { ok: true, value: data } : { ok: false, errors: [...(validate.errors ?? [])] });
}
