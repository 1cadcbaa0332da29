import type { ArrowDataLike, ArrowTableLike, ArrowVectorLike } from './arrow-like.js';
import { NotFoundError, SchemaMismatchError } from '@mlops/contracts/errors';
import { ArrowTypeId, describeType, isTimestampLike, isDate, isUtf8Like } from './type-kinds.js';

const TWO_POW_32 = 4294967296;
const MS_PER_DAY = 86_400_000;
// Multipliers from a TimeUnit (s, ms, us, ns) to milliseconds.
const UNIT_TO_MS = [1000, 1, 1e-3, 1e-6] as const;

/** Options for {@link toFloat64Array}. */
export interface ToFloat64Options {
  /** Value written for null slots. Default `NaN`. */
  nullValue?: number;
  /** Column name used in error messages. */
  columnName?: string;
}

function int32View(values: unknown, length: number): Int32Array {
  const view = values as unknown as ArrayBufferView;
  return new Int32Array(view.buffer, view.byteOffset, length * 2);
}

// 64-bit integers are read as two 32-bit halves: an order of magnitude faster than Number(bigint),
// and exact up to 2^53, which covers epoch nanoseconds to ~100 ns.
function fill64(out: Float64Array, at: number, data: ArrowDataLike, signed: boolean, scale: number): void {
  const n = data.length;
  const words = int32View(data.values, n);
  if (signed) {
    for (let i = 0; i < n; i++) out[at + i] = (words[2 * i + 1]! * TWO_POW_32 + (words[2 * i]! >>> 0)) * scale;
  } else {
    for (let i = 0; i < n; i++) out[at + i] = ((words[2 * i + 1]! >>> 0) * TWO_POW_32 + (words[2 * i]! >>> 0)) * scale;
  }
}

