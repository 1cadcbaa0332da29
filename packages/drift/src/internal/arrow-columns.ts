import { ArrowTypeId, isBool, isDate, isDictionary, isNumeric, isTimestamp, isUtf8Like, toCategoryCodes, toFloat64Array } from '@mlops/contracts';
import type { ArrowDataLike, ArrowTypeLike, ArrowVectorLike } from '../arrow-like.js';

/** How drift treats a column: numbers (incl. timestamps), categories (strings, booleans), or unsupported. */
export type ColumnKind = 'numeric' | 'categorical' | 'unsupported';

/** Classifies an Arrow type structurally. */
export function columnKind(type: ArrowTypeLike): ColumnKind {
  if (isUtf8Like(type) || isBool(type)) return 'categorical';
  if (isNumeric(type) || isTimestamp(type) || isDate(type) || type.typeId === ArrowTypeId.Time || type.typeId === ArrowTypeId.Duration) return 'numeric';
  if (isDictionary(type) && type.dictionary && columnKind(type.dictionary) === 'numeric' && !isBool(type.dictionary)) return 'numeric';
  return 'unsupported';
}

// One chunk of `vector`, starting at row `at`, as a single-chunk vector for the contracts readers
// (they take vectors; profiles stream chunk by chunk so that memory stays per batch).
function chunkVector(vector: ArrowVectorLike, data: ArrowDataLike, at: number): ArrowVectorLike {
  return { type: data.type, data: [data], length: data.length, get: (i: number) => vector.get(at + i) };
}

/** Reads chunk `data` of `vector` (starting at row `at`) as float64: timestamps/dates as epoch ms, NaN for nulls. */
export function readNumericChunk(vector: ArrowVectorLike, data: ArrowDataLike, at: number): Float64Array {
  return toFloat64Array(chunkVector(vector, data, at));
}

/** Reads a whole numeric column (all chunks) as float64, NaN for nulls. */
export function readNumericVector(vector: ArrowVectorLike): Float64Array {
  return toFloat64Array(vector);
}

/**
 * Adds the category counts of one chunk (strings, dictionary strings, booleans as "true"/"false")
 * into `counts`; returns the number of nulls.
 */
export function countCategoriesChunk(vector: ArrowVectorLike, data: ArrowDataLike, at: number, counts: Map<string, number>): number {
  const n = data.length;
  if (isBool(data.type)) {
    // The contracts readers treat booleans as numbers; drift counts them as two categories.
    const bits = data.values as Uint8Array;
    const bitmap = data.nullCount > 0 ? data.nullBitmap : null;
    let t = 0;
    let f = 0;
    let nulls = 0;
    for (let i = 0; i < n; i++) {
      const bit = data.offset + i;
      if (data.nullCount > 0 && (!bitmap || bitmap.length === 0 || (bitmap[bit >> 3]! & (1 << (bit & 7))) === 0)) nulls++;
      else if ((bits[bit >> 3]! >> (bit & 7)) & 1) t++;
      else f++;
    }
    if (t) counts.set('true', (counts.get('true') ?? 0) + t);
    if (f) counts.set('false', (counts.get('false') ?? 0) + f);
    return nulls;
  }
  const { codes, categories } = toCategoryCodes(chunkVector(vector, data, at));
  const perCode = new Float64Array(categories.length);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    if (c < 0) nulls++;
    else perCode[c]!++;
  }
  for (let c = 0; c < categories.length; c++) {
    if (perCode[c]! > 0) counts.set(categories[c]!, (counts.get(categories[c]!) ?? 0) + perCode[c]!);
  }
  return nulls;
}
