import { UnsupportedError } from '@mlops/contracts';
import type { ArrowDataLike, ArrowTypeLike, ArrowVectorLike } from '../arrow-like.js';

const T = { Null: 1, Int: 2, Float: 3, Utf8: 5, Bool: 6, Decimal: 7, Date: 8, Time: 9, Timestamp: 10, Duration: 18, LargeUtf8: 20, Dictionary: -1 } as const;
const TWO_POW_32 = 4294967296;
const UNIT_TO_MS = [1000, 1, 1e-3, 1e-6];

/** How drift treats a column: numbers (incl. timestamps), categories (strings, booleans), or unsupported. */
export type ColumnKind = 'numeric' | 'categorical' | 'unsupported';

/** Classifies an Arrow type structurally. */
export function columnKind(type: ArrowTypeLike): ColumnKind {
  switch (type.typeId) {
    case T.Int:
    case T.Float:
    case T.Decimal:
    case T.Date:
    case T.Time:
    case T.Timestamp:
    case T.Duration:
      return 'numeric';
    case T.Utf8:
    case T.LargeUtf8:
    case T.Bool:
      return 'categorical';
    case T.Dictionary:
      return type.dictionary && (type.dictionary.typeId === T.Utf8 || type.dictionary.typeId === T.LargeUtf8) ? 'categorical' : type.dictionary && columnKind(type.dictionary) === 'numeric' ? 'numeric' : 'unsupported';
    default:
      return 'unsupported';
  }
}

function isValid(data: ArrowDataLike, i: number): boolean {
  if (data.nullCount === 0) return true;
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0) return false;
  const bit = data.offset + i;
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

function read64(out: Float64Array, data: ArrowDataLike, signed: boolean, scale: number): void {
  const view = data.values as ArrayBufferView;
  const words = new Int32Array(view.buffer, view.byteOffset, data.length * 2);
  for (let i = 0; i < data.length; i++) {
    const hi = signed ? words[2 * i + 1]! : words[2 * i + 1]! >>> 0;
    out[i] = (hi * TWO_POW_32 + (words[2 * i]! >>> 0)) * scale;
  }
}

/** Reads one numeric chunk as float64 (timestamps/dates as epoch ms), NaN for nulls. */
export function readNumericChunk(data: ArrowDataLike, out: Float64Array = new Float64Array(data.length)): Float64Array {
  const type = data.type;
  const n = data.length;
  switch (type.typeId) {
    case T.Int:
      if (type.bitWidth === 64) read64(out, data, type.isSigned !== false, 1);
      else out.set((data.values as Int32Array).subarray(0, n));
      break;
    case T.Float:
      if (type.precision === 0) {
        const h = data.values as Uint16Array;
        for (let i = 0; i < n; i++) out[i] = halfToFloat(h[i]!);
      } else out.set((data.values as Float64Array).subarray(0, n));
      break;
    case T.Timestamp:
    case T.Duration:
      read64(out, data, true, UNIT_TO_MS[type.unit ?? 1] ?? 1);
      break;
    case T.Date:
      if (type.unit === 0) {
        const d = data.values as Int32Array;
        for (let i = 0; i < n; i++) out[i] = d[i]! * 86_400_000;
      } else read64(out, data, true, 1);
      break;
    case T.Time:
      if (type.bitWidth === 64) read64(out, data, true, UNIT_TO_MS[type.unit ?? 2] ?? 1);
      else {
        const d = data.values as Int32Array;
        const s = UNIT_TO_MS[type.unit ?? 1] ?? 1;
        for (let i = 0; i < n; i++) out[i] = d[i]! * s;
      }
      break;
    case T.Decimal: {
      const words = data.values as Uint32Array;
      const per = (type.bitWidth ?? 128) / 32;
      const div = 10 ** (type.scale ?? 0);
      for (let i = 0; i < n; i++) {
        const neg = (words[i * per + per - 1]! & 0x80000000) !== 0;
        let v = 0;
        let mul = 1;
        for (let w = 0; w < per; w++) {
          v += (neg ? ~words[i * per + w]! >>> 0 : words[i * per + w]!) * mul;
          mul *= TWO_POW_32;
        }
        out[i] = (neg ? -(v + 1) : v) / div;
      }
      break;
    }
    case T.Dictionary: {
      const dict = data.dictionary;
      if (!dict) throw new UnsupportedError('A dictionary column chunk has no dictionary; the Arrow data is incomplete.');
      const decoded = readNumericVector(dict);
      const idx = data.values as ArrayLike<number>;
      for (let i = 0; i < n; i++) out[i] = decoded[idx[i]!]!;
      break;
    }
    default:
      throw new UnsupportedError(`Cannot read an Arrow ${type.toString()} column as numbers. Cast it to a numeric type, or compare it as a categorical column.`);
  }
  if (data.nullCount > 0) for (let i = 0; i < n; i++) if (!isValid(data, i)) out[i] = NaN;
  return out;
}

