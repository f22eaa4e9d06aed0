/**
 * Batches of text (`format: lines`), end to end against a real receiver and real SQLite: the
 * example connectors of docs/examples (InfluxDB line protocol, CSV with a header, Elasticsearch
 * _bulk) send what their targets accept, and a lines batch fails, retries and sizes as any batch.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { DeliveryView } from '../../engine/store/store.js';
import { repoPath } from '../config/connector-dir.js';
import { useEngineFixture } from '../helpers/engine-fixture.js';
import { parseLineProtocol } from '../helpers/line-protocol.js';
import { startTestEngine } from '../helpers/test-engine.js';
import { tempDir } from '../helpers/temp-dir.js';

const SECRET = 'test-secret-7f3a';

/** Items join a batch as each is mapped, so their order in a body is not the events' order. */
const byFirst = <T>(key: (item: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** An example connector with its secret file in a temp dir and its batches sent after 50 ms. */
async function example(name: string, t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await tempDir();
  t.after(() => dir.cleanup());
  const secretFile = await dir.write('secret', `${SECRET}\n`);
  const text = await readFile(repoPath('docs', 'examples', name), 'utf8');
  return text.replace(/\/run\/secrets\/[\w/.-]+/g, secretFile).replace(/maxWait: \w+/, 'maxWait: 50ms');
}

/** Events whose values hold what each text format must escape. */
const AWKWARD = [
  { type: 'permitApproved', id: 'evt-1', permitId: 'P-1', district: 'North Side', fee: 250, approvedDate: '2024-06-01', address: '1 Main St', inspectorName: 'Lee' },
  { type: 'permitApproved', id: 'evt-2', permitId: 'P "2", a=b', district: 'a,b=c d', fee: 12.5, approvedDate: '2024-06-02', address: 'Unit "B",\nRear', inspectorName: 'Ng, A' },
  { type: 'permit.cancelled', id: 'evt-3', permitId: 'back\\slash\r\nline', cancelledDate: '2024-07-01' },
  { type: 'permitApproved', id: 'evt-4', permitId: 'Zoë ✓', district: '', fee: 'n/a', approvedDate: '2024-06-04' },
];

/** RFC 4180 fields: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') (field += '"'), index++;
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') row.push(field), (field = '');
    else if (char === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += char;
  }
  assert.equal(field + row.join(''), '', 'the body ends with a line break');
  return rows;
}

describe('batches of text', () => {
  const fixture = useEngineFixture();

  test('the InfluxDB example sends valid line protocol: one point per event, every value escaped', async (t) => {
    fixture.harness = await startTestEngine({ 'influx.yaml': await example('influxdb-line-protocol.yaml', t) }, { INFLUXDB_URL: fixture.receiver.url });
    await fixture.harness.engine.ingest(AWKWARD);
    const [request] = await fixture.receiver.waitFor(1);
    assert.equal(request!.url, '/api/v2/write?org=city&bucket=permits&precision=ms');
    assert.equal(request!.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(request!.headers.authorization, `Token ${SECRET}`);
    const points = parseLineProtocol(request!.body).sort(byFirst((point) => String(point.fields.permit_id)));
    assert.deepEqual(points, [
      { measurement: 'permit_events', tags: { type: 'permitApproved', district: 'a,b=c d' }, fields: { permit_id: 'P "2", a=b', fee: 12.5 }, timestamp: String(Date.UTC(2024, 5, 2)) },
      { measurement: 'permit_events', tags: { type: 'permitApproved', district: 'North Side' }, fields: { permit_id: 'P-1', fee: 250 }, timestamp: String(Date.UTC(2024, 5, 1)) },
      { measurement: 'permit_events', tags: { type: 'permitApproved' }, fields: { permit_id: 'Zoë ✓' }, timestamp: String(Date.UTC(2024, 5, 4)) },
      { measurement: 'permit_events', tags: { type: 'permit.cancelled' }, fields: { permit_id: 'back\\slash line' }, timestamp: String(Date.UTC(2024, 6, 1)) },
    ]);
  });

  test('the line protocol reader refuses what InfluxDB refuses', () => {
    for (const bad of ['m', 'm f=1 x', 'm,t f=1', 'm,t= f=1', 'm f="a', 'm f=1.2.3', 'm f=abc', 'm,a b=1 f=1', 'm f=1 1.5', 'm f=1\n\nm f=2', 'm f="x" y=1']) {
      assert.throws(() => parseLineProtocol(bad), Error, JSON.stringify(bad));
    }
    assert.deepEqual(parseLineProtocol('m\\ 1,t\\=k=v\\,w f\\ 1=1i,s="a\\"b\\\\",b=t 17\n'), [
      { measurement: 'm 1', tags: { 't=k': 'v,w' }, fields: { 'f 1': 1, s: 'a"b\\', b: true }, timestamp: '17' },
    ]);
  });

  test('the CSV example sends its header line, then one row per event that a CSV reader reads back', async (t) => {
    fixture.harness = await startTestEngine({ 'csv.yaml': await example('warehouse-csv.yaml', t) }, { WAREHOUSE_CSV_URL: fixture.receiver.url });
    await fixture.harness.engine.ingest(AWKWARD);
    const [request] = await fixture.receiver.waitFor(1);
    assert.equal(request!.headers['content-type'], 'text/csv; charset=utf-8');
    const [header, ...rows] = parseCsv(request!.body);
    assert.deepEqual(header, ['permit_id', 'approved_date', 'address', 'inspector', 'fee']);
    assert.deepEqual(rows.sort(byFirst((row) => row[0]!)), [
      ['P "2", a=b', '2024-06-02', 'Unit "B",\nRear', 'Ng, A', '12.5'],
      ['P-1', '2024-06-01', '1 Main St', 'Lee', '250'],
      ['Zoë ✓', '2024-06-04', '', '', 'n/a'],
    ]);
  });

  test('the _bulk example sends an action line and a document line per event, and the final newline', async (t) => {
    fixture.harness = await startTestEngine({ 'search.yaml': await example('search-bulk.yaml', t) }, { SEARCH_URL: fixture.receiver.url });
    await fixture.harness.engine.ingest(AWKWARD);
    const [request] = await fixture.receiver.waitFor(1);
    assert.equal(request!.headers['content-type'], 'application/x-ndjson');
    assert.ok(request!.body.endsWith('}\n'));
    const lines = request!.body.slice(0, -1).split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const pairs = Array.from({ length: lines.length / 2 }, (_, index) => lines.slice(2 * index, 2 * index + 2));
    assert.deepEqual(
      pairs.sort(byFirst((pair) => String(pair[1]!.id))),
      AWKWARD.map((event) => [{ index: { _index: 'permit-events', _id: event.id } }, { ...event, '@timestamp': event.approvedDate ?? event.cancelledDate }]),
    );
  });
});

const LINES = (batch: string) => `
name: lines
target: { url: "\${env:RECEIVER_URL}" }
routes:
  - name: rows
    on: tick
    path: /rows
    query: '{ "source": "hms" }'
    format: lines
    contentType: text/csv
    map: 'n = 0 ? { "not": "a string" } : id & "," & $string(n)'
    batch: ${batch}
retry: { schedule: [5s] }
`;

describe('lines batches behave as every batch does', () => {
  const fixture = useEngineFixture();

  test('a failed batch is retried whole, each item keeping its record; an item that is no string fails alone', async () => {
    fixture.harness = await startTestEngine({ 'lines.yaml': LINES('{ header: "id,n", maxEvents: 3, maxWait: 1m }') }, { RECEIVER_URL: fixture.receiver.url });
    const { engine, clock } = fixture.harness;
    fixture.receiver.respond = (_request, index) => (index === 0 ? 503 : 200);
    const ids = (await engine.ingest([1, 0, 2, 3].map((n) => ({ type: 'tick', id: `t${n}`, n })))).map((r) => r.id);
    const [first] = await fixture.receiver.waitFor(1);
    assert.equal(first!.url, '/rows?source=hms');
    const [header, ...rows] = first!.body.split('\n');
    assert.deepEqual([header, ...rows.sort()], ['id,n', '', 't1,1', 't2,2', 't3,3'], 'the header, three rows and the final newline');
    const notText = (await fixture.harness.settled('t0')).deliveries[0]!;
    assert.equal(notText.state, 'dead');
    assert.match(notText.lastError ?? '', /^MAPPING_FAILED: routes\[0\]\.map gave an object; with format: lines each item must be a string/);
    const sent = ids.filter((id) => id !== 't0');
    for (const id of sent) assert.deepEqual((await fixture.harness.settled(id)).deliveries.map((d) => [d.state, d.attempts]), [['retrying', 1]]);

    clock.advance(5_000);
    assert.equal(await engine.sweep(), 3);
    const [, retry] = await fixture.receiver.waitFor(2);
    assert.equal(retry!.body, first!.body, 'retried whole');
    for (const id of sent) {
      const delivered: DeliveryView = (await fixture.harness.settled(id, (d) => d.state === 'delivered')).deliveries[0]!;
      assert.deepEqual(delivered.history.map((a) => a.status), [503, 200]);
    }
  });

  test('maxBytes counts the joined body, header and newlines included', async () => {
    // "id,n\n" is 5 bytes and each "tN,N\n" 5: a 15-byte body holds the header and two rows.
    fixture.harness = await startTestEngine({ 'lines.yaml': LINES('{ header: "id,n", maxBytes: 15B, maxWait: 1m }') }, { RECEIVER_URL: fixture.receiver.url });
    await fixture.harness.engine.ingest([1, 2, 3, 4, 5].map((n) => ({ type: 'tick', id: `t${n}`, n })));
    const requests = await fixture.receiver.waitFor(2);
    const rows = requests.map((r) => r.body.split('\n'));
    assert.deepEqual(rows.map((body) => [body[0], body.length]), [['id,n', 4], ['id,n', 4]], 'each body: the header, two rows, the final newline');
    assert.equal(new Set(rows.flatMap((body) => body.slice(1, 3))).size, 4, 'four different rows');
    assert.ok(requests.every((r) => Buffer.byteLength(r.body) === 15));
  });
});
