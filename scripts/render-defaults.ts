/**
 * Renders engine/config/schema/defaults.generated.ts: one constant per `default` of
 * schemas/connector.schema.json, so the schema is the one place a default is written.
 *
 * - Name: DEFAULT_<definition>_<field>, in SCREAMING_SNAKE (`Target.timeout` → DEFAULT_TARGET_TIMEOUT,
 *   top-level `concurrency` → DEFAULT_CONCURRENCY), plus its unit.
 * - Durations become milliseconds (`_MS`) and sizes bytes (`_BYTES`), parsed by the loader's own
 *   parsers (engine/config/values/), so a default and the same text written in a file agree.
 * - Lists are frozen. Every default must be valid for its field, or rendering throws, naming it.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import { parseDuration } from '../engine/config/values/duration.js';
import { parseSize } from '../engine/config/values/size.js';
import { flowText, SCHEMA_PATH, schemaFields, type ConnectorSchema, type FieldUnit, type SchemaField } from './schema-fields.js';

const Ajv2020 = Ajv2020Module.default;

const UNITS: Readonly<Record<FieldUnit, { readonly suffix: string; readonly parse: (text: string) => number; readonly in: string }>> = {
  duration: { suffix: '_MS', parse: parseDuration, in: 'milliseconds' },
  size: { suffix: '_BYTES', parse: parseSize, in: 'bytes' },
};

export function renderConnectorDefaults(schema: ConnectorSchema, banner: string): string {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addSchema(schema);
  const byPointer = new Map<string, SchemaField[]>();
  for (const field of schemaFields(schema)) {
    if (field.hasDefault) byPointer.set(field.pointer, [...(byPointer.get(field.pointer) ?? []), field]);
  }
  const constants = [...byPointer.values()].map((uses) => {
    const [field] = uses as [SchemaField, ...SchemaField[]];
    const written = field.schema.default;
    const validate = ajv.getSchema(`${schema.$id}${field.pointer}`);
    if (validate === undefined || !validate(written)) {
      throw new Error(`${SCHEMA_PATH} ${field.pointer}: the default ${JSON.stringify(written)} is not a valid ${field.path}: ${ajv.errorsText(validate?.errors)}; correct it`);
    }
    const unit = field.unit === undefined ? undefined : UNITS[field.unit];
    const value = unit === undefined ? written : Array.isArray(written) ? written.map((item: string) => unit.parse(item)) : unit.parse(written as string);
    const name = constantName(field, unit?.suffix ?? '');
    const where = uses.map((use) => `\`${use.path}\``).join(', ');
    return `/** ${where}: ${flowText(written)}${unit ? `, in ${unit.in}` : ''}. */\nexport const ${name} = ${literal(value)};\n`;
  });
  const header = [
    '/**',
    ' * The defaults of the connector format, one per `default` in schemas/connector.schema.json.',
    ' * Durations are in milliseconds, sizes in bytes. To change one, change the schema and run',
    ' * npm run gen:types; docs/connectors.md states the same values (a test checks them).',
    ' */',
  ];
  return [banner, '', ...header, '', constants.join('\n')].join('\n');
}

function constantName(field: SchemaField, suffix: string): string {
  const words = [field.definition, field.name].filter((word) => word !== '').map(screamingSnake).join('_');
  return `DEFAULT_${words}${words.endsWith(suffix) ? '' : suffix}`;
}

function screamingSnake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function literal(value: unknown): string {
  if (Array.isArray(value)) return `Object.freeze([${value.map(literal).join(', ')}] as const)`;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value).replace(/\B(?=(\d{3})+$)/g, '_');
  if (typeof value === 'string') return `'${value.replace(/[\\']/g, '\\$&')}'`;
  return JSON.stringify(value);
}
