import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MlopsError } from '@mlops/contracts';
import type { RecordBatch} from 'apache-arrow';
import {
  Bool, DateDay, Dictionary, Field, Float16, Float32, Float64, Int32, Int64, Int8, LargeUtf8, List, RecordBatchReader, Struct, Table, TimestampMillisecond, Uint16, Utf8, Utf8View,
  tableFromArrays, tableToIPC, vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { NumericColumnProfile } from './profile.js';
import { profileBatches } from './profile.js';
import { profileIpcFile } from './profile-ipc-file.js';
import { serializeProfile } from './serialize-profile.js';

const dir = mkdtempSync(path.join(tmpdir(), 'drift-ipc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function write(bytes: Uint8Array, ext = '.arrows'): string {
  const file = path.join(dir, `t${fileNo++}${ext}`);
  writeFileSync(file, bytes);
  return file;
}

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Every type drift profiles, with nulls, NaN and ±Infinity, plus a nested column it skips. */
function mixedTable(rows: number, seed = 1): Table {
  const r = random(seed);
  const maybe = <T>(v: T, p = 0.05): T | null => (r() < p ? null : v);
  const f64 = Array.from({ length: rows }, (_, i) => maybe(i % 997 === 0 ? NaN : i % 1999 === 0 ? Infinity : (r() - 0.5) * 100));
  const cats = ['red', 'green', 'blue', 'ünïcödé', ''];
  return new Table({
    f64: vectorFromArray(f64, new Float64()),
    f64dense: vectorFromArray(Float64Array.from({ length: rows }, () => r() * 1e6 - 3)),
    f32: vectorFromArray(Array.from({ length: rows }, () => maybe(r() * 10)), new Float32()),
    i32: vectorFromArray(Array.from({ length: rows }, () => maybe(Math.floor(r() * 1000) - 500)), new Int32()),
    i64: vectorFromArray(Array.from({ length: rows }, () => maybe(BigInt(Math.floor(r() * 2 ** 40)))), new Int64()),
    i8: vectorFromArray(Array.from({ length: rows }, () => Math.floor(r() * 200) - 100), new Int8()),
    u16: vectorFromArray(Array.from({ length: rows }, () => maybe(Math.floor(r() * 60000))), new Uint16()),
    ts: vectorFromArray(Array.from({ length: rows }, () => maybe(1.7e12 + Math.floor(r() * 1e9))), new TimestampMillisecond()),
    day: vectorFromArray(Array.from({ length: rows }, () => maybe(new Date(Date.UTC(2026, 0, 1 + Math.floor(r() * 300))))), new DateDay()),
    flag: vectorFromArray(Array.from({ length: rows }, () => maybe(r() < 0.3)), new Bool()),
    plan: vectorFromArray(Array.from({ length: rows }, () => maybe(cats[Math.floor(r() * cats.length)]!)), new Utf8()),
    big: vectorFromArray(Array.from({ length: rows }, () => maybe(`k${Math.floor(r() * 50)}`)), new LargeUtf8()),
    region: vectorFromArray(Array.from({ length: rows }, () => maybe(['eu', 'us', 'apac'][Math.floor(r() * 3)]!)), new Dictionary(new Utf8(), new Int32())),
    tags: vectorFromArray(Array.from({ length: rows }, () => [Math.floor(r() * 5)]), new List(new Field('item', new Int32(), true))),
  });
}

/** `table` re-cut into record batches of `rows` rows (the writer writes one IPC message per batch). */
function rebatch(table: Table, rows: number): Table {
  const batches: RecordBatch[] = [];
  for (let at = 0; at < table.numRows; at += rows) batches.push(...table.slice(at, at + rows).batches);
  return new Table(table.schema, batches);
}

async function viaArrow(bytes: Uint8Array, options = {}): Promise<Uint8Array> {
  return serializeProfile(await profileBatches(RecordBatchReader.from(bytes), options));
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (MlopsError.isInstance(e)) return e.code;
    throw e;
  }
  return 'no error';
}

describe('profileIpcFile: same profile as profileBatches over apache-arrow', () => {
  const table = rebatch(mixedTable(9000), 2500);

  it.each(['stream', 'file'] as const)('is byte-identical once serialized, %s format, every drift type with nulls, NaN and Infinity', async (format) => {
    const bytes = tableToIPC(table, format);
    const got = await profileIpcFile(write(bytes, format === 'file' ? '.arrow' : '.arrows'));
    expect(got.rowCount).toBe(9000);
    expect([...got.columns.keys()]).toEqual(['f64', 'f64dense', 'f32', 'i32', 'i64', 'i8', 'u16', 'ts', 'day', 'flag', 'plan', 'big', 'region']);
    const f64 = got.columns.get('f64') as NumericColumnProfile;
    expect(f64.nulls).toBeGreaterThan(300);
    expect(f64.nans).toBeGreaterThan(0);
    expect(f64.infinities).toBeGreaterThan(0);
    expect(serializeProfile(got)).toEqual(await viaArrow(bytes));
  });

  it('honours the profile options (columns in the given order, histogram edges, sketch k, category cap)', async () => {
    const bytes = tableToIPC(table, 'stream');
    const options = { columns: ['plan', 'ts', 'f64'], histogramEdges: { f64: [-10, 0, 10] }, sketchK: 64, categoryCap: 2 };
    const got = await profileIpcFile(write(bytes), options);
    expect([...got.columns.keys()]).toEqual(['plan', 'ts', 'f64']);
    expect((got.columns.get('f64') as NumericColumnProfile).histogram!.counts.reduce((a, b) => a + b, 0)).toBe((got.columns.get('f64') as NumericColumnProfile).count);
    expect(serializeProfile(got)).toEqual(await viaArrow(bytes, options));
  });

  it('reads the legacy stream framing (no continuation marker), accepts a file URL, and profiles a schema-only file as empty', async () => {
    const legacy = tableToIPC(table, 'stream');
    const reader = RecordBatchReader.from(legacy);
    const { RecordBatchStreamWriter } = await import('apache-arrow');
    const writer = new RecordBatchStreamWriter({ writeLegacyIpcFormat: true });
    for (const batch of reader) writer.write(batch);
    writer.finish();
    const legacyBytes = writer.toUint8Array(true);
    expect(new DataView(legacyBytes.buffer, legacyBytes.byteOffset).getInt32(0, true)).not.toBe(-1);
    const file = write(legacyBytes);
    expect(serializeProfile(await profileIpcFile(pathToFileURL(file)))).toEqual(await viaArrow(legacy));

    const empty = tableToIPC(new Table(table.schema, []), 'stream');
    const got = await profileIpcFile(write(empty));
    expect(got.rowCount).toBe(0);
    expect(serializeProfile(got)).toEqual(await viaArrow(empty));
  });

  it('profiles large column chunks in row slices: equal to profileBatches over the batches cut at those rows', async () => {
    // One 20,000-row batch; with 64 KiB reads every column (80–160 KB) is read in slices of
    // floor(64 KiB * 8 / (64 + 1) / 64) * 64 = 8,064 rows.
    const r = random(5);
    const rows = 20_000;
    const t = tableFromArrays({
      x: Float64Array.from({ length: rows }, () => r() * 10),
      n: Int32Array.from({ length: rows }, () => Math.floor(r() * 100)),
    });
    const withNulls = new Table({ x: t.getChild('x')!, n: t.getChild('n')!, y: vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : r())), new Float64()) });
    const one = tableToIPC(withNulls, 'file');
    expect(withNulls.batches.length).toBe(1);
    const got = await profileIpcFile(write(one, '.arrow'), { readBufferBytes: 64 * 1024 });
    const sliceRows = Math.floor((64 * 1024 * 8) / 65 / 64) * 64;
    expect(sliceRows).toBe(8064);
    const expected = await profileBatches(rebatch(withNulls, sliceRows).batches);
    expect(serializeProfile(got)).toEqual(serializeProfile(expected));
    expect((got.columns.get('y') as NumericColumnProfile).nulls).toBe(Math.ceil(rows / 7));
    // Without slicing it equals the single-batch profile.
    expect(serializeProfile(await profileIpcFile(write(one, '.arrow')))).toEqual(await viaArrow(one));
  });
});

