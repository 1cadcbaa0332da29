import { makeData, makeVector, vectorFromArray } from 'apache-arrow';
import type { DataType, Vector } from 'apache-arrow';
import type { ArrowDataLike, ArrowVectorLike } from '@mlops/contracts';
import { ArrowTypeId } from '@mlops/contracts';

type TypedArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

const FIXED = new Set<number>([ArrowTypeId.Int, ArrowTypeId.Float, ArrowTypeId.Timestamp, ArrowTypeId.Date, ArrowTypeId.Time, ArrowTypeId.Duration]);

function isValid(data: ArrowDataLike, i: number): boolean {
  if (data.nullCount === 0) return true;
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0) return false;
  const bit = data.offset + i;
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

/** Output column filled row by row from source batches (later writes to a row replace earlier ones). */
export interface ColumnAccumulator {
  /** Row `row` takes the value at `local` of `vector` (a one-chunk batch column). */
  set(row: number, vector: ArrowVectorLike, local: number): void;
  /** The column, null where nothing was set. */
  finish(): Vector;
}

/** An accumulator of `length` rows for columns of `type`. */
export function createColumnAccumulator(type: ArrowVectorLike['type'], length: number): ColumnAccumulator {
  const valid = new Uint8Array(length);
  let typed: TypedArray | undefined;
  let values: unknown[] | undefined;
  const fixed = FIXED.has(type.typeId);
  return {
    set(row, vector, local) {
      const data = vector.data.length === 1 ? vector.data[0]! : undefined;
      if (fixed && data && ArrayBuffer.isView(data.values) && (data.values as TypedArray).length === data.length) {
        if (!isValid(data, local)) {
          valid[row] = 0;
          return;
        }
        typed ??= new ((data.values as TypedArray).constructor as new (n: number) => TypedArray)(length);
        (typed as unknown as unknown[])[row] = (data.values as unknown as unknown[])[local];
        valid[row] = 1;
        return;
      }
      values ??= new Array<unknown>(length).fill(null);
      const v = vector.get(local);
      values[row] = v ?? null;
      valid[row] = v === null || v === undefined ? 0 : 1;
    },
    finish() {
      if (typed) {
        const bitmap = new Uint8Array((length + 7) >> 3);
        let nullCount = 0;
        for (let i = 0; i < length; i++) {
          if (valid[i]) bitmap[i >> 3]! |= 1 << (i & 7);
          else nullCount++;
        }
        return makeVector(makeData({ type: type as unknown as DataType, length, nullCount, nullBitmap: nullCount > 0 ? bitmap : new Uint8Array(0), data: typed } as never));
      }
      const out = values ?? new Array<unknown>(length).fill(null);
      for (let i = 0; i < length; i++) if (!valid[i]) out[i] = null;
      return vectorFromArray(out, (type.typeId === ArrowTypeId.Dictionary ? (type as unknown as { dictionary: DataType }).dictionary : type) as DataType) as Vector;
    },
  };
}
