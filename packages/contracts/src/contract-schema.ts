import { Field, RecordBatch, Schema, Struct, Table, makeData, vectorFromArray } from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import { InvalidArgumentError } from '@mlops/contracts/errors';
import type { ArrowTypeName } from './arrow-types.js';
import { arrowType, defaultTypeNameFor } from './arrow-types.js';
import type { TableContract } from './table-contract.js';

/** Options of {@link contractSchema}. */
export interface ContractSchemaOptions {
  /** Concrete types for some columns (by name), overriding the contract's defaults. */
  types?: Record<string, ArrowTypeName | DataType>;
  /** Extra columns to append (e.g. `label_region`, `input_age`), with their types. Nullable. */
  extraColumns?: Record<string, ArrowTypeName | DataType>;
  /** Leave out the contract's optional columns. Default false (they are included). */
  omitOptional?: boolean;
}

function toType(t: ArrowTypeName | DataType): DataType {
  return typeof t === 'string' ? arrowType(t) : t;
}

/**
 * An Arrow `Schema` that follows `contract`: every field in contract order with its concrete
 * type (the field's `arrowType`, else the default for its matcher) and nullability, then
 * `extraColumns`. A table with this schema passes `validateTable` schema checks by construction.
 */
export function contractSchema(contract: TableContract, options: ContractSchemaOptions = {}): Schema {
  const fields: Field[] = [];
  for (const spec of contract.fields) {
    if (spec.optional && options.omitOptional) continue;
    const override = options.types?.[spec.name];
    const type = override !== undefined ? toType(override) : arrowType(spec.arrowType ?? defaultTypeNameFor(spec.type));
    fields.push(new Field(spec.name, type, spec.nullable));
  }
  for (const [name, t] of Object.entries(options.extraColumns ?? {})) {
    if (fields.some((f) => f.name === name)) {
      throw new InvalidArgumentError(`contractSchema: extra column "${name}" is already a ${contract.name} column; set its type with options.types instead.`);
    }
    fields.push(new Field(name, toType(t), true));
  }
  return new Schema(fields, new Map([['mlops.contract', contract.name]]));
}

/** Column values accepted by {@link buildTable}: plain arrays (null for missing) or typed arrays. */
export type ColumnValues = ArrayLike<unknown> | readonly unknown[];

/**
 * Builds an Arrow `Table` with exactly `schema` (names, types, nullability) from plain column
 * arrays: strings, numbers, bigints, booleans, `Date`s or epoch-ms numbers for timestamps, and
 * `null` for nulls. Every schema column must be given and all must have the same length.
 */
export function buildTable(schema: Schema, columns: Record<string, ColumnValues>): Table {
  let length: number | undefined;
  const children = schema.fields.map((field) => {
    const values = columns[field.name];
    if (values === undefined) {
      throw new InvalidArgumentError(`buildTable: column "${field.name}" is in the schema but has no values; pass columns.${field.name} (use nulls for missing values).`);
    }
    if (length === undefined) length = values.length;
    else if (values.length !== length) {
      throw new InvalidArgumentError(`buildTable: column "${field.name}" has ${values.length} values, expected ${length} like the first column; give every column the same length.`);
    }
    const vector = vectorFromArray(Array.isArray(values) ? values : Array.from(values), field.type as DataType);
    return vector.data[0]!;
  });
  for (const name of Object.keys(columns)) {
    if (!schema.fields.some((f) => f.name === name)) {
      throw new InvalidArgumentError(`buildTable: column "${name}" is not in the schema (columns: ${schema.fields.map((f) => f.name).join(', ')}); add it to the schema or drop it.`);
    }
  }
  const n = length ?? 0;
  const data = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
  return new Table([new RecordBatch(schema, data)]);
}
