import {
  Bool, DateDay, Dictionary, Float16, Float32, Float64, Int32, Int64, Int8, LargeUtf8, Table, TimeUnit, Timestamp, Uint64, Utf8,
  makeVector, tableFromArrays, vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { countNulls, readEpochMillisColumn, readFloat64Column, toCategoryCodes, toFloat64Array, toStringArray } from './column-readers.js';
import { MlopsError } from './errors.js';

describe('toFloat64Array', () => {
  it('reads ints, floats and bools with nulls as NaN', () => {
    expect(Array.from(toFloat64Array(vectorFromArray([1, null, -3], new Int8())))).toEqual([1, NaN, -3]);
    expect(Array.from(toFloat64Array(vectorFromArray([1.5, 2.25, null], new Float32())))).toEqual([1.5, 2.25, NaN]);
    expect(Array.from(toFloat64Array(vectorFromArray([true, false, null, true], new Bool())))).toEqual([1, 0, NaN, 1]);
    expect(Array.from(toFloat64Array(vectorFromArray([0.5, -2], new Float16())))).toEqual([0.5, -2]);
    expect(Array.from(toFloat64Array(vectorFromArray([1, null], new Int32()), { nullValue: -1 }))).toEqual([1, -1]);
  });

  it('reads Int64 / Uint64 exactly up to 2^53, including negatives', () => {
    const big = [2n ** 53n - 1n, -(2n ** 40n) - 7n, 0n, -1n];
    expect(Array.from(toFloat64Array(vectorFromArray(big, new Int64())))).toEqual(big.map(Number));
    expect(Array.from(toFloat64Array(vectorFromArray([2n ** 63n + 2048n, 5n], new Uint64())))).toEqual([2 ** 63 + 2048, 5]);
  });

  it('reads timestamps of every unit as epoch milliseconds, and dates', () => {
    const ms = 1_700_000_000_123;
    expect(Array.from(toFloat64Array(vectorFromArray([ms, null], new Timestamp(TimeUnit.MILLISECOND, 'UTC'))))).toEqual([ms, NaN]);
    const us = makeVector({ type: new Timestamp(TimeUnit.MICROSECOND, 'UTC'), data: new BigInt64Array([BigInt(ms) * 1000n + 500n]) });
    expect(toFloat64Array(us)[0]).toBeCloseTo(ms + 0.5, 6);
    const ns = makeVector({ type: new Timestamp(TimeUnit.NANOSECOND, 'UTC'), data: new BigInt64Array([BigInt(ms) * 1_000_000n]) });
    expect(toFloat64Array(ns)[0]).toBeCloseTo(ms, 3);
    const s = makeVector({ type: new Timestamp(TimeUnit.SECOND), data: new BigInt64Array([1_700_000_000n]) });
    expect(toFloat64Array(s)[0]).toBe(1_700_000_000_000);
    expect(Array.from(toFloat64Array(makeVector({ type: new DateDay(), data: new Int32Array([1, 19000]) })))).toEqual([86_400_000, 19000 * 86_400_000]);
  });

  it('decodes numeric dictionaries, honours slices and concatenates chunks', () => {
    const dict = vectorFromArray([10, 20, 10, null, 20], new Dictionary(new Float64(), new Int32()));
    expect(Array.from(toFloat64Array(dict))).toEqual([10, 20, 10, NaN, 20]);
    const v = vectorFromArray([1, null, 3, 4, null, 6], new Int32());
    expect(Array.from(toFloat64Array(v.slice(1, 5)))).toEqual([NaN, 3, 4, NaN]);
    const b = vectorFromArray([true, false, true, null, false, true, true, false, true, false], new Bool());
    expect(Array.from(toFloat64Array(b.slice(3, 9)))).toEqual([NaN, 0, 1, 1, 0, 1]);
    const chunked = vectorFromArray([1, 2], new Int32()).concat(vectorFromArray([null, 4], new Int32()));
    expect(chunked.data.length).toBe(2);
    expect(Array.from(toFloat64Array(chunked))).toEqual([1, 2, NaN, 4]);
  });

  it('matches a naive per-row read on a random multi-chunk table', () => {
    const chunks = [0, 1, 2].map((c) => vectorFromArray(Array.from({ length: 1000 }, (_, i) => ((i * 7919 + c) % 13 === 0 ? null : BigInt(i * c - 500))), new Int64()));
    const v = chunks[0]!.concat(chunks[1]!, chunks[2]!);
    const fast = toFloat64Array(v);
    for (let i = 0; i < v.length; i++) {
      const x = v.get(i);
      expect(fast[i]).toBe(x === null ? NaN : Number(x));
    }
  });

  it('rejects strings with a SCHEMA_MISMATCH naming the column', () => {
    const t = tableFromArrays({ name: ['a', 'b'] });
    expect(() => readFloat64Column(t, 'name')).toThrowError(/column "name".*found Utf8/);
    try {
      readFloat64Column(t, 'nope');
    } catch (e) {
      expect(MlopsError.isInstance(e, 'NOT_FOUND')).toBe(true);
      expect((e as Error).message).toContain('[name]');
    }
  });

  it('readEpochMillisColumn accepts timestamp-like columns only', () => {
    const t = new Table({
      ts: vectorFromArray([1000, 2000], new Timestamp(TimeUnit.MILLISECOND, 'UTC')),
      n: vectorFromArray([1000, 2000], new Int32()),
      f: vectorFromArray([1000.5, 2000], new Float64()),
    });
    expect(Array.from(readEpochMillisColumn(t, 'ts'))).toEqual([1000, 2000]);
    expect(Array.from(readEpochMillisColumn(t, 'f'))).toEqual([1000.5, 2000]);
    expect(() => readEpochMillisColumn(t, 'n')).toThrowError(/expected a Timestamp.*found Int32/);
  });
});

describe('string readers', () => {
  it('reads Utf8, LargeUtf8 and dictionary columns as codes and strings', () => {
    const plain = vectorFromArray(['b', 'a', null, 'b', 'é'], new Utf8());
    expect(toCategoryCodes(plain)).toEqual({ codes: new Int32Array([0, 1, -1, 0, 2]), categories: ['b', 'a', 'é'] });
    const dict = vectorFromArray(['x', null, 'y', 'x'], new Dictionary(new Utf8(), new Int32()));
    expect(toStringArray(dict)).toEqual(['x', null, 'y', 'x']);
    expect(toStringArray(vectorFromArray(['l', null], new LargeUtf8()))).toEqual(['l', null]);
    const two = vectorFromArray(['p', 'q'], new Dictionary(new Utf8(), new Int32())).concat(vectorFromArray(['q', 'r'], new Dictionary(new Utf8(), new Int32())));
    expect(toCategoryCodes(two)).toEqual({ codes: new Int32Array([0, 1, 1, 2]), categories: ['p', 'q', 'r'] });
    expect(toStringArray(plain.slice(1, 4))).toEqual(['a', null, 'b']);
  });

  it('countNulls gives the count and first null row across chunks', () => {
    const v = vectorFromArray([1, 2], new Int32()).concat(vectorFromArray([3, null, null], new Int32()));
    expect(countNulls(v)).toEqual({ nullCount: 2, firstNullRow: 3 });
    expect(countNulls(vectorFromArray([1], new Int32()))).toEqual({ nullCount: 0, firstNullRow: -1 });
  });
});
