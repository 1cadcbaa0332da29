import { Dictionary, Float64, Int32, Int64, TimestampMillisecond, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { SchemaMismatchError } from '@mlops/contracts';

// Structural views of Arrow objects: checks read `typeId` and buffers, never `instanceof`, so a
// table built by another copy of apache-arrow (or by DuckDB, via IPC) is read the same way.

/** The parts of an Arrow `DataType` this package reads (`typeId` follows apache-arrow's `Type` enum). */
export interface ArrowTypeLike {
  readonly typeId: number;
  readonly bitWidth?: number;
  readonly isSigned?: boolean;
  readonly precision?: number;
  readonly unit?: number;
  readonly dictionary?: ArrowTypeLike;
  readonly indices?: ArrowTypeLike;
}

/** One chunk of an Arrow column. */
export interface ArrowDataLike {
  readonly type: ArrowTypeLike;
  readonly length: number;
  readonly offset: number;
  readonly nullCount: number;
  readonly nullBitmap?: Uint8Array | null;
  readonly values?: ArrayLike<number | bigint> & { readonly length: number; readonly buffer?: ArrayBufferLike; readonly byteOffset?: number };
  readonly valueOffsets?: ArrayLike<number | bigint>;
  readonly dictionary?: ArrowVectorLike;
}

/** An Arrow column. */
export interface ArrowVectorLike {
  readonly type: ArrowTypeLike;
  readonly data: readonly ArrowDataLike[];
  readonly length: number;
  get(index: number): unknown;
}

/** An Arrow table (any copy of apache-arrow, or anything with the same shape). */
export interface ArrowTableLike {
  readonly schema: { readonly fields: readonly { readonly name: string; readonly type: ArrowTypeLike }[]; readonly metadata?: Map<string, string> };
  readonly numRows: number;
  getChild(name: string): ArrowVectorLike | null;
}

const T = { Int: 2, Float: 3, Utf8: 5, Decimal: 7, Date: 8, Timestamp: 10, LargeUtf8: 20, Dictionary: -1 } as const;
const TWO_POW_32 = 4294967296;
const UNIT_TO_MS = [1000, 1, 1e-3, 1e-6] as const;

/** Column names of a table. */
export function columnNames(table: ArrowTableLike): string[] {
  return table.schema.fields.map((f) => f.name);
}

function typeName(type: ArrowTypeLike): string {
  switch (type.typeId) {
    case T.Int: return `${type.isSigned === false ? 'Uint' : 'Int'}${type.bitWidth ?? ''}`;
    case T.Float: return ['Float16', 'Float32', 'Float64'][type.precision ?? 2] ?? 'Float';
    case T.Utf8: return 'Utf8';
    case T.LargeUtf8: return 'LargeUtf8';
    case T.Timestamp: return `Timestamp(${['s', 'ms', 'us', 'ns'][type.unit ?? 1]})`;
    case T.Date: return 'Date';
    case T.Dictionary: return `Dictionary<${type.dictionary ? typeName(type.dictionary) : '?'}>`;
    default: return `type id ${type.typeId}`;
  }
}

function isValid(data: ArrowDataLike, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const bit = data.offset + i;
  return ((data.nullBitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

function int32Words(values: NonNullable<ArrowDataLike['values']>, length: number): Int32Array {
  const view = values as unknown as ArrayBufferView;
  return new Int32Array(view.buffer, view.byteOffset, length * 2);
}

/**
 * A numeric or timestamp column as a Float64Array; nulls become NaN. 64-bit integers are read as
 * two 32-bit halves (exact to 2^53, much faster than `Number(bigint)`). Timestamps and dates are
 * converted to epoch milliseconds.
 */
export function readNumbers(vector: ArrowVectorLike, columnName: string, expect: 'number' | 'time'): Float64Array {
  const out = new Float64Array(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const type = data.type;
    const n = data.length;
    let scale = 1;
    if (type.typeId === T.Timestamp) scale = UNIT_TO_MS[type.unit ?? 1] ?? 1;
    else if (type.typeId === T.Date) scale = type.unit === 0 ? 86_400_000 : 1;
    else if (type.typeId !== T.Int && type.typeId !== T.Float) {
      throw new SchemaMismatchError(
        `Column "${columnName}" should be ${expect === 'time' ? 'a Timestamp (or epoch-millisecond Int64/Float64)' : 'numeric (Float64)'}, but it is ${typeName(type)}. ` +
          'Cast it before passing the table (DuckDB: CAST(x AS DOUBLE) / TIMESTAMP_MS).',
        { problems: [`${columnName}: ${typeName(type)}`] },
      );
    }
    const values = data.values!;
    const is64 = (type.typeId === T.Int || type.typeId === T.Timestamp || type.typeId === T.Date) && (type.bitWidth === 64 || type.typeId === T.Timestamp || (type.typeId === T.Date && type.unit === 1));
    if (type.typeId === T.Float && type.precision === 0) {
      throw new SchemaMismatchError(`Column "${columnName}" is Float16, which this package does not read. Cast it to Float64.`);
    }
    if (is64) {
      const words = int32Words(values, n);
      const signed = type.isSigned !== false;
      for (let i = 0; i < n; i++) {
        const hi = signed ? words[2 * i + 1]! : words[2 * i + 1]! >>> 0;
        out[at + i] = (hi * TWO_POW_32 + (words[2 * i]! >>> 0)) * scale;
      }
    } else {
      const v = values as ArrayLike<number>;
      for (let i = 0; i < n; i++) out[at + i] = v[i]! * scale;
    }
    if (data.nullCount > 0) for (let i = 0; i < n; i++) if (!isValid(data, i)) out[at + i] = NaN;
    at += n;
  }
  return out;
}

/** A string column as dense codes into `values` (-1 for null). */
export interface Categories {
  readonly codes: Int32Array;
  readonly values: string[];
}

/** Interns strings to dense codes. */
export class StringInterner {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  code(value: string): number {
    let c = this.index.get(value);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(value);
      this.index.set(value, c);
    }
    return c;
  }
  lookup(value: string): number | undefined {
    return this.index.get(value);
  }
}

const decoder = new TextDecoder();

/**
 * A string column (Utf8, LargeUtf8 or Dictionary<Int*, Utf8>) as dense codes. Dictionary indices
 * are remapped through the dictionary once; plain Utf8 is interned by decoding each value.
 * Passing `interner` shares codes across several columns/tables. The codes may be the Arrow
 * column's own index buffer (one chunk, no nulls, dictionary in interner order): read-only.
 */
export function readCategories(vector: ArrowVectorLike, columnName: string, interner = new StringInterner()): Categories {
  const only = vector.data.length === 1 ? vector.data[0]! : null;
  if (only && only.type.typeId === T.Dictionary && only.nullCount === 0 && only.values instanceof Int32Array) {
    // One chunk, no nulls, dictionary values new to the interner in order: the indices are the
    // codes, so use them in place (read-only) instead of copying tens of megabytes.
    const dict = only.dictionary!;
    let identity = interner.values.length === 0;
    for (let d = 0; identity && d < dict.length; d++) {
      const v = dict.get(d);
      identity = v !== null && v !== undefined && interner.code(String(v)) === d;
    }
    if (identity) return { codes: only.values.subarray(0, only.length), values: interner.values };
  }
  const codes = new Int32Array(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const type = data.type;
    const n = data.length;
    if (type.typeId === T.Dictionary) {
      const dict = data.dictionary!;
      const remap = new Int32Array(dict.length);
      for (let d = 0; d < dict.length; d++) {
        const v = dict.get(d);
        remap[d] = v === null || v === undefined ? -1 : interner.code(String(v));
      }
      const idx = data.values!;
      const wide = type.indices?.bitWidth === 64;
      const words = wide ? int32Words(idx, n) : null;
      if (words) for (let i = 0; i < n; i++) codes[at + i] = remap[words[2 * i]!]!;
      else {
        const small = idx as ArrayLike<number>;
        for (let i = 0; i < n; i++) codes[at + i] = remap[small[i]!]!;
      }
      if (data.nullCount > 0) for (let i = 0; i < n; i++) if (!isValid(data, i)) codes[at + i] = -1;
    } else if (type.typeId === T.Utf8 || type.typeId === T.LargeUtf8) {
      const bytes = data.values as unknown as Uint8Array;
      const offs = data.valueOffsets!;
      // Consecutive equal values are common (records of one job); skip re-decoding them.
      let prevA = -1;
      let prevB = -1;
      let prevCode = -1;
      for (let i = 0; i < n; i++) {
        if (!isValid(data, i)) {
          codes[at + i] = -1;
          continue;
        }
        const a = Number(offs[i]);
        const b = Number(offs[i + 1]);
        if (prevA >= 0 && b - a === prevB - prevA && bytesEqual(bytes, a, prevA, b - a)) {
          codes[at + i] = prevCode;
          continue;
        }
        prevCode = interner.code(decoder.decode(bytes.subarray(a, b)));
        prevA = a;
        prevB = b;
        codes[at + i] = prevCode;
      }
    } else {
      throw new SchemaMismatchError(
        `Column "${columnName}" should be a string column (Utf8, LargeUtf8 or Dictionary<Int, Utf8>), but it is ${typeName(type)}.`,
        { problems: [`${columnName}: ${typeName(type)}`] },
      );
    }
    at += n;
  }
  return { codes, values: interner.values };
}

function bytesEqual(bytes: Uint8Array, a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}

/** A string column as JS strings (null for nulls). For small tables only. */
export function readStrings(vector: ArrowVectorLike, columnName: string): (string | null)[] {
  const { codes, values } = readCategories(vector, columnName);
  const out = new Array<string | null>(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i]! < 0 ? null : values[codes[i]!]!;
  return out;
}

function validity(isNull: (i: number) => boolean, length: number): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    if (isNull(i)) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { bitmap, nullCount };
}

/** A Dictionary<Int32, Utf8> vector from codes (-1 = null) into `values`. */
export function dictionaryVector(codes: Int32Array, values: readonly string[]): Vector {
  const dictionary = vectorFromArray(values.length ? [...values] : [''], new Utf8());
  // Direct loop rather than validity(): this runs over every cost-table row, several columns each.
  let nullCount = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i]! < 0) nullCount++;
  const bitmap = nullCount ? validity((i) => codes[i]! < 0, codes.length).bitmap : null;
  const safe = nullCount ? codes.map((c) => (c < 0 ? 0 : c)) : codes;
  const type = new Dictionary(new Utf8(), new Int32());
  return makeVector(makeData({ type, length: codes.length, nullCount, nullBitmap: bitmap, data: safe, dictionary }));
}

