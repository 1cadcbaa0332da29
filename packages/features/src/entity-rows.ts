import { Bool, Float64, Int32, Int64, Table, TimeUnit, Timestamp, Utf8, vectorFromArray } from 'apache-arrow';
import type { DataType, Vector } from 'apache-arrow';
import type { ArrowTableLike } from '@mlops/contracts';
import { InvalidArgumentError, SchemaMismatchError, countNulls, describeType, isDate, isTimestampLike, readEpochMillisColumn } from '@mlops/contracts';
import type { EntityValueType } from './definitions.js';
import { checkPlausibleEpochMs, toEpochMs } from './time.js';

/** Entity rows: an Arrow table, or plain columns `{ driver_id: [1, 2], event_timestamp: [...] }`. */
export type EntityRowsInput = ArrowTableLike | Readonly<Record<string, readonly unknown[]>>;

function isTable(value: unknown): value is ArrowTableLike {
  return typeof (value as ArrowTableLike | null)?.getChild === 'function' && Array.isArray((value as ArrowTableLike).schema?.fields);
}

function keyType(valueType: EntityValueType | undefined, values: readonly unknown[]): DataType {
  if (valueType === 'string') return new Utf8();
  if (valueType === 'int32') return new Int32();
  if (valueType === 'int64') return new Int64();
  const first = values.find((v) => v !== null && v !== undefined);
  return typeof first === 'string' ? new Utf8() : new Int64();
}

function inferType(values: readonly unknown[]): DataType {
  const first = values.find((v) => v !== null && v !== undefined);
  if (typeof first === 'string') return new Utf8();
  if (typeof first === 'boolean') return new Bool();
  if (typeof first === 'bigint') return new Int64();
  return new Float64();
}

function convert(values: readonly unknown[], type: DataType, column: string): unknown[] {
  return values.map((v, i) => {
    if (v === null || v === undefined) return null;
    if (type instanceof Int64) {
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
    } else if (type instanceof Int32) {
      if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31) return v;
    } else if (type instanceof Utf8) {
      if (typeof v === 'string') return v;
    } else if (type instanceof Bool) {
      if (typeof v === 'boolean') return v;
    } else if (typeof v === 'number') return v;
    throw new InvalidArgumentError(`entity rows column "${column}" row ${i}: expected ${String(type)}, found ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}.`, { details: { column, row: i } });
  });
}

/**
 * Entity rows as an Arrow table. Plain columns become: join keys typed by their entity
 * (`Int64` for integers, `Utf8` for strings), the timestamp column `Timestamp<ms, UTC>` (from
 * `Date`, ISO strings or epoch ms), other columns inferred (Float64, Utf8, Bool).
 */
export function entityRowsTable(
  input: EntityRowsInput,
  timestampColumn: string,
  keyTypes: ReadonlyMap<string, EntityValueType | undefined>,
  otherTimeColumns: readonly string[] = [],
): ArrowTableLike {
  if (isTable(input)) return input;
  if (typeof input !== 'object' || input === null) {
    throw new InvalidArgumentError(`entityRows: expected an Arrow table or columns { key: [...], ${timestampColumn}: [...] }, found ${input === null ? 'null' : typeof input}.`);
  }
  const names = Object.keys(input);
  let length: number | undefined;
  const vectors: Record<string, Vector> = {};
  for (const name of names) {
    const values = input[name];
    if (!Array.isArray(values)) throw new InvalidArgumentError(`entityRows.${name}: expected an array of values, found ${typeof values}.`);
    if (length === undefined) length = values.length;
    else if (values.length !== length) throw new InvalidArgumentError(`entityRows: column "${name}" has ${values.length} values, expected ${length} like the first column; every column needs one value per row.`);
    let type: DataType;
    let data: unknown[];
    if (name === timestampColumn || otherTimeColumns.includes(name)) {
      type = new Timestamp(TimeUnit.MILLISECOND, 'UTC');
      data = values.map((v, i) => (v === null || v === undefined ? null : toEpochMs(v as Date, `entityRows.${name} row ${i}`)));
    } else {
      type = keyTypes.has(name) ? keyType(keyTypes.get(name), values) : inferType(values);
      data = convert(values, type, name);
    }
    vectors[name] = vectorFromArray(data, type);
  }
  if (names.length === 0) throw new InvalidArgumentError(`entityRows: expected columns (join keys and "${timestampColumn}"), found none.`);
  return new Table(vectors);
}

/** Reads and checks the entity timestamp column: present, timestamp-like, no nulls, plausible epochs. */
export function entityTimes(table: ArrowTableLike, timestampColumn: string): Float64Array {
  const vector = table.getChild(timestampColumn);
  if (!vector) {
    throw new SchemaMismatchError(
      `entity rows: expected a timestamp column "${timestampColumn}" (the label time of each row), found columns [${table.schema.fields.map((f) => f.name).join(', ')}]. Add it, or pass timestampColumn.`,
      { problems: [`${timestampColumn}: missing`] },
    );
  }
  if (!isTimestampLike(vector.type) && !isDate(vector.type)) {
    throw new SchemaMismatchError(`entity rows: column "${timestampColumn}" must be a Timestamp (or Int64 epoch ms), found ${describeType(vector.type)}. Cast it (ISO strings: parse them to Timestamp).`, {
      problems: [`${timestampColumn}: expected timestamp, found ${describeType(vector.type)}`],
    });
  }
  const { nullCount, firstNullRow } = countNulls(vector);
  if (nullCount > 0) {
    throw new InvalidArgumentError(`entity rows: "${timestampColumn}" has ${nullCount} null${nullCount === 1 ? '' : 's'} (first at row ${firstNullRow}); every row needs a time. Drop or fill those rows.`, {
      details: { column: timestampColumn, nullCount, firstNullRow },
    });
  }
  const times = readEpochMillisColumn(table, timestampColumn);
  checkPlausibleEpochMs(times, `entity rows column "${timestampColumn}"`);
  return times;
}
