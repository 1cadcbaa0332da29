import { ArrowTypeId } from '@mlops/contracts';

/** The typed arrays arrow-js keeps fixed-width values in. */
export type TypedArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** Constructor of a {@link TypedArray}. */
export type TypedArrayCtor = { new (length: number): TypedArray };

// Fixed-width types whose values buffer holds one element per row in arrow-js.
const FIXED = new Set<number>([ArrowTypeId.Int, ArrowTypeId.Float, ArrowTypeId.Timestamp, ArrowTypeId.Date, ArrowTypeId.Time, ArrowTypeId.Duration]);

/** Whether columns of this Arrow type id can be copied buffer to buffer. */
export function isFixedWidth(typeId: number): boolean {
  return FIXED.has(typeId);
}
