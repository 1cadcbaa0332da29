import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquet, writeParquetFile } from '../src/parquet.js';
import { T0, mixedTable } from './fixtures.js';

// DuckDB runs in-process: a real Parquet engine checking that our files are standard and that
// we read files it writes.
let dir: string;
let instance: DuckDBInstance;
let db: DuckDBConnection;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlops-duckdb-'));
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await db.run("SET TimeZone = 'UTC'");
});
afterAll(async () => {
  db?.closeSync();
  instance?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

describe('Parquet written by us, read by DuckDB', () => {
  it('has the expected SQL types and values', async () => {
    const file = path.join(dir, 'ours.parquet');
    const t = mixedTable(30);
    await writeParquetFile(file, t, { rowGroupRows: 8 });
    const described = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    const types = Object.fromEntries(described.getRowObjectsJS().map((r) => [r.column_name, r.column_type]));
    expect(types).toEqual({
      ts: 'TIMESTAMP WITH TIME ZONE',
      ts_us: 'TIMESTAMP WITH TIME ZONE',
      model: 'VARCHAR',
      note: 'VARCHAR',
      count: 'BIGINT',
      ok: 'BOOLEAN',
      f32: 'FLOAT',
      f64: 'DOUBLE',
      i32: 'INTEGER',
    });
    const rows = (
      await db.runAndReadAll(
        `SELECT epoch_ms(ts) AS ts_ms, epoch_us(ts_us) AS ts_us, model, note, count, ok, f32, f64, i32 FROM read_parquet('${file}') ORDER BY ts`,
      )
    ).getRowObjectsJS();
    expect(rows).toHaveLength(30);
    for (let i = 0; i < 30; i++) {
      const row = rows[i]!;
      const get = (name: string) => t.getChild(name)!.get(i) as unknown;
      expect(Number(row.ts_ms)).toBe(get('ts'));
      expect(row.ts_us === null ? null : Number(row.ts_us)).toBe(get('ts_us') === null ? null : (get('ts_us') as number) * 1000);
      expect(row.model).toBe(get('model'));
      expect(row.note).toBe(get('note'));
      expect(row.count).toBe(get('count'));
      expect(row.ok).toBe(get('ok'));
      expect(row.f32).toBe(get('f32'));
      expect(row.f64).toBe(get('f64'));
      expect(row.i32).toBe(get('i32'));
    }
    const agg = (await db.runAndReadAll(`SELECT count(*) AS n, count(count) AS nn, sum(i32) AS s FROM read_parquet('${file}')`)).getRowObjectsJS()[0]!;
    expect(Number(agg.n)).toBe(30);
    expect(Number(agg.nn)).toBe(30 - 6);
  });
});

describe('Parquet written by DuckDB, read by us', () => {
  it.each(['snappy', 'zstd', 'gzip', 'uncompressed'])('keeps types and values (%s)', async (codec) => {
    const file = path.join(dir, `duck-${codec}.parquet`);
    await db.run(`
      COPY (
        SELECT
          i::INTEGER AS id,
          (i * 10000000000)::BIGINT AS big,
          CASE WHEN i % 3 = 0 THEN NULL ELSE 'name_' || (i % 4) END AS name,
          i % 2 = 0 AS even,
          (i / 4)::DOUBLE AS ratio,
          (i / 4)::FLOAT AS ratio32,
          to_timestamp(${T0 / 1000} + i) AS ts_tz,
          TIMESTAMP '2026-11-23 12:00:00' + to_seconds(i) AS ts_naive,
          DATE '2026-11-23' + i::INTEGER AS day
        FROM range(0, 5000) t(i)
      ) TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 2048)
    `);
    const t = await readParquet(file);
    expect(t.numRows).toBe(5000);
    expect(t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'id: Int32',
      'big: Int64',
      'name: Utf8',
      'even: Bool',
      'ratio: Float64',
      'ratio32: Float32',
      'ts_tz: Timestamp<MICROSECOND, UTC>',
      'ts_naive: Timestamp<MICROSECOND>',
      'day: Date32<DAY>',
    ]);
    expect(t.batches.length).toBeGreaterThanOrEqual(3);
    expect(t.getChild('id')!.get(4999)).toBe(4999);
    expect(t.getChild('big')!.get(4999)).toBe(4999n * 10_000_000_000n);
    expect(t.getChild('name')!.get(3)).toBeNull();
    expect(t.getChild('name')!.get(5)).toBe('name_1');
    expect(t.getChild('even')!.get(2)).toBe(true);
    expect(t.getChild('ratio')!.get(5)).toBe(1.25);
    expect(t.getChild('ratio32')!.get(5)).toBe(1.25);
    expect(t.getChild('ts_tz')!.get(7)).toBe(T0 + 7000);
    expect(t.getChild('ts_naive')!.get(1)).toBe(Date.UTC(2026, 10, 23, 12, 0, 1));
    expect(t.getChild('day')!.get(1)).toBe(Date.UTC(2026, 10, 24));
  });
});
