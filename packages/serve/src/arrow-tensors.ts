// Arrow tables <-> model tensors, in the PredictionLog column layout (decision 001): input
// `x` of shape [-1] or [-1, 1] is column `x` (or `input_x`); of shape [-1, k] it is columns
// `x_0 .. x_{k-1}` (or `input_x_0 ..`) or one FixedSizeList<k> column `x`. Outputs come back
// as `output_<name>` / `output_<name>_<i>`, so a logged table can be replayed as is.
import type * as Arrow from 'apache-arrow';
import type { Table, Vector } from 'apache-arrow';
import { InvalidArgumentError, loadOptionalPeer } from '@mlops/contracts/errors';
import { type Datatype, type TensorData, allocate, fromHalf, toHalf } from './datatypes.js';
import type { Tensor, TensorInput, TensorMetadata } from './tensor.js';

interface ColumnLike {
  length: number;
  nullCount: number;
  get(i: number): unknown;
  toArray(): ArrayLike<unknown>;
  type: { listSize?: number; typeId: number };
}

function column(table: Table, name: string): ColumnLike | undefined {
  return (table.getChild(name) as unknown as ColumnLike | null) ?? undefined;
}

function put(data: TensorData, datatype: Datatype, index: number, value: unknown, where: string): void {
  if (value === null || value === undefined) {
    throw new InvalidArgumentError(`${where} has a null; model inputs cannot be null. Fill or drop those rows first.`);
  }
  if (Array.isArray(data)) {
    data[index] = String(value);
    return;
  }
  if (datatype === 'INT64' || datatype === 'UINT64') {
    (data as BigInt64Array)[index] = typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value)));
  } else if (datatype === 'BOOL') {
    (data as Uint8Array)[index] = value === true || value === 1 || value === 1n ? 1 : 0;
  } else if (datatype === 'FP16') {
    (data as Uint16Array)[index] = toHalf(Number(value));
  } else {
    (data as Float64Array)[index] = Number(value);
  }
}

/** Build model inputs from table columns; every problem names the missing or bad column. */
export function tableToInputs(table: Table, specs: readonly TensorMetadata[], modelName: string): Record<string, TensorInput> {
  const rows = table.numRows;
  const inputs: Record<string, TensorInput> = {};
  for (const spec of specs) {
    if (spec.shape.length === 0 || spec.shape[0]! >= 0 || spec.shape.slice(1).some((d) => d < 0) || spec.shape.length > 2) {
      throw new InvalidArgumentError(
        `Input "${spec.name}" of model "${modelName}" has shape [${spec.shape.join(', ')}]; Arrow tables map only to inputs of shape [-1] or [-1, k]. Use infer() with tensors.`,
      );
    }
    const width = spec.shape.length === 2 ? spec.shape[1]! : 1;
    const data = allocate(spec.datatype, rows * width);
    const shape = spec.shape.length === 2 ? [rows, width] : [rows];
    const whole = column(table, spec.name) ?? column(table, `input_${spec.name}`);
    if (whole && width > 1 && whole.type.listSize === width) {
      for (let r = 0; r < rows; r++) {
        const row = whole.get(r) as { get(i: number): unknown } | null;
        if (!row) throw new InvalidArgumentError(`Column "${spec.name}" row ${r} is null; model inputs cannot be null.`);
        for (let k = 0; k < width; k++) put(data, spec.datatype, r * width + k, row.get(k), `Column "${spec.name}"`);
      }
    } else if (whole && width === 1) {
      const values = whole.toArray();
      if (whole.nullCount > 0) throw new InvalidArgumentError(`Column "${spec.name}" has ${whole.nullCount} nulls; model inputs cannot be null.`);
      for (let r = 0; r < rows; r++) put(data, spec.datatype, r, values[r], `Column "${spec.name}"`);
    } else {
      for (let k = 0; k < width; k++) {
        const name = `${spec.name}_${k}`;
        const col = column(table, name) ?? column(table, `input_${name}`);
        if (!col) {
          throw new InvalidArgumentError(
            `Model "${modelName}" input "${spec.name}" (${spec.datatype} [${spec.shape.join(', ')}]) needs ${width === 1 ? `column "${spec.name}"` : `columns "${spec.name}_0" .. "${spec.name}_${width - 1}" or a FixedSizeList<${width}> column "${spec.name}"`} (optionally prefixed "input_"); column "${name}" is missing. Table columns: ${table.schema.fields.map((f) => f.name).join(', ')}.`,
          );
        }
        if (col.nullCount > 0) throw new InvalidArgumentError(`Column "${name}" has ${col.nullCount} nulls; model inputs cannot be null.`);
        const values = col.toArray();
        for (let r = 0; r < rows; r++) put(data, spec.datatype, r * width + k, values[r], `Column "${name}"`);
      }
    }
    inputs[spec.name] = { data, shape, datatype: spec.datatype };
  }
  return inputs;
}

/** Build an Arrow table of outputs: `output_<name>` or `output_<name>_<i>` per element of a row. */
export async function outputsToTable(outputs: Record<string, Tensor>): Promise<Table> {
  const arrow: typeof Arrow = await loadOptionalPeer('apache-arrow', 'Model.inferTable', () => import('apache-arrow'));
  const cols: Record<string, Vector> = {};
  for (const [name, t] of Object.entries(outputs)) {
    const rows = t.shape[0] ?? 1;
    const per = rows === 0 ? 0 : t.data.length / rows;
    for (let k = 0; k < per; k++) {
      const col = per === 1 ? `output_${name}` : `output_${name}_${k}`;
      const values: unknown[] = new Array(rows);
      for (let r = 0; r < rows; r++) {
        const v = t.data[r * per + k];
        values[r] = t.datatype === 'BOOL' ? v === 1 : t.datatype === 'FP16' ? fromHalf(v as number) : v;
      }
      const type =
        t.datatype === 'BYTES'
          ? new arrow.Utf8()
          : t.datatype === 'BOOL'
            ? new arrow.Bool()
            : t.datatype === 'INT64'
              ? new arrow.Int64()
              : t.datatype === 'UINT64'
                ? new arrow.Uint64()
                : t.datatype === 'FP32'
                  ? new arrow.Float32()
                  : t.datatype === 'INT32'
                    ? new arrow.Int32()
                    : new arrow.Float64();
      cols[col] = arrow.vectorFromArray(values as never[], type);
    }
  }
  return new arrow.Table(cols);
}