describe('profileIpcFile: bad input gives coded errors', () => {
  const bytes = tableToIPC(rebatch(mixedTable(3000, 9), 1000), 'stream');
  const fileBytes = tableToIPC(rebatch(mixedTable(3000, 9), 1000), 'file');

  it('NOT_FOUND for a missing file, INVALID_ARGUMENT for a directory or a tiny read buffer, SCHEMA_MISMATCH for unknown or unsupported columns', async () => {
    expect(await codeOf(profileIpcFile(path.join(dir, 'nope.arrow')))).toBe('NOT_FOUND');
    expect(await codeOf(profileIpcFile(dir))).toBe('INVALID_ARGUMENT');
    const file = write(bytes);
    expect(await codeOf(profileIpcFile(file, { readBufferBytes: 1024 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(profileIpcFile(file, { columns: ['f64', 'missing'] }))).toBe('SCHEMA_MISMATCH');
    expect(await codeOf(profileIpcFile(file, { columns: ['tags'] }))).toBe('SCHEMA_MISMATCH');
  });

  it('DATA_CORRUPTED for empty, foreign and truncated files, in both formats', async () => {
    expect(await codeOf(profileIpcFile(write(new Uint8Array(0))))).toBe('DATA_CORRUPTED');
    expect(await codeOf(profileIpcFile(write(new TextEncoder().encode('id,value\n1,2\n3,4\n'))))).toBe('DATA_CORRUPTED');
    expect(await codeOf(profileIpcFile(write(readFileSync(new URL(import.meta.url)))))).toBe('DATA_CORRUPTED');
    for (const cut of [7, 100, Math.floor(bytes.length / 2), bytes.length - 20]) {
      expect(await codeOf(profileIpcFile(write(bytes.subarray(0, cut))))).toBe('DATA_CORRUPTED');
    }
    for (const cut of [8, 200, Math.floor(fileBytes.length / 2), fileBytes.length - 4]) {
      expect(await codeOf(profileIpcFile(write(fileBytes.subarray(0, cut), '.arrow')))).toBe('DATA_CORRUPTED');
    }
  });

  it('UNSUPPORTED for compressed bodies', async () => {
    // Mark the first record batch as LZ4-compressed by re-encoding its header with apache-arrow.
    const { Message, MessageHeader } = await import('apache-arrow');
    const out: Uint8Array[] = [];
    let pos = 0;
    let marked = false;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    while (pos < bytes.length) {
      const len = view.getInt32(pos + 4, true);
      if (len === 0) {
        out.push(bytes.subarray(pos));
        break;
      }
      const meta = bytes.subarray(pos + 8, pos + 8 + len);
      const msg = Message.decode(meta);
      const body = bytes.subarray(pos + 8 + len, pos + 8 + len + msg.bodyLength);
      if (!marked && msg.headerType === MessageHeader.RecordBatch) {
        marked = true;
        const h = msg.header() as unknown as { length: number; nodes: unknown[]; buffers: unknown[] };
        const ctor = (msg.header() as object).constructor as new (...args: unknown[]) => object;
        const { BodyCompression } = await import('apache-arrow/ipc/metadata/message');
        const header = new ctor(h.length, h.nodes, h.buffers, new BodyCompression(0));
        const encoded = Message.encode(Message.from(header as Parameters<typeof Message.from>[0], msg.bodyLength));
        const padded = new Uint8Array(Math.ceil(encoded.length / 8) * 8);
        padded.set(encoded);
        const prefix = new Uint8Array(8);
        new DataView(prefix.buffer).setInt32(0, -1, true);
        new DataView(prefix.buffer).setInt32(4, padded.length, true);
        out.push(prefix, padded, body);
      } else {
        out.push(bytes.subarray(pos, pos + 8 + len + msg.bodyLength));
      }
      pos += 8 + len + msg.bodyLength;
    }
    expect(marked).toBe(true);
    expect(await codeOf(profileIpcFile(write(Buffer.concat(out))))).toBe('UNSUPPORTED');
  });

  it('a damaged first message header (fast-check counterexample) is DATA_CORRUPTED, not a TypeError', async () => {
    const damaged = bytes.slice();
    damaged[4] = 87;
    damaged[9] = 0;
    expect(await codeOf(profileIpcFile(write(damaged)))).toBe('DATA_CORRUPTED');
  });

  it('a schema header whose damaged offset declares a huge vector is DATA_CORRUPTED, not an out-of-memory crash', async () => {
    // Found by the property below: apache-arrow alone allocates until the heap is exhausted.
    const damaged = bytes.slice();
    damaged[584] = 133;
    expect(await codeOf(profileIpcFile(write(damaged)))).toBe('DATA_CORRUPTED');
  });

  it('never throws anything but an MlopsError, nor reads garbage, when bytes are flipped or cut (fast-check)', async () => {
    const good = serializeProfile(await profileIpcFile(write(bytes)));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ at: fc.nat({ max: bytes.length - 1 }), value: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 4 }), fc.option(fc.nat({ max: bytes.length })), async (flips, cut) => {
        const damaged = bytes.slice(0, cut ?? bytes.length);
        for (const f of flips) if (f.at < damaged.length) damaged[f.at] = f.value;
        try {
          const p = await profileIpcFile(write(damaged));
          // A flip inside column values is not detectable without checksums (IPC has none):
          // the result is then a valid profile of the altered values, with the same row count.
          expect(p.rowCount).toBeLessThanOrEqual(3000);
          expect(serializeProfile(p).length).toBeGreaterThan(0);
        } catch (e) {
          expect(MlopsError.isInstance(e), String(e)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
    expect(good.length).toBeGreaterThan(0);
  });
});

describe('profileIpcFile: more layouts', () => {
  it('slices booleans, dictionary indices and 16-bit floats with nulls on byte boundaries', async () => {
    // 600k rows: the boolean column (75 KB) and the Int8 dictionary indices (600 KB) exceed 64 KiB.
    const r = random(11);
    const rows = 600_000;
    const t = new Table({
      flag: vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? null : r() < 0.4)), new Bool()),
      region: vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? null : ['eu', 'us', 'apac', 'latam'][Math.floor(r() * 4)]!)), new Dictionary(new Utf8(), new Int8())),
      half: vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 17 === 0 ? null : r() * 4 - 2)), new Float16()),
    });
    const bytes = tableToIPC(t, 'stream');
    const got = await profileIpcFile(write(bytes), { readBufferBytes: 64 * 1024 });
    const expected = await profileBatches(rebatch(t, 8064).batches);
    expect(serializeProfile(got)).toEqual(serializeProfile(expected));
    expect(got.columns.get('flag')!.nulls).toBe(Math.ceil(rows / 11));
    expect(got.columns.get('region')!.nulls).toBe(Math.ceil(rows / 13));
    // Read whole (8 MiB buffers), it equals the apache-arrow reader on the single batch.
    expect(serializeProfile(await profileIpcFile(write(bytes)))).toEqual(await viaArrow(bytes));
  });

  it('reads Utf8View columns (variadic buffers) and skips a struct column before them', async () => {
    // Three batches built separately: apache-arrow 21 writes a *sliced* Utf8View batch with an
    // empty views buffer (its own reader then fails), so rebatch() cannot be used here.
    const rows = 3000;
    const part = (from: number): Table => {
      const ids = Array.from({ length: 1000 }, (_, i) => from + i);
      return new Table({
        pair: vectorFromArray(ids.map((i) => ({ a: i, b: i * 2 })), new Struct([new Field('a', new Int32()), new Field('b', new Int32())])),
        word: vectorFromArray(ids.map((i) => (i % 9 === 0 ? null : `a-rather-long-category-name-${i % 37}`)), new Utf8View()),
        x: vectorFromArray(Float64Array.from(ids, (i) => i / 7)),
      });
    };
    const parts = [part(0), part(1000), part(2000)];
    const bytes = tableToIPC(new Table(parts.flatMap((p) => p.batches)), 'stream');
    const got = await profileIpcFile(write(bytes));
    expect([...got.columns.keys()]).toEqual(['word', 'x']);
    expect(got.columns.get('word')!.nulls).toBe(Math.ceil(rows / 9));
    expect(serializeProfile(got)).toEqual(await viaArrow(bytes));
  });
});