/** A Utf8 vector from strings (null allowed). */
export function utf8Vector(values: readonly (string | null)[]): Vector {
  return vectorFromArray([...values], new Utf8());
}

/** A Float64 vector; NaN stays NaN unless `nanIsNull`. */
export function float64Vector(values: Float64Array, nanIsNull = false): Vector {
  if (!nanIsNull) return makeVector(makeData({ type: new Float64(), length: values.length, data: values }));
  const { bitmap, nullCount } = validity((i) => Number.isNaN(values[i]!), values.length);
  return makeVector(makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap: nullCount ? bitmap : null, data: values }));
}

function toInt64Words(values: Float64Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const hi = Math.floor(v / TWO_POW_32);
    words[2 * i] = v - hi * TWO_POW_32;
    words[2 * i + 1] = hi;
  }
  return out;
}

/** An Int64 vector from integer-valued doubles (exact up to 2^53). */
export function int64Vector(values: Float64Array): Vector {
  return makeVector(makeData({ type: new Int64(), length: values.length, data: toInt64Words(values) }));
}

/** A Timestamp(ms, UTC) vector from epoch milliseconds. */
export function timestampVector(ms: Float64Array): Vector {
  return makeVector(makeData({ type: new TimestampMillisecond('UTC'), length: ms.length, data: toInt64Words(ms) }));
}

/** The column or a SchemaMismatchError naming what is there. */
export function requireColumn(table: ArrowTableLike, name: string, what: string): ArrowVectorLike {
  const v = table.getChild(name);
  if (!v) {
    throw new SchemaMismatchError(
      `${what} needs a column "${name}", but the table has: ${columnNames(table).join(', ') || '(no columns)'}. ` +
        'See docs/decisions/001-data-contracts.md for the expected columns.',
      { problems: [`missing column ${name}`] },
    );
  }
  return v;
}
