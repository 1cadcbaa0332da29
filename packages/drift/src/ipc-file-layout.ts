import { DataCorruptedError, UnsupportedError } from '@mlops/contracts';
import { MetadataVersion, Type, UnionMode } from 'apache-arrow';
import type { DataType, Field } from 'apache-arrow';

/**
 * Where one top-level field's metadata sits in a record batch message: IPC flattens every
 * field's tree depth-first into one list of field nodes and one list of buffers, so a field is
 * a run of consecutive nodes, buffers and (for view types) variadic buffer counts.
 */
export interface FieldLayout {
  /** The schema field. */
  readonly field: Field;
  /** First field node. */
  readonly node: number;
  /** Field nodes this field spans (1 for flat types). */
  readonly nodeCount: number;
  /** First buffer. */
  readonly buffer: number;
  /** Buffers this field spans. */
  readonly bufferCount: number;
  /** First entry of the batch's variadic buffer counts. */
  readonly variadic: number;
  /** View-type arrays in this field (entries of the variadic buffer counts it consumes). */
  readonly variadicCount: number;
}

/** Totals a record batch must provide for the whole schema. */
export interface SchemaLayout {
  /** One entry per top-level field, in schema order. */
  readonly fields: readonly FieldLayout[];
  /** Field nodes per batch. */
  readonly nodes: number;
  /** Fixed buffers per batch (variadic view buffers come on top). */
  readonly buffers: number;
  /** View-typed arrays per batch (entries of its variadic buffer counts). */
  readonly views: number;
}

interface Cursor {
  nodes: number;
  buffers: number;
  views: number;
}

// Buffers per array of each leaf type, in the order apache-arrow's VectorLoader (and the IPC
// spec) consume them: validity + values, validity + offsets + data, or validity + views (view
// types also take a per-batch number of variadic data buffers, resolved per batch).
const LEAF_BUFFERS = new Map<Type, number>([
  [Type.Null, 0],
  ...[Type.Bool, Type.Int, Type.Float, Type.Decimal, Type.Date, Type.Time, Type.Timestamp, Type.Interval, Type.Duration, Type.FixedSizeBinary, Type.Dictionary].map((t) => [t, 2] as [Type, number]),
  ...[Type.Utf8, Type.LargeUtf8, Type.Binary, Type.LargeBinary].map((t) => [t, 3] as [Type, number]),
  ...[Type.Utf8View, Type.BinaryView].map((t) => [t, 2] as [Type, number]),
]);

// Buffers of a nested type's own array, before its children's.
function nestedBuffers(type: DataType, version: MetadataVersion): number | undefined {
  switch (type.typeId) {
    case Type.List:
    case Type.LargeList:
    case Type.Map:
      return 2;
    case Type.FixedSizeList:
    case Type.Struct:
      return 1;
    case Type.Union:
      // Before format V5, unions had a validity buffer too.
      return (version < MetadataVersion.V5 ? 1 : 0) + ((type as DataType & { mode: UnionMode }).mode === UnionMode.Dense ? 2 : 1);
    default:
      return undefined;
  }
}

function walk(type: DataType | undefined, version: MetadataVersion, c: Cursor): void {
  // apache-arrow decodes flatbuffers lazily: a damaged schema shows up here as a missing field or type.
  if (type === undefined || type === null || typeof type.typeId !== 'number') {
    throw new DataCorruptedError('The Arrow IPC schema has a field (or a nested child) without a readable type: the schema message is damaged. Re-write the file with an Arrow IPC writer.');
  }
  c.nodes++;
  const leaf = LEAF_BUFFERS.get(type.typeId);
  if (leaf !== undefined) {
    c.buffers += leaf;
    if (type.typeId === Type.Utf8View || type.typeId === Type.BinaryView) c.views++;
    return;
  }
  const own = nestedBuffers(type, version);
  if (own === undefined) {
    throw new UnsupportedError(`The Arrow IPC schema has a field of type id ${type.typeId} (${String(type)}), which this reader cannot lay out. Convert the column to a supported type, or read the file with apache-arrow's RecordBatchReader and profileBatches().`);
  }
  c.buffers += own;
  for (const child of (type.children ?? []) as (Field | undefined)[]) walk(child?.type, version, c);
}

/** Lays out every top-level field of `fields` (see {@link FieldLayout}). */
export function layoutSchema(fields: readonly Field[], version: MetadataVersion): SchemaLayout {
  const c: Cursor = { nodes: 0, buffers: 0, views: 0 };
  const out: FieldLayout[] = [];
  for (const field of fields) {
    const start = { ...c };
    walk((field as Field | undefined)?.type, version, c);
    out.push({ field, node: start.nodes, nodeCount: c.nodes - start.nodes, buffer: start.buffers, bufferCount: c.buffers - start.buffers, variadic: start.views, variadicCount: c.views - start.views });
  }
  return { fields: out, nodes: c.nodes, buffers: c.buffers, views: c.views };
}
