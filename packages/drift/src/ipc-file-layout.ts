import { DataCorruptedError } from '@mlops/contracts';
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

// Mirrors the order in which apache-arrow's VectorLoader (and the IPC spec) consume nodes and
// buffers per type; a `variadic` view buffer count is resolved per batch, not here.
function walk(type: DataType, version: MetadataVersion, c: Cursor): void {
  c.nodes++;
  switch (type.typeId) {
    case Type.Null:
      return;
    case Type.Bool:
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary:
    case Type.Dictionary:
      c.buffers += 2;
      return;
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      c.buffers += 3;
      return;
    case Type.Utf8View:
    case Type.BinaryView:
      c.buffers += 2;
      c.views++;
      return;
    case Type.List:
    case Type.LargeList:
    case Type.Map:
      c.buffers += 2;
      break;
    case Type.FixedSizeList:
    case Type.Struct:
      c.buffers += 1;
      break;
    case Type.Union: {
      if (version < MetadataVersion.V5) c.buffers++;
      c.buffers += (type as DataType & { mode: UnionMode }).mode === UnionMode.Dense ? 2 : 1;
      break;
    }
    default:
      throw new DataCorruptedError(`The Arrow IPC schema has a field of type id ${type.typeId} (${String(type)}), which this reader cannot lay out. Convert the column to a supported type, or read the file with apache-arrow's RecordBatchReader and profileBatches().`);
  }
  for (const child of type.children ?? []) walk(child.type, version, c);
}

/** Lays out every top-level field of `fields` (see {@link FieldLayout}). */
export function layoutSchema(fields: readonly Field[], version: MetadataVersion): SchemaLayout {
  const c: Cursor = { nodes: 0, buffers: 0, views: 0 };
  const out: FieldLayout[] = [];
  for (const field of fields) {
    const start = { ...c };
    walk(field.type, version, c);
    out.push({ field, node: start.nodes, nodeCount: c.nodes - start.nodes, buffer: start.buffers, bufferCount: c.buffers - start.buffers, variadic: start.views, variadicCount: c.views - start.views });
  }
  return { fields: out, nodes: c.nodes, buffers: c.buffers, views: c.views };
}
