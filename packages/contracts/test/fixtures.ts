import { Bool, Dictionary, Field, Float32, Float64, Int32, Int64, Schema, Table, TimeUnit, Timestamp, Utf8, makeVector } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { expect } from 'vitest';
import { buildTable } from '../src/contract-schema.js';

export const T0 = Date.UTC(2026, 10, 23, 12, 0, 0, 250);

/** A table with every type the IO helpers must preserve: ms/us UTC timestamps, dictionary strings, nulls, int64, bool, float32/64. */
export function mixedTable(rows = 5): Table {
  const schema = new Schema([
    new Field('ts', new Timestamp(TimeUnit.MILLISECOND, 'UTC'), false),
    new Field('ts_us', new Timestamp(TimeUnit.MICROSECOND, 'UTC'), true),
    new Field('model', new Dictionary(new Utf8(), new Int32()), false),
    new Field('note', new Utf8(), true),
    new Field('count', new Int64(), true),
    new Field('ok', new Bool(), true),
    new Field('f32', new Float32(), true),
    new Field('f64', new Float64(), true),
    new Field('i32', new Int32(), true),
  ]);
  const r = Array.from({ length: rows }, (_, i) => i);
  return buildTable(schema, {
    ts: r.map((i) => T0 + i * 1000),
    ts_us: r.map((i) => (i % 4 === 1 ? null : T0 + i)),
    model: r.map((i) => (i % 3 === 0 ? 'churn' : 'fraud')),
    note: r.map((i) => (i % 3 === 2 ? null : i % 2 ? 'has "quotes", commas' : `line\nbreak ${i}`)),
    count: r.map((i) => (i % 5 === 3 ? null : BigInt(i) * 10_000_000_000n - 7n)),
    ok: r.map((i) => (i % 4 === 2 ? null : i % 2 === 0)),
    f32: r.map((i) => (i % 6 === 4 ? null : i + 0.5)),
    f64: r.map((i) => (i % 7 === 5 ? null : i / 3)),
    i32: r.map((i) => (i % 8 === 6 ? null : -i)),
  });
}

/** Compares two tables column by column: names, type strings, null positions and values. */
export function expectSameTable(actual: Table, expected: Table, options: { ignoreNullable?: boolean } = {}): void {
  expect(actual.numRows).toBe(expected.numRows);
  expect(actual.schema.fields.map((f) => `${f.name}: ${String(f.type)}${options.ignoreNullable ? '' : f.nullable ? '?' : ''}`)).toEqual(
    expected.schema.fields.map((f) => `${f.name}: ${String(f.type)}${options.ignoreNullable ? '' : f.nullable ? '?' : ''}`),
  );
  for (const field of expected.schema.fields) {
    const a = actual.getChild(field.name)!;
    const e = expected.getChild(field.name)!;
    const values = (v: typeof a) => Array.from({ length: v.length }, (_, i) => v.get(i) as unknown);
    expect(values(a), `column ${field.name}`).toEqual(values(e));
  }
}

/** One batch of `rows` rows: `id` = start..start+rows-1 (Int32) and `x` = value(id) (Float64). */
export function numberedBatch(start: number, rows: number, value: (id: number) => number): RecordBatch {
  const ids = new Int32Array(rows);
  const xs = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    ids[i] = start + i;
    xs[i] = value(start + i);
  }
  return new Table({ id: makeVector({ type: new Int32(), data: ids }), x: makeVector({ type: new Float64(), data: xs }) }).batches[0]!;
}
