import { Table, Vector, vectorFromArray } from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import type { ArrowTableLike, ArrowVectorLike } from '@mlops/contracts';
import { ArrowTypeId, SchemaMismatchError, describeType, isDate, isTimestampLike, isUtf8Like, toFloat64Array } from '@mlops/contracts';
import { columnValues } from './online-values.js';

function sameType(a: ArrowVectorLike['type'], b: ArrowVectorLike['type']): boolean {
  return String(a) === String(b);
}

/** `vector` with the Arrow type `target` (timestamps via epoch ms, Int64 via bigint); `SCHEMA_MISMATCH` when the kinds differ. */
export function castColumn(vector: ArrowVectorLike, target: ArrowVectorLike['type'], column: string): Vector {
  if (sameType(vector.type, target)) return vector as unknown as Vector;
  const type = target as unknown as DataType;
  let values: unknown[];
  if (target.typeId === ArrowTypeId.Timestamp || isDate(target)) {
    if (!isTimestampLike(vector.type) && !isDate(vector.type) && vector.type.typeId !== ArrowTypeId.Null) throw mismatch(vector, target, column);
    values = Array.from(toFloat64Array(vector), (v) => (v !== v ? null : v));
  } else if (isUtf8Like(target)) {
    if (!isUtf8Like(vector.type) && vector.type.typeId !== ArrowTypeId.Null) throw mismatch(vector, target, column);
    values = columnValues(vector);
  } else {
    values = columnValues(vector);
    const bigint = target.typeId === ArrowTypeId.Int && target.bitWidth === 64;
    if (bigint) values = values.map((v) => (typeof v === 'number' ? BigInt(Math.trunc(v)) : v));
    if (values.some((v) => typeof v === 'string')) throw mismatch(vector, target, column);
  }
  return vectorFromArray(values, type) as Vector;
}

function mismatch(vector: ArrowVectorLike, target: ArrowVectorLike['type'], column: string): SchemaMismatchError {
  return new SchemaMismatchError(`column "${column}": expected ${describeType(target)} like the view's source, found ${describeType(vector.type)}. Send values of the source's type.`, {
    problems: [`${column}: expected ${describeType(target)}, found ${describeType(vector.type)}`],
  });
}

/** Rows of `b` appended to `a`, restricted to `columns`, `b` cast to `a`'s types. */
export function appendRows(a: ArrowTableLike, b: ArrowTableLike, columns: readonly string[]): ArrowTableLike {
  const out: Record<string, Vector> = {};
  for (const name of columns) {
    const left = a.getChild(name);
    const right = b.getChild(name);
    if (!left) continue;
    const cast = right ? castColumn(right, left.type, name) : vectorFromArray(new Array(b.numRows).fill(null), left.type as unknown as DataType);
    out[name] = new Vector([...(left as unknown as Vector).data, ...cast.data]);
  }
  return new Table(out);
}
