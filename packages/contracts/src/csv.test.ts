import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Field, Float64, Int32, Schema, TimeUnit, Timestamp, Utf8 } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameTable, mixedTable } from '../test/fixtures.js';
import { CsvParser } from './csv-parser.js';
import { parseIsoTime } from './csv-values.js';
import { readCsv, readCsvBatches, readCsvFile, tableToCsv, writeCsvFile } from './csv.js';
import { MlopsError } from './errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function errorOf(fn: () => unknown): MlopsError {
  try {
    fn();
  } catch (e) {
    if (MlopsError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('CsvParser', () => {
  it('handles quotes, doubled quotes, embedded delimiters and newlines, CRLF, and chunk boundaries anywhere', () => {
    const text = 'a,b,c\r\n1,"x, ""y""",\r\n2,"multi\nline",""\n3,plain,z';
    const expected = [
      { fields: ['a', 'b', 'c'], line: 1 },
      { fields: ['1', 'x, "y"', null], line: 2 },
      { fields: ['2', 'multi\nline', ''], line: 3 },
      { fields: ['3', 'plain', 'z'], line: 5 },
    ];
    for (let split = 0; split <= text.length; split++) {
      const p = new CsvParser();
      const got = [...p.push(text.slice(0, split)), ...p.push(text.slice(split)), ...p.end()];
      expect(got, `split at ${split}`).toEqual(expected);
    }
  });

  it('rejects an unclosed quote and junk after a closing quote, with the line', () => {
    const p = new CsvParser();
    p.push('a,b\n1,"open\n');
    expect(() => p.end()).toThrowError(/line 2: a quoted field is never closed/);
    expect(() => new CsvParser().push('a\n"x"y\n')).toThrowError(/line 2: unexpected character "y" after a closing quote/);
  });
});

describe('readCsv inference', () => {
  it('infers bool, int64, float64, ISO timestamps, dates and strings; empty is null, "" is an empty string', () => {
    const t = readCsv(
      [
        'id,score,ok,at,day,name,mixed',
        '1,0.5,true,2026-11-23T12:00:00Z,2026-11-23,ann,1',
        '2,,false,2026-11-23 13:30:00.125+01:00,2026-11-24,"",x',
        '3,1e3,,2026-11-23T12:00:00.5,,,2',
      ].join('\n'),
    );
    expect(t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'id: Int64',
      'score: Float64',
      'ok: Bool',
      'at: Timestamp<MILLISECOND, UTC>',
      'day: Date32<DAY>',
      'name: Utf8',
      'mixed: Utf8',
    ]);
    expect(t.getChild('id')!.toArray()).toEqual(new BigInt64Array([1n, 2n, 3n]));
    expect([t.getChild('score')!.get(1), t.getChild('score')!.get(2)]).toEqual([null, 1000]);
    expect([t.getChild('ok')!.get(0), t.getChild('ok')!.get(2)]).toEqual([true, null]);
    expect([t.getChild('at')!.get(0), t.getChild('at')!.get(1), t.getChild('at')!.get(2)]).toEqual([
      Date.UTC(2026, 10, 23, 12),
      Date.UTC(2026, 10, 23, 12, 30, 0, 125),
      Date.UTC(2026, 10, 23, 12, 0, 0, 500),
    ]);
    expect(t.getChild('day')!.get(1)).toBe(Date.UTC(2026, 10, 24));
    expect([t.getChild('name')!.get(1), t.getChild('name')!.get(2)]).toEqual(['', null]);
  });

  it('uses explicit types (record or Arrow schema), null markers, delimiters and dictionary strings', () => {
    const text = 'ts;v;tag\n1700000000123;1.5;a\n2026-01-01T00:00:00.000001Z;NA;b\n';
    const t = readCsv(text, { delimiter: ';', schema: { ts: 'timestamp-us', v: 'float32' }, nullValues: ['NA'], dictionaryStrings: true });
    expect(t.schema.fields.map((f) => String(f.type))).toEqual(['Timestamp<MICROSECOND, UTC>', 'Float32', 'Dictionary<Int32, Utf8>']);
    const raw = t.getChild('ts')!.data[0]!.values as BigInt64Array;
    expect([raw[0], raw[1]]).toEqual([1700000000123n, BigInt(Date.UTC(2026, 0, 1)) * 1000n + 1n]);
    expect(t.getChild('v')!.get(1)).toBeNull();
    const schema = new Schema([new Field('tag', new Utf8(), false), new Field('v', new Float64(), true), new Field('ts', new Timestamp(TimeUnit.MILLISECOND, 'UTC'), false)]);
    const strict = readCsv('ts,v,tag\n2026-01-01T00:00:00Z,1,a\n', { schema });
    expect(strict.schema.fields.map((f) => `${f.name}:${f.nullable}`)).toEqual(['ts:false', 'v:true', 'tag:false']);
    expect(() => readCsv('ts,v,tag\n,1,a\n', { schema })).toThrowError(/line 2, column "ts": expected a value/);
  });

  it('bad CSV: ragged rows and unparsable values name the line; header problems are explained', () => {
    const ragged = errorOf(() => readCsv('a,b\n1,2\n3,4,5\n'));
    expect(ragged.code).toBe('DATA_CORRUPTED');
    expect(ragged.message).toContain('CSV line 3: expected 2 fields (like the header), found 3');
    const bad = errorOf(() => readCsv('a,b\n1,2\nx,4\n', { schema: { a: 'int32' } }));
    expect(bad.code).toBe('SCHEMA_MISMATCH');
    expect(bad.message).toContain('CSV line 3, column "a": expected an integer (int32), found "x"');
    expect(errorOf(() => readCsv('a\n99999999999\n', { schema: { a: 'int32' } })).message).toContain('between -2147483648 and 2147483647');
    expect(errorOf(() => readCsv('a,a\n1,2\n')).message).toContain('"a" appears twice');
    expect(errorOf(() => readCsv('')).message).toContain('empty');
    expect(errorOf(() => readCsv('a,b\n1,2\n', { schema: { c: 'utf8' } })).message).toContain('"c", which is not in the header');
    expect(readCsv('1,2\n3,4\n', { header: false, columnNames: ['x', 'y'] }).getChild('y')!.toArray()).toEqual(new BigInt64Array([2n, 4n]));
  });
});

describe('CSV round trips and streaming', () => {
  it('Arrow -> CSV -> Arrow keeps values with the source schema (quotes, newlines, nulls, µs timestamps)', () => {
    const t = mixedTable(30);
    const csv = tableToCsv(t);
    expect(csv.split('\n')[0]).toBe('ts,ts_us,model,note,count,ok,f32,f64,i32');
    expect(csv).toContain('"has ""quotes"", commas"');
    expect(csv).toContain('2026-11-23T12:00:00.250000Z');
    expectSameTable(readCsv(csv, { schema: t.schema }), t);
    // Inferred types are the natural ones.
    const inferred = readCsv(csv);
    expect(inferred.schema.fields.map((f) => String(f.type))).toEqual([
      'Timestamp<MILLISECOND, UTC>', 'Timestamp<MILLISECOND, UTC>', 'Utf8', 'Utf8', 'Int64', 'Bool', 'Float64', 'Float64', 'Int64',
    ]);
  });

  it('streams a large file in batches with bounded buffering, and writes files atomically', async () => {
    const file = path.join(dir, 'big.csv');
    const rows = 60_000;
    const lines = ['id,value,label'];
    for (let i = 0; i < rows; i++) lines.push(`${i},${(i / 8).toString()},${i % 3 === 0 ? '"quoted, label"' : 'plain'}`);
    await writeFile(file, lines.join('\n') + '\n');
    let seen = 0;
    let batches = 0;
    let sum = 0;
    for await (const batch of readCsvBatches(file, { batchRows: 20_000, schema: { id: 'int32', value: 'float64' } })) {
      expect(batch.numRows).toBe(20_000);
      const ids = batch.getChild('id')!.toArray() as Int32Array;
      expect(ids[0]).toBe(seen);
      sum += (batch.getChild('value')!.toArray() as Float64Array).reduce((a, b) => a + b, 0);
      seen += batch.numRows;
      batches++;
    }
    expect([seen, batches]).toEqual([rows, 3]);
    expect(sum).toBeCloseTo(((rows - 1) * rows) / 2 / 8, 3);

    const out = path.join(dir, 'out.csv');
    const again = readCsvBatches(file, { batchRows: 25_000, schema: { id: 'int32' } });
    await writeCsvFile(out, again);
    expect((await readFile(out, 'utf8')).length).toBe((await readFile(file, 'utf8')).length);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const back = await readCsvFile(out);
    expect(back.numRows).toBe(rows);
    expect(back.getChild('label')!.get(3)).toBe('quoted, label');
  });

  it('streams from a Node stream with multi-byte characters split across chunks; inference errors say how to fix', async () => {
    const bytes = Buffer.from('name,n\nélan,1\n日本,2\n', 'utf8');
    const chunks = Array.from(bytes).map((b) => Buffer.from([b]));
    const batches: RecordBatch[] = [];
    for await (const b of readCsvBatches(Readable.from(chunks))) batches.push(b);
    expect(batches[0]!.getChild('name')!.toArray()).toEqual(['élan', '日本']);
    const lateString = ['n', ...Array.from({ length: 10 }, (_, i) => String(i)), 'oops'].join('\n');
    const consume = async () => {
      for await (const _ of readCsvBatches([lateString], { batchRows: 5 })) void _;
    };
    await expect(consume()).rejects.toThrowError(/line 12, column "n": expected an integer \(int64\), found "oops"\. The type int64 was inferred from the first 5 rows/);
    await expect(readCsvFile(path.join(dir, 'missing.csv'))).rejects.toSatisfy((e) => MlopsError.isInstance(e, 'NOT_FOUND'));
  });

  it('a usage CSV read with the contract schema validates against UsageRecord (and a bad one says why)', async () => {
    const { usageRecordSchema, usageRecordContract } = await import('./usage-record.js');
    const { checkTable } = await import('./validate-table.js');
    const schema = usageRecordSchema();
    const header = schema.fields.map((f) => f.name).join(',');
    const row = (start: string, end: string, kind: string) => `${start},${end},${kind},1,gpu,,A100-80GB,p4d.24xlarge,n1,spot,us-east-1,search,,ranker,job-1`;
    const good = readCsv([header, row('2026-11-23T00:00:00Z', '2026-11-23T01:00:00Z', 'gpu')].join('\n'), { schema });
    expect(checkTable(good, usageRecordContract, { strict: true })).toMatchObject({ ok: true });
    expect(String(good.getChild('resource_kind')!.type)).toBe('Dictionary<Int32, Utf8>');
    const bad = readCsv([header, row('2026-11-23T01:00:00Z', '2026-11-23T00:00:00Z', 'tpu')].join('\n'), { schema });
    expect(checkTable(bad, usageRecordContract).problems.map((p) => p.kind)).toEqual(['value-not-allowed', 'row-check-failed']);
  });

  it('parses ISO times strictly', () => {
    expect(parseIsoTime('2026-02-30')).toBeNull();
    expect(parseIsoTime('2026-11-23T25:00:00Z')).toBeNull();
    expect(parseIsoTime('2026-11-23T12:00:00.123456789Z')).toEqual({ ms: Date.UTC(2026, 10, 23, 12, 0, 0, 123), subMsNanos: 456789 });
    expect(parseIsoTime('2026-11-23T12:00-0230')!.ms).toBe(Date.UTC(2026, 10, 23, 14, 30));
  });

  it('rejects types CSV cannot hold', () => {
    const t = readCsv('a\n1\n');
    expect(t.getChild('a')!.type).toBeInstanceOf(Object);
    expect(() => readCsv('a\n1\n', { schema: new Schema([new Field('a', new Int32(), true), new Field('b', new Int32(), true)]) })).toThrowError(/missing "b"/);
  });
});
