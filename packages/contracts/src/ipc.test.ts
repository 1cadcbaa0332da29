import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { RecordBatch, Table, tableFromArrays } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameTable, mixedTable, numberedBatch as numbered } from '../test/fixtures.js';
import { MlopsError } from './errors.js';
import { createIpcWriter, readIpcBatches, readIpcFile, tableFromIpc, tableToIpc, writeIpcFile } from './ipc.js';

const numberedBatch = (start: number, rows: number): RecordBatch => numbered(start, rows, Math.sin);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-ipc-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Arrow IPC bytes', () => {
  it.each(['file', 'stream'] as const)('round-trips every type in %s format', (format) => {
    const t = mixedTable(12);
    expectSameTable(tableFromIpc(tableToIpc(t, { format })), t);
  });

  it('file format: batches with unrelated dictionaries are unified (the format allows one dictionary per column)', async () => {
    const a = tableFromArrays({ model: ['churn', 'fraud', 'churn'] });
    const b = tableFromArrays({ model: ['ranker', 'churn', null] as (string | null)[] });
    const both = new Table([a.batches[0]!, new RecordBatch(a.schema, b.batches[0]!.data)]);
    const expected = ['churn', 'fraud', 'churn', 'ranker', 'churn', null];
    expect(tableFromIpc(tableToIpc(both, { format: 'file' })).getChild('model')!.toArray()).toEqual(expected);
    const file = path.join(dir, 'dicts.arrow');
    const writer = createIpcWriter({ path: file });
    await writer.write(a);
    await writer.write(b);
    await writer.close();
    expect((await readIpcFile(file)).getChild('model')!.toArray()).toEqual(expected);
    // Parquet row groups read back share one growing dictionary, so they write as-is.
    const { readParquet, tableToParquet } = await import('./parquet.js');
    const fromParquet = await readParquet(await tableToParquet(mixedTable(100), { rowGroupRows: 30 }));
    expect(fromParquet.batches).toHaveLength(4);
    expectSameTable(tableFromIpc(tableToIpc(fromParquet)), fromParquet);
  });

  it('rejects foreign or empty bytes with DATA_CORRUPTED', () => {
    expect(() => tableFromIpc(new Uint8Array(0))).toThrowError(/empty/);
    try {
      tableFromIpc(new TextEncoder().encode('PAR1 not arrow at all, definitely not'));
      expect.unreachable();
    } catch (e) {
      expect(MlopsError.isInstance(e, 'DATA_CORRUPTED')).toBe(true);
    }
  });
});

