/**
 * A strict reader of InfluxDB line protocol, after the reference
 * (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/): one point per line,
 * `measurement[,tag=value...] field=value[,field=value...] [timestamp]`. In the measurement a
 * comma or space is escaped with a backslash; in tag keys, tag values and field keys also an
 * equals sign; a string field value is double-quoted with `\"` and `\\` escaped. Anything else
 * (an empty key or value, an unescaped special character, a number that is not one, a stray
 * backslash escape) throws, naming the line and what is wrong.
 */

export interface Point {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, string | number | boolean>>;
  readonly timestamp?: string;
}

const FLOAT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const INTEGER = /^[-+]?\d+i$/;
const UNSIGNED = /^\d+u$/;
const BOOLEAN = /^(?:t|T|true|True|TRUE|f|F|false|False|FALSE)$/;
const TIMESTAMP = /^-?\d+$/;

/** Every point of a body; a final newline is allowed, empty lines are not. */
export function parseLineProtocol(body: string): Point[] {
  const lines = body.endsWith('\n') ? body.slice(0, -1).split('\n') : body.split('\n');
  return lines.map((line, index) => {
    try {
      return parsePoint(line);
    } catch (error) {
      throw new Error(`line ${index + 1} ${JSON.stringify(line)}: ${(error as Error).message}`);
    }
  });
}

function parsePoint(line: string): Point {
  if (line === '') throw new Error('empty line');
  let pos = 0;
  /** Reads up to one of `stops` (unescaped), undoing the escapes `escapable` allows. */
  const read = (stops: string, escapable: string, what: string): string => {
    let text = '';
    while (pos < line.length && !stops.includes(line[pos]!)) {
      const char = line[pos]!;
      if (char === '\\' && escapable.includes(line[pos + 1] ?? '')) {
        text += line[pos + 1];
        pos += 2;
        continue;
      }
      if (char === '"' && what !== 'measurement') throw new Error(`unexpected quote in a ${what}`);
      if (char === '=' && what === 'measurement') throw new Error('unescaped = in the measurement');
      text += char;
      pos++;
    }
    if (text === '') throw new Error(`empty ${what}`);
    return text;
  };
  const measurement = read(', ', ', ', 'measurement');
  const tags: Record<string, string> = {};
  while (line[pos] === ',') {
    pos++;
    const key = read('=, ', ',= ', 'tag key');
    if (line[pos] !== '=') throw new Error(`tag ${key} has no =`);
    pos++;
    tags[key] = read(', ', ',= ', 'tag value');
  }
  if (line[pos] !== ' ') throw new Error('no field set after the measurement and tags');
  pos++;
  const fields: Record<string, string | number | boolean> = {};
  for (;;) {
    const key = read('=, ', ',= ', 'field key');
    if (line[pos] !== '=') throw new Error(`field ${key} has no =`);
    pos++;
    fields[key] = fieldValue();
    if (line[pos] !== ',') break;
    pos++;
  }
  if (pos === line.length) return { measurement, tags, fields };
  if (line[pos] !== ' ') throw new Error(`unexpected ${JSON.stringify(line[pos])} after the fields`);
  const timestamp = line.slice(pos + 1);
  if (!TIMESTAMP.test(timestamp)) throw new Error(`timestamp ${JSON.stringify(timestamp)} is not an integer`);
  return { measurement, tags, fields, timestamp };

  function fieldValue(): string | number | boolean {
    if (line[pos] === '"') {
      let text = '';
      pos++;
      while (line[pos] !== '"') {
        if (pos >= line.length) throw new Error('unterminated string field');
        if (line[pos] === '\\' && (line[pos + 1] === '"' || line[pos + 1] === '\\')) pos++;
        text += line[pos];
        pos++;
      }
      pos++;
      return text;
    }
    const start = pos;
    while (pos < line.length && line[pos] !== ',' && line[pos] !== ' ') pos++;
    const raw = line.slice(start, pos);
    if (FLOAT.test(raw)) return Number(raw);
    if (INTEGER.test(raw) || UNSIGNED.test(raw)) return Number(raw.slice(0, -1));
    if (BOOLEAN.test(raw)) return /^t/i.test(raw);
    throw new Error(`field value ${JSON.stringify(raw)} is no float, integer, unsigned, string or boolean`);
  }
}
