/**
 * The parts of Apache Arrow JS objects that @mlops/drift reads. Checked structurally (by `typeId`),
 * never with `instanceof`, so tables from any copy of `apache-arrow` work.
 */
export interface ArrowTypeLike {
  /** Arrow type id (Int = 2, Float = 3, Utf8 = 5, Bool = 6, Timestamp = 10, Dictionary = -1, ...). */
  readonly typeId: number;
  /** For Int/Time types: width in bits. */
  readonly bitWidth?: number;
  /** For Int types: signedness. */
  readonly isSigned?: boolean;
  /** For Float types: 0 half, 1 single, 2 double. */
  readonly precision?: number;
  /** For Timestamp/Date/Time/Duration: the unit. */
  readonly unit?: number;
  /** For Decimal: the scale. */
  readonly scale?: number;
  /** For Dictionary: the value type. */
  readonly dictionary?: ArrowTypeLike;
  /** Printable name. */
  toString(): string;
}

/** One chunk of a column. */
export interface ArrowDataLike {
  readonly type: ArrowTypeLike;
  readonly length: number;
  readonly offset: number;
  readonly nullCount: number;
  readonly nullBitmap?: Uint8Array | null;
  readonly values: unknown;
  readonly valueOffsets?: Int32Array | BigInt64Array | null;
  readonly dictionary?: ArrowVectorLike | null;
}

/** A column. */
export interface ArrowVectorLike {
  readonly length: number;
  readonly type: ArrowTypeLike;
  readonly data: readonly ArrowDataLike[];
}

/** A table or record batch. */
export interface ArrowTableLike {
  readonly numRows: number;
  readonly schema: { readonly fields: readonly { readonly name: string; readonly type: ArrowTypeLike }[] };
  getChild(name: string): ArrowVectorLike | null;
}

/** True when `value` looks like an Arrow Table or RecordBatch. */
export function isArrowTableLike(value: unknown): value is ArrowTableLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ArrowTableLike>;
  return typeof v.numRows === 'number' && typeof v.getChild === 'function' && Array.isArray(v.schema?.fields);
}