describe('Arrow IPC files and streams', () => {
  it.each(['file', 'stream'] as const)('writeIpcFile + readIpcFile round-trip (%s)', async (format) => {
    const t = mixedTable(40);
    const file = path.join(dir, `mixed-${format}.arrow`);
    await writeIpcFile(file, t, { format });
    expectSameTable(await readIpcFile(file), t);
    const batches: RecordBatch[] = [];
    for await (const b of readIpcBatches(file)) batches.push(b);
    expect(batches.length).toBe(t.batches.length);
  });

  it('the incremental writer flushes batch by batch and the file appears only on close', async () => {
    const file = path.join(dir, 'incremental.arrow');
    const writer = createIpcWriter({ path: file });
    await writer.write(numberedBatch(0, 1000));
    const afterOne = writer.bytesWritten;
    expect(afterOne).toBeGreaterThan(8000);
    await writer.write(numberedBatch(1000, 1000));
    expect(writer.bytesWritten).toBeGreaterThan(afterOne + 8000);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
    await writer.close();
    const t = await readIpcFile(file);
    expect(t.numRows).toBe(2000);
    expect(t.getChild('id')!.get(1999)).toBe(1999);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('abort leaves nothing behind; mismatched schemas are refused', async () => {
    const file = path.join(dir, 'aborted.arrow');
    const writer = createIpcWriter({ path: file });
    await writer.write(numberedBatch(0, 10));
    await expect(writer.write(tableFromArrays({ other: new Float64Array([1]) }).batches[0]!)).rejects.toThrowError(/differs from the first batch/);
    await writer.abort();
    expect((await readdir(dir)).filter((f) => f.startsWith('.aborted') || f === 'aborted.arrow')).toEqual([]);
    await expect(writer.write(numberedBatch(0, 1))).rejects.toThrowError(/aborted/);
  });

  it('writes the stream format to a Node stream, read back from a Node stream', async () => {
    const pass = new PassThrough();
    const received: Buffer[] = [];
    pass.on('data', (c: Buffer) => received.push(c));
    const writer = createIpcWriter({ stream: pass });
    for (let b = 0; b < 5; b++) await writer.write(numberedBatch(b * 100, 100));
    await writer.close();
    const bytes = Buffer.concat(received);
    const back = new PassThrough();
    back.end(bytes);
    let rows = 0;
    for await (const batch of readIpcBatches(back)) rows += batch.numRows;
    expect(rows).toBe(500);
  });

  it('reads a large streamed file batch by batch: the first batch arrives after a small fraction of the bytes', async () => {
    const file = path.join(dir, 'large.arrows');
    const batchRows = 20_000;
    const batchCount = 50; // 1M rows, ~12 MB
    await writeIpcFile(file, (function* () {
      for (let b = 0; b < batchCount; b++) yield numberedBatch(b * batchRows, batchRows);
    })(), { format: 'stream' });
    let bytesPulled = 0;
    async function* counted() {
      for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
        bytesPulled += (chunk as Buffer).byteLength;
        yield chunk as Buffer;
      }
    }
    const total = (await readFile(file)).byteLength;
    let seen = 0;
    let pulledAtFirst = 0;
    let sum = 0;
    for await (const batch of readIpcBatches(counted())) {
      if (seen === 0) pulledAtFirst = bytesPulled;
      const ids = batch.getChild('id')!.data[0]!.values as Int32Array;
      expect(ids[0]).toBe(seen * batchRows);
      sum += batch.numRows;
      seen++;
    }
    expect(seen).toBe(batchCount);
    expect(sum).toBe(batchRows * batchCount);
    expect(pulledAtFirst).toBeLessThan(total / 10);
  });

  it('reading a file path uses random access: breaking early reads a fraction of the file', async () => {
    const file = path.join(dir, 'large.arrow');
    await writeIpcFile(file, (function* () {
      for (let b = 0; b < 40; b++) yield numberedBatch(b * 10_000, 10_000);
    })());
    // Count bytes read by the file handle the reader opens.
    const { open } = await import('node:fs/promises');
    const probe = await open(file);
    const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
    await probe.close();
    const original = proto.read;
    let bytesRead = 0;
    proto.read = async function (this: unknown, ...args: unknown[]) {
      const result = await original.apply(this, args);
      bytesRead += result.bytesRead;
      return result;
    };
    try {
      for await (const batch of readIpcBatches(file)) {
        expect(batch.numRows).toBe(10_000);
        break;
      }
    } finally {
      proto.read = original;
    }
    const size = (await readFile(file)).byteLength;
    expect(bytesRead).toBeGreaterThan(0);
    expect(bytesRead).toBeLessThan(size / 5);
  });

  it('missing and corrupt files give NOT_FOUND and DATA_CORRUPTED', async () => {
    await expect(readIpcFile(path.join(dir, 'nope.arrow'))).rejects.toSatisfy((e) => MlopsError.isInstance(e, 'NOT_FOUND'));
    const junk = path.join(dir, 'junk.arrow');
    await writeFile(junk, 'this is, not,arrow\n1,2,3\n');
    await expect(readIpcFile(junk)).rejects.toSatisfy((e) => MlopsError.isInstance(e, 'DATA_CORRUPTED'));
  });
});
