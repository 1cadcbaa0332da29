import { makeData, makeVector, vectorFromArray } from 'apache-arrow';
import type { DataType, Vector } from 'apache-arrow';
import type { ArrowVectorLike } from '@mlops/contracts';
import { ArrowTypeId, isValidAt } from '@mlops/contracts';
import { isFixedWidth, type TypedArray } from './fixed-width.js';

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
  const fixed = isFixedWidth(type.typeId);
  return {
    set(row, vector, local) {
      const data = vector.data.length === 1 ? vector.data[0]! : undefined;
      if (fixed && data && ArrayBuffer.isView(data.values) && (data.values as TypedArray).length === data.length) {
        if (!isValidAt(data, local)) {
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
