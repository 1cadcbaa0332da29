import type { ArrowVectorLike } from '@mlops/contracts';
import { ArrowTypeId, InvalidArgumentError, isInt64, isUtf8Like, toFloat64Array, toStringArray } from '@mlops/contracts';
import type { OnlineValue } from './online-store.js';

/** A column's values as {@link OnlineValue}s: numbers (timestamps as epoch ms), strings, booleans, bigints beyond 2^53, null. */
export function columnValues(vector: ArrowVectorLike): OnlineValue[] {
  const n = vector.length;
  if (isUtf8Like(vector.type)) return toStringArray(vector);
  if (vector.type.typeId === ArrowTypeId.Bool) {
    const out = new Array<OnlineValue>(n);
    for (let i = 0; i < n; i++) {
      const v = vector.get(i);
      out[i] = v === null || v === undefined ? null : Boolean(v);
    }
    return out;
  }
  const numbers = toFloat64Array(vector);
  const out = new Array<OnlineValue>(n);
  const wide = isInt64(vector.type);
  for (let i = 0; i < n; i++) {
    const v = numbers[i]!;
    if (v !== v) out[i] = null;
    else if (wide && !Number.isSafeInteger(v)) out[i] = vector.get(i) as bigint;
    else out[i] = v;
  }
  return out;
}

/** Key values of a join key column: numbers or strings; null stays null. */
export function keyValues(vector: ArrowVectorLike, column = 'join key'): (string | number | null)[] {
  if (isUtf8Like(vector.type)) return toStringArray(vector);
  const numbers = toFloat64Array(vector);
  return Array.from(numbers, (v, i) => {
    // A rounded key would address another entity: refuse rather than write under it.
    if (Math.abs(v) > Number.MAX_SAFE_INTEGER) {
      throw new InvalidArgumentError(`${column} row ${i} is beyond 2^53 (${v}); integer keys must be exact in a double. Use a string key column for such ids.`, { details: { column, row: i } });
    }
    return v !== v ? null : v;
  });
}
