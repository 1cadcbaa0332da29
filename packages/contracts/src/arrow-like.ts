/**
 * Structural views of the Arrow objects this package reads. A real `apache-arrow` `Table`,
 * `Vector`, `Data` or `DataType` satisfies them, from any copy of the library: nothing here
 * relies on `instanceof` or on a class identity, only on fields the Arrow format defines.
 */

/** The parts of an Arrow `DataType` that type checks read. `typeId` follows `apache-arrow`'s `Type` enum. */
export interface ArrowDataTypeLike {
  /** Arrow type id (`Type.Int` = 2, `Type.Float` = 3, `Type.Utf8` = 5, `Type.Timestamp` = 10, `Type.Dictionary` = -1...). */
  readonly typeId: number;
  /** Integer types: bits per value. */
  readonly bitWidth?: number;
  /** Integer types: signedness. */
  readonly isSigned?: boolean;
  /** Float types: 0 half, 1 single, 2 double. */
  readonly precision?: number;
  /** Timestamp, time, date and duration types: the `TimeUnit` / `DateUnit` enum value. */
  readonly unit?: number;
  /** Timestamp types: the time zone, or null for a zone-less timestamp. */
  readonly timezone?: string | null;
  /** Dictionary types: the value type. */
  readonly dictionary?: ArrowDataTypeLike;
  /** Dictionary types: the index type. */
  readonly indices?: ArrowDataTypeLike;
}

/** One contiguous chunk of a column (an Arrow `Data`). */
export interface ArrowDataLike {
  /** The chunk's type. */
  readonly type: ArrowDataTypeLike;
  /** Number of slots. */
  readonly length: number;
  /** Slot offset into the validity bitmap (and into bit-packed booleans). */
  readonly offset: number;
  /** Number of null slots. */
  readonly nullCount: number;
  /** LSB-first validity bitmap, indexed from `offset`; may be empty when there are no nulls. */
  readonly nullBitmap?: Uint8Array | null;
  /** Value buffer, already sliced to this chunk (except bit-packed booleans). */
  readonly values?: unknown;
  /** Offsets into `values` for variable-width types. */
  readonly valueOffsets?: unknown;
  /** Dictionary chunks: the dictionary vector. */
  readonly dictionary?: ArrowVectorLike;
}

/** An Arrow `Vector` (a column): a type and a list of chunks. */
export interface ArrowVectorLike {
  /** The column's type. */
  readonly type: ArrowDataTypeLike;
  /** The column's chunks, in order. */
  readonly data: readonly ArrowDataLike[];
  /** Total number of slots. */
  readonly length: number;
  /** Value at `index` (slow path; used only for strings and rare types). */
  get(index: number): unknown;
}

/** An Arrow `Field`. */
export interface ArrowFieldLike {
  /** Column name. */
  readonly name: string;
  /** Column type. */
  readonly type: ArrowDataTypeLike;
  /** Whether the schema allows nulls. */
  readonly nullable: boolean;
}

/** An Arrow `Table` (or `RecordBatch`): a schema and named columns. */
export interface ArrowTableLike {
  /** The table's schema. */
  readonly schema: { readonly fields: readonly ArrowFieldLike[] };
  /** Number of rows. */
  readonly numRows: number;
  /** The column named `name`, or null. */
  getChild(name: string): ArrowVectorLike | null;
}