/** Reads a whole numeric column (all chunks) as float64, NaN for nulls. */
export function readNumericVector(vector: ArrowVectorLike): Float64Array {
  const out = new Float64Array(vector.length);
  let at = 0;
  for (const d of vector.data) {
    readNumericChunk(d, out.subarray(at, at + d.length));
    at += d.length;
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const decoder = new TextDecoder();

function decodeStrings(data: ArrowDataLike): (string | null)[] {
  const out = new Array<string | null>(data.length);
  const bytes = data.values as Uint8Array;
  const offsets = data.valueOffsets!;
  for (let i = 0; i < data.length; i++) {
    if (!isValid(data, i)) {
      out[i] = null;
      continue;
    }
    const start = Number(offsets[i]!);
    const end = Number(offsets[i + 1]!);
    out[i] = decoder.decode(bytes.subarray(start, end));
  }
  return out;
}

/**
 * Adds the category counts of one chunk (strings, dictionary strings, booleans as "true"/"false")
 * into `counts`; returns the number of nulls.
 */
export function countCategoriesChunk(data: ArrowDataLike, counts: Map<string, number>): number {
  const n = data.length;
  let nulls = 0;
  switch (data.type.typeId) {
    case T.Bool: {
      const bits = data.values as Uint8Array;
      let t = 0;
      let f = 0;
      for (let i = 0; i < n; i++) {
        if (!isValid(data, i)) {
          nulls++;
          continue;
        }
        const bit = data.offset + i;
        if ((bits[bit >> 3]! >> (bit & 7)) & 1) t++;
        else f++;
      }
      if (t) counts.set('true', (counts.get('true') ?? 0) + t);
      if (f) counts.set('false', (counts.get('false') ?? 0) + f);
      return nulls;
    }
    case T.Utf8:
    case T.LargeUtf8:
      for (const s of decodeStrings(data)) {
        if (s === null) nulls++;
        else counts.set(s, (counts.get(s) ?? 0) + 1);
      }
      return nulls;
    case T.Dictionary: {
      const dict = data.dictionary;
      if (!dict) throw new UnsupportedError('A dictionary column chunk has no dictionary; the Arrow data is incomplete.');
      const codes = new Float64Array(dict.length);
      const idx = data.values as ArrayLike<number>;
      for (let i = 0; i < n; i++) {
        if (!isValid(data, i)) nulls++;
        else codes[idx[i]!]!++;
      }
      const names: (string | null)[] = [];
      for (const d of dict.data) names.push(...decodeStrings(d));
      for (let c = 0; c < codes.length; c++) {
        if (codes[c]! === 0) continue;
        const name = names[c];
        if (name === null || name === undefined) nulls += codes[c]!;
        else counts.set(name, (counts.get(name) ?? 0) + codes[c]!);
      }
      return nulls;
    }
    default:
      throw new UnsupportedError(`Cannot count categories of an Arrow ${data.type.toString()} column. Use strings, dictionary-encoded strings or booleans.`);
  }
}
