import { Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import type { DataType, Vector } from 'apache-arrow';
import type { ArrowVectorLike } from '@mlops/contracts';
import { ArrowTypeId, isUtf8Like, isValidAt, toStringArray } from '@mlops/contracts';
import { isFixedWidth, type TypedArray, type TypedArrayCtor } from './fixed-width.js';

/**
 * A new vector with `rows[i]` of `vector` at position i, null where `rows[i] < 0`. Fixed-width
 * columns are copied buffer to buffer; other types go through their values.
 */
export function gatherColumn(vector: ArrowVectorLike, rows: Int32Array): Vector {
  const n = rows.length;
  const type = vector.type as unknown as DataType;
  const chunks = vector.data;
  const first = chunks[0];
  const stride = first && isFixedWidth(vector.type.typeId) && ArrayBuffer.isView(first.values) ? (first.values as TypedArray).length / Math.max(first.length, 1) : 0;
  if (first && stride === 1) {
    // Chunk lookup by binary search over chunk starts (most tables have one chunk).
    const starts: number[] = [];
    let at = 0;
    for (const c of chunks) {
      starts.push(at);
      at += c.length;
    }
    const Ctor = (first.values as TypedArray).constructor as TypedArrayCtor;
    const out = new Ctor(n);
    const bitmap = new Uint8Array((n + 7) >> 3);
    let nullCount = 0;
    let chunk = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (r < 0) {
        nullCount++;
        continue;
      }
      if (r < starts[chunk]! || (chunk + 1 < starts.length && r >= starts[chunk + 1]!)) {
        let lo = 0;
        let hi = starts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid]! <= r) lo = mid;
          else hi = mid - 1;
        }
        chunk = lo;
      }
      const data = chunks[chunk]!;
      const local = r - starts[chunk]!;
      if (!isValidAt(data, local)) {
        nullCount++;
        continue;
      }
      (out as unknown as number[])[i] = (data.values as unknown as number[])[local]!;
      bitmap[i >> 3]! |= 1 << (i & 7);
    }
    return makeVector(makeData({ type, length: n, nullCount, nullBitmap: nullCount > 0 ? bitmap : new Uint8Array(0), data: out } as never));
  }
  if (isUtf8Like(vector.type)) {
    const strings = toStringArray(vector);
    const values = new Array<string | null>(n);
    for (let i = 0; i < n; i++) values[i] = rows[i]! < 0 ? null : strings[rows[i]!]!;
    // Dictionaries come out as plain Utf8: the gathered column rarely shares the source's dictionary.
    return vectorFromArray(values, vector.type.typeId === ArrowTypeId.Dictionary ? new Utf8() : type);
  }
  const values = new Array<unknown>(n);
  for (let i = 0; i < n; i++) values[i] = rows[i]! < 0 ? null : vector.get(rows[i]!);
  return vectorFromArray(values, type);
}
