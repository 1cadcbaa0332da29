import {
  Binary, Bool, DateDay, Float32, Float64, Int16, Int32, Int64, Int8, TimeUnit, Timestamp, Uint16, Uint32, Uint64, Uint8, Utf8,
  tableFromIPC, tableToIPC, Table,
} from 'apache-arrow';
import type { Data, DataType, Field, Schema } from 'apache-arrow';
import { isValidAt } from './column-readers.js';
import type { SchemaElement } from 'hyparquet';
import { UnsupportedError } from '@mlops/contracts/errors';
import { ArrowTypeId, describeType } from './type-kinds.js';

/** Key under which Arrow writers (pyarrow, arrow-rs, us) store the Arrow schema in Parquet metadata. */
export const ARROW_SCHEMA_KEY = 'ARROW:schema';

/** Base64 of an IPC stream holding only `schema`, the form pyarrow reads back from `ARROW:schema`. */
export function encodeArrowSchema(schema: Schema): string {
  return Buffer.from(tableToIPC(new Table(schema), 'stream')).toString('base64');
}

/** The Arrow schema stored in Parquet key-value metadata, or null when absent or unreadable. */
export function decodeArrowSchema(value: string | undefined): Schema | null {
  if (!value) return null;
  try {
    return tableFromIPC(Buffer.from(value, 'base64')).schema;
  } catch {
    return null;
  }
}

type ParquetUnit = 'MILLIS' | 'MICROS' | 'NANOS';

/** How one Arrow column is written: its Parquet schema element and a function producing column data. */
export interface ParquetColumnPlan {
  element: SchemaElement;
  /** Values for hyparquet-writer: a typed array when there are no nulls, else a JS array with nulls. */
  values(data: readonly Data[], length: number): ArrayLike<unknown> & Iterable<unknown>;
}

function unsupported(name: string, type: DataType): UnsupportedError {
  return new UnsupportedError(
    `Column "${name}" has type ${describeType(type)}, which the Parquet writer does not support. ` +
      'Supported: Int*, Uint*, Float16/32/64, Bool, Utf8/LargeUtf8 (and dictionaries of them), Timestamp, Date<day>. Cast or drop the column before writing.',
  );
}

function anyNulls(chunks: readonly Data[]): boolean {
  return chunks.some((d) => d.nullCount > 0);
}

// Fixed-width numbers: concatenate chunk buffers into one typed array (fast path, no nulls),
// or a JS array with nulls where the validity bitmap says so.
function fixedWidth<A extends { length: number; set(src: ArrayLike<number | bigint>, at: number): void; subarray(a: number, b: number): A }>(
  make: (n: number) => A,
  map?: (v: number | bigint) => number | bigint,
): ParquetColumnPlan['values'] {
  return (chunks, length) => {
    const dense = make(length);
    let at = 0;
    for (const d of chunks) {
      const src = (d.values as unknown as A).subarray(0, d.length);
      if (map) {
        const target = dense as unknown as (number | bigint)[];
        for (let i = 0; i < d.length; i++) target[at + i] = map((src as unknown as (number | bigint)[])[i]!);
      } else dense.set(src as unknown as ArrayLike<number | bigint>, at);
      at += d.length;
    }
    if (!anyNulls(chunks)) return dense as unknown as ArrayLike<unknown> & Iterable<unknown>;
    const out = new Array<unknown>(length);
    at = 0;
    for (const d of chunks) {
      for (let i = 0; i < d.length; i++) out[at + i] = isValidAt(d, i) ? (dense as unknown as unknown[])[at + i] : null;
      at += d.length;
    }
    return out;
  };
}

function generic(read: (d: Data, i: number) => unknown): ParquetColumnPlan['values'] {
  return (chunks, length) => {
    const out = new Array<unknown>(length);
    let at = 0;
    for (const d of chunks) {
      for (let i = 0; i < d.length; i++) out[at + i] = isValidAt(d, i) ? read(d, i) : null;
      at += d.length;
    }
    return out;
  };
}

const decoder = new TextDecoder();

function readString(d: Data, i: number): unknown {
  if (d.type.typeId === ArrowTypeId.Dictionary) {
    const dict = d.dictionary!;
    const idx = Number((d.values as ArrayLike<number | bigint>)[i]);
    return dict.get(idx);
  }
  const offsets = d.valueOffsets as ArrayLike<number | bigint>;
  return decoder.decode((d.values as Uint8Array).subarray(Number(offsets[i]), Number(offsets[i + 1])));
}

