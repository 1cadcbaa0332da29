import type { ArrowDataTypeLike, ArrowTableLike } from '@mlops/contracts';

// The structural Arrow shapes are the shared ones from @mlops/contracts (checked by `typeId`,
// never `instanceof`, so tables from any copy of `apache-arrow` work); drift re-exports them
// under its existing names.
export type { ArrowDataLike, ArrowVectorLike, ArrowTableLike } from '@mlops/contracts';

/** An Arrow data type as @mlops/drift reads it (same as `ArrowDataTypeLike` in @mlops/contracts). */
export type ArrowTypeLike = ArrowDataTypeLike;

/** True when `value` looks like an Arrow Table or RecordBatch. */
export function isArrowTableLike(value: unknown): value is ArrowTableLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ArrowTableLike>;
  return typeof v.numRows === 'number' && typeof v.getChild === 'function' && Array.isArray(v.schema?.fields);
}
