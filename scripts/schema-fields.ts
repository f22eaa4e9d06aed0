/**
 * Every field of the connector format, read from schemas/connector.schema.json: where it is in a
 * connector file, where it is in the schema, and its `default`. The defaults generator
 * (render-defaults.ts) and the test that checks docs/connectors.md against the schema both read
 * the format through this one walk.
 *
 * Glossary:
 * - path: the field as docs/connectors.md writes it, `[]` standing for any item of a list:
 *   `target.timeout`, `routes[].batch.maxWait`.
 * - pointer: the JSON pointer of the field's schema, where its `default` is written:
 *   `#/$defs/Target/properties/timeout`. A definition used in two places gives two paths, one pointer.
 * - definition: the `$defs` entry holding the field (`Target`), or '' at the top level.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SCHEMA_PATH = 'schemas/connector.schema.json';

/** What the text of a field's value means, from the `$defs` entry its schema (or its items) refers to. */
export type FieldUnit = 'duration' | 'size';

const UNIT_DEFINITIONS: Readonly<Record<string, FieldUnit>> = { '#/$defs/Duration': 'duration', '#/$defs/Size': 'size' };

export interface SchemaNode {
  readonly $ref?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly oneOf?: readonly SchemaNode[];
}

export interface ConnectorSchema extends SchemaNode {
  readonly $id: string;
  readonly $defs: Readonly<Record<string, SchemaNode>>;
}

export interface SchemaField {
  readonly path: string;
  readonly pointer: string;
  readonly definition: string;
  /** The property's name in its definition (`timeout`). */
  readonly name: string;
  readonly schema: SchemaNode;
  /** Set when the value (or each item of a list value) is a duration or a size. */
  readonly unit?: FieldUnit;
  /** True when the schema gives the field a `default`. */
  readonly hasDefault: boolean;
}

export async function readConnectorSchema(root: string): Promise<ConnectorSchema> {
  return JSON.parse(await readFile(join(root, SCHEMA_PATH), 'utf8')) as ConnectorSchema;
}

/** Every field of a connector file, in the schema's order; `oneOf` branches contribute theirs. */
export function schemaFields(schema: ConnectorSchema): SchemaField[] {
  const fields: SchemaField[] = [];
  const visit = (node: SchemaNode, pointer: string, definition: string, prefix: string, seen: readonly string[]): void => {
    const { ref, node: resolved } = resolve(schema, node);
    if (ref !== undefined && seen.includes(ref)) return; // a recursive definition: its fields are listed once
    const here = ref === undefined ? { pointer, definition, seen } : { pointer: ref, definition: ref.slice('#/$defs/'.length), seen: [...seen, ref] };
    for (const [name, property] of Object.entries(resolved.properties ?? {})) {
      const at = `${here.pointer}/properties/${name}`;
      const path = `${prefix}${name}`;
      const unit = UNIT_DEFINITIONS[property.$ref ?? property.items?.$ref ?? ''];
      fields.push({ path, pointer: at, definition: here.definition, name, schema: property, ...(unit && { unit }), hasDefault: 'default' in property });
      visit(property, at, here.definition, `${path}.`, here.seen);
      if (property.items !== undefined) visit(property.items, `${at}/items`, here.definition, `${path}[].`, here.seen);
    }
    resolved.oneOf?.forEach((branch, index) => visit(branch, `${here.pointer}/oneOf/${index}`, here.definition, prefix, here.seen));
  };
  visit(schema, '#', '', '', []);
  return fields;
}

/** A node, or the `$defs` entry its local `$ref` names (with that reference). */
function resolve(schema: ConnectorSchema, node: SchemaNode): { node: SchemaNode; ref?: string } {
  if (node.$ref === undefined) return { node };
  const name = /^#\/\$defs\/([^/]+)$/.exec(node.$ref)?.[1];
  const target = name === undefined ? undefined : schema.$defs[name];
  if (target === undefined) throw new Error(`${SCHEMA_PATH}: cannot follow $ref ${node.$ref}; only #/$defs/NAME references are supported`);
  return { node: target, ref: node.$ref };
}

/** A value as a connector file writes it in YAML flow style: `15s`, `[408, 425, 429, 5xx]`. */
export function flowText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowText).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return `{ ${Object.entries(value).map(([key, item]) => `${key}: ${flowText(item)}`).join(', ')} }`;
  return String(value);
}