/** Plans how to write one Arrow field as a flat Parquet column. */
export function planParquetColumn(field: Field, hasNulls: boolean): ParquetColumnPlan {
  const { name, type } = field;
  const repetition_type = field.nullable || hasNulls ? 'OPTIONAL' : 'REQUIRED';
  const base = { name, repetition_type } as const;
  switch (type.typeId) {
    case ArrowTypeId.Int: {
      // Integer widths go in converted_type only: hyparquet-writer 0.17 encodes the INTEGER
      // logical type's bitWidth as i32 where Thrift says i8, which DuckDB rejects as invalid.
      const bits: number = (type as Int32).bitWidth;
      const signed = (type as Int32).isSigned;
      if (bits === 64) {
        return {
          element: { ...base, type: 'INT64', ...(signed ? {} : { converted_type: 'UINT_64' }) },
          values: signed ? fixedWidth((n) => new BigInt64Array(n)) : fixedWidth((n) => new BigUint64Array(n)),
        };
      }
      return {
        element: {
          ...base,
          type: 'INT32',
          ...(bits < 32 || !signed ? { converted_type: `${signed ? 'INT' : 'UINT'}_${bits}` as SchemaElement['converted_type'] } : {}),
        },
        // hyparquet-writer maps Uint32 values onto the signed physical type itself.
        values: bits === 32 && !signed ? fixedWidth((n) => new Uint32Array(n)) : fixedWidth((n) => new Int32Array(n)),
      };
    }
    case ArrowTypeId.Float: {
      const precision = (type as Float64).precision;
      if (precision === 2) return { element: { ...base, type: 'DOUBLE' }, values: fixedWidth((n) => new Float64Array(n)) };
      if (precision === 1) return { element: { ...base, type: 'FLOAT' }, values: fixedWidth((n) => new Float32Array(n)) };
      return { element: { ...base, type: 'FLOAT' }, values: generic(halfAt) };
    }
    case ArrowTypeId.Bool:
      return {
        element: { ...base, type: 'BOOLEAN' },
        values: generic((d, i) => {
          const bit = d.offset + i;
          return (((d.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1) === 1;
        }),
      };
    case ArrowTypeId.Utf8:
    case ArrowTypeId.LargeUtf8:
      return { element: { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } }, values: generic(readString) };
    case ArrowTypeId.Dictionary: {
      const valueType = (type as unknown as { dictionary: DataType }).dictionary;
      if (valueType.typeId !== ArrowTypeId.Utf8 && valueType.typeId !== ArrowTypeId.LargeUtf8) throw unsupported(name, type);
      return { element: { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } }, values: generic(readString) };
    }
    case ArrowTypeId.Timestamp: {
      const ts = type as Timestamp;
      // Parquet has no second unit: seconds are written as milliseconds.
      const unit: ParquetUnit = ts.unit === TimeUnit.MICROSECOND ? 'MICROS' : ts.unit === TimeUnit.NANOSECOND ? 'NANOS' : 'MILLIS';
      const utc = ts.timezone !== null && ts.timezone !== undefined;
      const legacy = utc && unit !== 'NANOS' ? { converted_type: unit === 'MILLIS' ? ('TIMESTAMP_MILLIS' as const) : ('TIMESTAMP_MICROS' as const) } : {};
      return {
        element: { ...base, type: 'INT64', ...legacy, logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: utc, unit } },
        values: fixedWidth((n) => new BigInt64Array(n), ts.unit === TimeUnit.SECOND ? (v) => BigInt(v) * 1000n : undefined),
      };
    }
    case ArrowTypeId.Date:
      if ((type as DateDay).unit === 0) return { element: { ...base, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } }, values: fixedWidth((n) => new Int32Array(n)) };
      return {
        element: { ...base, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
        values: fixedWidth((n) => new Int32Array(n), (v) => Math.floor(Number(v) / 86_400_000)),
      };
    default:
      throw unsupported(name, type);
  }
}

function halfAt(d: Data, i: number): number {
  const h = (d.values as Uint16Array)[i]!;
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** The Arrow type a Parquet leaf column reads as, when the file carries no Arrow schema. */
export function arrowTypeForParquet(element: SchemaElement): DataType {
  const lt = element.logical_type;
  const ct = element.converted_type;
  switch (element.type) {
    case 'BOOLEAN':
      return new Bool();
    case 'INT32':
      if (lt?.type === 'DATE' || ct === 'DATE') return new DateDay();
      if (lt?.type === 'INTEGER') return intType(lt.bitWidth, lt.isSigned);
      if (ct === 'INT_8') return new Int8();
      if (ct === 'INT_16') return new Int16();
      if (ct === 'UINT_8') return new Uint8();
      if (ct === 'UINT_16') return new Uint16();
      if (ct === 'UINT_32') return new Uint32();
      if (ct === 'DECIMAL') return new Float64();
      return new Int32();
    case 'INT64':
      if (lt?.type === 'TIMESTAMP') return new Timestamp(lt.unit === 'MICROS' ? TimeUnit.MICROSECOND : lt.unit === 'NANOS' ? TimeUnit.NANOSECOND : TimeUnit.MILLISECOND, lt.isAdjustedToUTC ? 'UTC' : null);
      if (ct === 'TIMESTAMP_MILLIS') return new Timestamp(TimeUnit.MILLISECOND, 'UTC');
      if (ct === 'TIMESTAMP_MICROS') return new Timestamp(TimeUnit.MICROSECOND, 'UTC');
      if (lt?.type === 'INTEGER' && !lt.isSigned) return new Uint64();
      if (ct === 'UINT_64') return new Uint64();
      if (ct === 'DECIMAL') return new Float64();
      return new Int64();
    case 'INT96':
      return new Timestamp(TimeUnit.NANOSECOND, null);
    case 'FLOAT':
      return new Float32();
    case 'DOUBLE':
      return new Float64();
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      if (ct === 'UTF8' || ct === 'JSON' || ct === 'ENUM' || lt?.type === 'STRING' || lt?.type === 'JSON' || lt?.type === 'ENUM' || lt?.type === 'UUID') return new Utf8();
      if (ct === 'DECIMAL' || lt?.type === 'DECIMAL') return new Float64();
      return new Binary();
    default:
      throw new UnsupportedError(`Parquet column "${element.name}" has physical type ${String(element.type)}, which the reader does not support.`);
  }
}

function intType(bits: number, signed: boolean): DataType {
  if (bits === 8) return signed ? new Int8() : new Uint8();
  if (bits === 16) return signed ? new Int16() : new Uint16();
  if (bits === 64) return signed ? new Int64() : new Uint64();
  return signed ? new Int32() : new Uint32();
}