function fillScaled(out: Float64Array, at: number, values: ArrayLike<number>, n: number, scale: number): void {
  if (scale === 1) {
    for (let i = 0; i < n; i++) out[at + i] = values[i]!;
  } else {
    for (let i = 0; i < n; i++) out[at + i] = values[i]! * scale;
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function decimalToFloat(words: Uint32Array, index: number, wordsPerValue: number, scale: number): number {
  const base = index * wordsPerValue;
  const negative = (words[base + wordsPerValue - 1]! & 0x80000000) !== 0;
  let value = 0;
  let mul = 1;
  // Two's complement: for negatives, sum the inverted words and subtract one at the end.
  for (let w = 0; w < wordsPerValue; w++) {
    const word = negative ? ~words[base + w]! >>> 0 : words[base + w]!;
    value += word * mul;
    mul *= TWO_POW_32;
  }
  return (negative ? -(value + 1) : value) / 10 ** scale;
}

function applyNulls(out: Float64Array, at: number, data: ArrowDataLike, nullValue: number): void {
  if (data.nullCount === 0) return;
  const bitmap = data.nullBitmap;
  const n = data.length;
  if (!bitmap || bitmap.length === 0) {
    // A chunk with nulls but no bitmap is all-null (the Null type).
    out.fill(nullValue, at, at + n);
    return;
  }
  const offset = data.offset;
  for (let i = 0; i < n; i++) {
    const bit = offset + i;
    if ((bitmap[bit >> 3]! & (1 << (bit & 7))) === 0) out[at + i] = nullValue;
  }
}

function fillChunk(out: Float64Array, at: number, data: ArrowDataLike, options: ToFloat64Options, dictCache: Map<unknown, Float64Array>): void {
  const type = data.type;
  const n = data.length;
  const values = data.values;
  const nullValue = options.nullValue ?? NaN;
  switch (type.typeId) {
    case ArrowTypeId.Null:
      out.fill(nullValue, at, at + n);
      return;
    case ArrowTypeId.Int:
      if (type.bitWidth === 64) fill64(out, at, data, type.isSigned !== false, 1);
      else fillScaled(out, at, values as ArrayLike<number>, n, 1);
      break;
    case ArrowTypeId.Float:
      if (type.precision === 0) {
        const halves = values as ArrayLike<number>;
        for (let i = 0; i < n; i++) out[at + i] = halfToFloat(halves[i]!);
      } else if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
        out.set((values as unknown as Float64Array | Float32Array).subarray(0, n), at);
      } else fillScaled(out, at, values as ArrayLike<number>, n, 1);
      break;
    case ArrowTypeId.Bool: {
      const bits = values as Uint8Array;
      const offset = data.offset;
      for (let i = 0; i < n; i++) {
        const bit = offset + i;
        out[at + i] = (bits[bit >> 3]! >> (bit & 7)) & 1;
      }
      break;
    }
    case ArrowTypeId.Timestamp:
    case ArrowTypeId.Duration:
      fill64(out, at, data, true, UNIT_TO_MS[type.unit ?? 1] ?? 1);
      break;
    case ArrowTypeId.Date:
      if (type.unit === 0) fillScaled(out, at, values as ArrayLike<number>, n, MS_PER_DAY);
      else fill64(out, at, data, true, 1);
      break;
    case ArrowTypeId.Time:
      if (type.bitWidth === 64 || type.unit === 2 || type.unit === 3) fill64(out, at, data, true, UNIT_TO_MS[type.unit ?? 2] ?? 1);
      else fillScaled(out, at, values as ArrayLike<number>, n, UNIT_TO_MS[type.unit ?? 1] ?? 1);
      break;
    case ArrowTypeId.Decimal: {
      const view = values as unknown as Uint32Array;
      const bitWidth = type.bitWidth ?? 128;
      const scale = (type as { scale?: number }).scale ?? 0;
      const wordsPerValue = bitWidth / 32;
      for (let i = 0; i < n; i++) out[at + i] = decimalToFloat(view, i, wordsPerValue, scale);
      break;
    }
    case ArrowTypeId.Dictionary: {
      const dictionary = data.dictionary;
      if (!dictionary) throw new SchemaMismatchError(`Dictionary column ${options.columnName ? `"${options.columnName}" ` : ''}has a chunk without its dictionary.`);
      let decoded = dictCache.get(dictionary);
      if (decoded === undefined) {
        decoded = toFloat64Array(dictionary, options);
        dictCache.set(dictionary, decoded);
      }
      const indices = values as ArrayLike<number | bigint>;
      if (typeof indices[0] === 'bigint') {
        for (let i = 0; i < n; i++) out[at + i] = decoded[Number(indices[i])]!;
      } else {
        const idx = indices as ArrayLike<number>;
        for (let i = 0; i < n; i++) out[at + i] = decoded[idx[i]!]!;
      }
      break;
    }
    default:
      throw new SchemaMismatchError(
        `Cannot read ${options.columnName ? `column "${options.columnName}"` : 'a column'} as numbers: expected a numeric, Bool, Timestamp, Date, Time, Duration or numeric dictionary type, found ${describeType(type)}. ` +
          'Cast the column to a numeric type before reading it, or read it with toStringArray().',
        { problems: [`${options.columnName ?? 'column'}: expected numeric, found ${describeType(type)}`] },
      );
  }
  applyNulls(out, at, data, nullValue);
}

/**
 * Reads a numeric, Bool, Timestamp, Date, Time, Duration or numeric-dictionary column into one
 * `Float64Array`, straight from the column's buffers (no per-row `get`).
 *
 * - Timestamps and Dates come out as epoch milliseconds (any unit is converted); Durations and
 *   Times as milliseconds. Int64/Uint64 are exact up to 2^53.
 * - Bools come out as 0 / 1. Null slots come out as `options.nullValue` (default `NaN`).
 * - All chunks are concatenated in order; chunk offsets (sliced tables) are honoured.
 *
 * Throws `SCHEMA_MISMATCH` for strings, binaries and nested types.
 */
export function toFloat64Array(vector: ArrowVectorLike, options: ToFloat64Options = {}): Float64Array {
  const out = new Float64Array(vector.length);
  const dictCache = new Map<unknown, Float64Array>();
  let at = 0;
  for (const data of vector.data) {
    fillChunk(out, at, data, options, dictCache);
    at += data.length;
  }
  return out;
}

function getColumn(table: ArrowTableLike, name: string): ArrowVectorLike {
  const column = table.getChild(name);
  if (column === null) {
    const names = table.schema.fields.map((f) => f.name);
    throw new NotFoundError(`Column "${name}" not found: the table has columns [${names.join(', ')}]. Check the column name (names are case-sensitive).`, {
      details: { column: name, columns: names },
    });
  }
  return column;
}

/** {@link toFloat64Array} of the column `name` of `table`; throws `NOT_FOUND` when it is missing. */
export function readFloat64Column(table: ArrowTableLike, name: string, options: Omit<ToFloat64Options, 'columnName'> = {}): Float64Array {
  return toFloat64Array(getColumn(table, name), { ...options, columnName: name });
}

/**
 * Reads a timestamp-like column (any Timestamp unit, Date, or Int64/Float64 epoch ms) as epoch
 * milliseconds in a `Float64Array`, NaN for nulls. Throws `SCHEMA_MISMATCH` for other types,
 * so a column of plain numbers is never mistaken for times by accident.
 */
export function readEpochMillisColumn(table: ArrowTableLike, name: string): Float64Array {
  const column = getColumn(table, name);
  if (!isTimestampLike(column.type) && !isDate(column.type)) {
    throw new SchemaMismatchError(
      `Column "${name}" is not a time column: expected a Timestamp (any unit), a Date, or Int64/Float64 epoch milliseconds, found ${describeType(column.type)}. ` +
        'Cast it to Timestamp<ms, UTC> (e.g. with a schema when reading CSV).',
      { problems: [`${name}: expected timestamp-like, found ${describeType(column.type)}`] },
    );
  }
  return toFloat64Array(column, { columnName: name });
}

/** Strings of a column as dense codes: `codes[i]` indexes `categories`, or is -1 for null. */
export interface CategoryCodes {
  /** One code per row; -1 marks a null. */
  codes: Int32Array;
  /** Distinct non-null values, in order of first appearance. */
  categories: string[];
}

const decoder = new TextDecoder();

// Decodes a Utf8 / LargeUtf8 chunk from its buffers; null when the layout is one we leave to
// the library's own accessor (Utf8View).
function utf8Strings(data: ArrowDataLike): string[] | null {
  const id = data.type.typeId;
  const offsets = data.valueOffsets as ArrayLike<number | bigint> | undefined;
  const bytes = data.values as Uint8Array | undefined;
  if ((id !== ArrowTypeId.Utf8 && id !== ArrowTypeId.LargeUtf8) || !offsets || !bytes) return null;
  const n = data.length;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = decoder.decode(bytes.subarray(Number(offsets[i]), Number(offsets[i + 1])));
  return out;
}

/**
 * Whether row `i` of one Arrow data chunk holds a value (its validity bit is set). A chunk that
 * reports nulls but carries no bitmap is all null, as arrow-js treats it.
 */
export function isValidAt(data: Pick<ArrowDataLike, 'nullCount' | 'nullBitmap' | 'offset'>, i: number): boolean {
  if (data.nullCount === 0) return true;
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0) return false;
  const bit = data.offset + i;
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

/**
 * Reads a string-like column (Utf8, LargeUtf8, Utf8View, or a dictionary of those) as dense
 * category codes. Dictionary columns decode each dictionary once; plain strings are
 * de-duplicated with a hash map. This is the fast path for group-by and categorical statistics.
 */
export function toCategoryCodes(vector: ArrowVectorLike, columnName?: string): CategoryCodes {
  if (!isUtf8Like(vector.type)) {
    throw new SchemaMismatchError(
      `Cannot read ${columnName ? `column "${columnName}"` : 'a column'} as strings: expected Utf8, LargeUtf8, Utf8View or Dictionary<Int*, Utf8>, found ${describeType(vector.type)}.`,
      { problems: [`${columnName ?? 'column'}: expected utf8-like, found ${describeType(vector.type)}`] },
    );
  }
  const codes = new Int32Array(vector.length);
  const categories: string[] = [];
  const lookup = new Map<string, number>();
  const codeOf = (s: string): number => {
    let c = lookup.get(s);
    if (c === undefined) {
      c = categories.length;
      categories.push(s);
      lookup.set(s, c);
    }
    return c;
  };
  let at = 0;
  let row = 0;
  for (const data of vector.data) {
    const n = data.length;
    if (data.type.typeId === ArrowTypeId.Dictionary && data.dictionary) {
      const dictStrings = toStringArray(data.dictionary);
      const remap = new Int32Array(dictStrings.length);
      for (let k = 0; k < dictStrings.length; k++) remap[k] = dictStrings[k] === null ? -1 : codeOf(dictStrings[k]!);
      const indices = data.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) codes[at + i] = isValidAt(data, i) ? remap[Number(indices[i])]! : -1;
    } else {
      const strings = utf8Strings(data);
      for (let i = 0; i < n; i++) {
        if (!isValidAt(data, i)) codes[at + i] = -1;
        else {
          const s = strings ? strings[i]! : (vector.get(row + i) as string | null);
          codes[at + i] = s === null ? -1 : codeOf(s);
        }
      }
    }
    at += n;
    row += n;
  }
  return { codes, categories };
}

/** Reads a string-like column as an array of strings, `null` for null slots. */
export function toStringArray(vector: ArrowVectorLike, columnName?: string): (string | null)[] {
  const { codes, categories } = toCategoryCodes(vector, columnName);
  const out = new Array<string | null>(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i]! < 0 ? null : categories[codes[i]!]!;
  return out;
}

/** Counts the null slots of a column and finds the first one (row index), or -1. */
export function countNulls(vector: ArrowVectorLike): { nullCount: number; firstNullRow: number } {
  let nullCount = 0;
  let firstNullRow = -1;
  let row = 0;
  for (const data of vector.data) {
    const nulls = data.type.typeId === ArrowTypeId.Null ? data.length : data.nullCount;
    if (nulls > 0) {
      if (firstNullRow < 0) {
        for (let i = 0; i < data.length; i++) {
          if (data.type.typeId === ArrowTypeId.Null || !isValidAt(data, i)) {
            firstNullRow = row + i;
            break;
          }
        }
      }
      nullCount += nulls;
    }
    row += data.length;
  }
  return { nullCount, firstNullRow };
}
