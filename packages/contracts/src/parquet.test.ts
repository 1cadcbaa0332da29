import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateDay, Field, Float16, Int16, Int8, LargeUtf8, Schema, Table, TimeUnit, Timestamp, Uint16, Uint32, Uint64, Uint8, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { buildTable } from './contract-schema.js';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameTable, mixedTable, numberedBatch as numbered } from '../test/fixtures.js';
import { MlopsError } from './errors.js';
import { createParquetWriter, readParquet, readParquetBatches, tableToParquet, writeParquetFile } from './parquet.js';

const numberedBatch = (start: number, rows: number): RecordBatch => numbered(start, rows, (id) => id / 7);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-parquet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Parquet', () => {
  it('round-trips every type through bytes (timestamps, dictionary strings, nulls, int64, bool, floats)', async () => {
    const t = mixedTable(50);
    const bytes = await tableToParquet(t);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('PAR1');
    expectSameTable(await readParquet(bytes), t);
  });

  it('writes row groups and reads them back batch by batch, selecting columns', async () => {
    const file = path.join(dir, 'groups.parquet');
    await writeParquetFile(file, mixedTable(1000), { rowGroupRows: 256 });
    const batches: RecordBatch[] = [];
    for await (const b of readParquetBatches(file, { columns: ['count', 'model'] })) batches.push(b);
    expect(batches.map((b) => b.numRows)).toEqual([256, 256, 256, 232]);
    expect(batches[0]!.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['count: Int64', 'model: Dictionary<Int32, Utf8>']);
    const whole = new Table(batches);
    expect(whole.getChild('count')!.get(999)).toBe(mixedTable(1000).getChild('count')!.get(999));
  });

  it('incremental writer streams batches into row groups; file appears only on close', async () => {
    const file = path.join(dir, 'incremental.parquet');
    const first = numberedBatch(0, 5000);
    const writer = await createParquetWriter({ path: file, schema: first.schema, rowGroupRows: 5000 });
    await writer.write(first);
    for (let b = 1; b < 4; b++) await writer.write(numberedBatch(b * 5000, 5000));
    expect((await readdir(dir)).includes('incremental.parquet')).toBe(false);
    await writer.close();
    expect(writer.rowsWritten).toBe(20_000);
    let rows = 0;
    let groups = 0;
    for await (const b of readParquetBatches(file)) {
      expect((b.getChild('id')!.get(0) as number) % 5000).toBe(0);
      rows += b.numRows;
      groups++;
    }
    expect([rows, groups]).toEqual([20_000, 4]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('round-trips every integer width, Float16 (as Float32), dates, second and zone-less timestamps, LargeUtf8', async () => {
  const schema = new Schema([
    new Field('i8', new Int8(), true), new Field('i16', new Int16(), true), new Field('u8', new Uint8(), true), new Field('u16', new Uint16(), true),
    new Field('u32', new Uint32(), true), new Field('u64', new Uint64(), true), new Field('f16', new Float16(), true), new Field('d', new DateDay(), true),
    new Field('ts_s', new Timestamp(TimeUnit.SECOND, 'UTC'), true), new Field('ts_naive', new Timestamp(TimeUnit.MILLISECOND), true), new Field('lu', new LargeUtf8(), true),
  ]);
  const t = buildTable(schema, {
    i8: [-128, 127, null], i16: [-32768, 32767, null], u8: [0, 255, null], u16: [0, 65535, null], u32: [0, 4294967295, null], u64: [0n, 2n ** 64n - 1n, null],
    f16: [0.5, -2, null], d: [new Date(Date.UTC(2026, 10, 23)), new Date(0), null], ts_s: [Date.UTC(2026, 10, 23, 1, 2, 3), 0, null], ts_naive: [5, 6, null], lu: ['a', 'é', null],
  });
    const back = await readParquet(await tableToParquet(t));
    for (const f of schema.fields) {
      const expectedType = f.name === 'f16' ? 'Float32' : String(f.type);
      expect(String(back.getChild(f.name)!.type), f.name).toBe(expectedType);
      expect(Array.from({ length: 3 }, (_, i) => back.getChild(f.name)!.get(i)), f.name).toEqual(Array.from({ length: 3 }, (_, i) => t.getChild(f.name)!.get(i)));
    }
  });

  it('writes to a Node stream and reads the bytes back', async () => {
    const { PassThrough } = await import('node:stream');
    const pass = new PassThrough();
    const parts: Buffer[] = [];
    pass.on('data', (c: Buffer) => parts.push(c));
    const t = mixedTable(20);
    const writer = await createParquetWriter({ stream: pass, schema: t.schema, rowGroupRows: 7 });
    await writer.write(t);
    await writer.close();
    const bytes = new Uint8Array(Buffer.concat(parts));
    expectSameTable(await readParquet(bytes), t);
    let groups = 0;
    for await (const b of readParquetBatches(bytes)) groups += b.numRows > 0 ? 1 : 0;
    expect(groups).toBe(3);
  });

  it('failed writes leave nothing behind', async () => {
    const file = path.join(dir, 'failed.parquet');
    async function* bad() {
      yield numberedBatch(0, 10);
      yield tableFromArrays({ other: new Float64Array([1]) }).batches[0]!;
    }
    await expect(writeParquetFile(file, bad())).rejects.toThrowError(/differs from the file's/);
    expect((await readdir(dir)).filter((f) => f.includes('failed'))).toEqual([]);
  });

  it('bad input: missing file, corrupt bytes, unknown column, unsupported type', async () => {
    await expect(readParquet(path.join(dir, 'nope.parquet'))).rejects.toSatisfy((e) => MlopsError.isInstance(e, 'NOT_FOUND'));
    const junk = path.join(dir, 'junk.parquet');
    await writeFile(junk, 'not parquet at all');
    await expect(readParquet(junk)).rejects.toSatisfy((e) => MlopsError.isInstance(e, 'DATA_CORRUPTED'));
    const bytes = await tableToParquet(mixedTable(3));
    await expect(readParquet(bytes, { columns: ['nope'] })).rejects.toThrowError(/"nope" not found.*it has \[ts, ts_us/);
    const withList = new Table({ l: vectorFromArray([[1, 2], [3]]) });
    await expect(tableToParquet(withList)).rejects.toSatisfy((e) => MlopsError.isInstance(e, 'UNSUPPORTED') && /Column "l" has type List/.test((e as Error).message));
  });
});
