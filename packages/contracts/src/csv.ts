import { createReadStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Field, RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';
import type { Data, DataType, Dictionary, Int32, Utf8 } from 'apache-arrow';
import { Utf8DictionaryEncoder, arrowDataFromValues } from './arrow-data.js';
import type { ArrowTypeName } from './arrow-types.js';
import { ARROW_TYPE_NAMES, arrowType } from './arrow-types.js';
import type { CsvRecord } from './csv-parser.js';
import { CsvParser } from './csv-parser.js';
import { INVALID, convertValue, describeExpected, inferColumnType } from './csv-values.js';
import { openTempFor } from './temp-file.js';
import { DataCorruptedError, InvalidArgumentError, NotFoundError, SchemaMismatchError, UnsupportedError } from '@mlops/contracts/errors';
import { toStringArray } from './column-readers.js';
import { ArrowTypeId, describeType, isUtf8Like } from './type-kinds.js';

/** Options of the CSV readers. */
export interface CsvReadOptions {
  /**
   * Column types. An Arrow `Schema` fixes every column (names must match the header; its
   * types and nullability are used). A record of {@link ArrowTypeName}s fixes the listed columns
   * and infers the others. Without it, every column is inferred: Bool, Int64, Float64, Date,
   * Timestamp<ms, UTC> (ISO 8601; no offset means UTC) or Utf8.
   */
  schema?: Schema | Record<string, ArrowTypeName>;
  /** Field delimiter, one character. Default `,`. */
  delimiter?: string;
  /** Whether the first record holds column names. Default true. */
  header?: boolean;
  /** Column names to use (required when `header` is false; renames the header otherwise). */
  columnNames?: readonly string[];
  /** Unquoted values read as null besides the empty field (e.g. `["NA", "null"]`). Default none. */
  nullValues?: readonly string[];
  /** Rows per record batch. Default 65 536. */
  batchRows?: number;
  /** Streaming readers: rows used to infer types (the first batch). Default `batchRows`. Whole-text reads infer over all rows. */
  inferRows?: number;
  /** Read inferred string columns as `Dictionary<Int32, Utf8>` (smaller for repeated values). Default false. */
  dictionaryStrings?: boolean;
}

/** Text sources the streaming CSV reader accepts besides a file path. */
export type CsvSource = NodeJS.ReadableStream | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

const DEFAULT_BATCH_ROWS = 65_536;

function typeNameOf(type: DataType): ArrowTypeName | null {
  switch (type.typeId) {
    case ArrowTypeId.Utf8:
      return 'utf8';
    case ArrowTypeId.LargeUtf8:
      return 'large-utf8';
    case ArrowTypeId.Bool:
      return 'bool';
    case ArrowTypeId.Dictionary:
      return (type as unknown as { dictionary: DataType }).dictionary.typeId === ArrowTypeId.Utf8 ? 'dictionary-utf8' : null;
    case ArrowTypeId.Int: {
      const t = type as unknown as { bitWidth: number; isSigned: boolean };
      return `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}` as ArrowTypeName;
    }
    case ArrowTypeId.Float: {
      const p = (type as unknown as { precision: number }).precision;
      return p === 2 ? 'float64' : p === 1 ? 'float32' : null;
    }
    case ArrowTypeId.Timestamp:
      return (['timestamp-s', 'timestamp-ms', 'timestamp-us', 'timestamp-ns'] as const)[(type as unknown as { unit: number }).unit] ?? null;
    case ArrowTypeId.Date:
      return (type as unknown as { unit: number }).unit === 0 ? 'date-day' : null;
    default:
      return null;
  }
}

interface ResolvedColumn {
  name: string;
  typeName: ArrowTypeName;
  field: Field;
  inferred: boolean;
  /** For dictionary columns: one growing dictionary across batches. */
  dictionary?: Utf8DictionaryEncoder;
}

/** Turns parsed records into record batches: header handling, type inference, conversion, line-numbered errors. */
class CsvBatchBuilder {
  private names: string[] | null = null;
  private columns: ResolvedColumn[] | null = null;
  private schema: Schema | null = null;
  // Pending rows are kept column-wise (one array per column plus line numbers) so no per-row
  // object survives until the batch is cut: far less work for the garbage collector.
  private pendingColumns: (string | null)[][] = [];
  private pendingLines: number[] = [];
  private readonly batchRows: number;
  private readonly inferRows: number;
  private readonly nulls: Set<string>;
  private inferredFrom = 0;

  constructor(private readonly options: CsvReadOptions, inferAll: boolean) {
    this.batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    if (!Number.isInteger(this.batchRows) || this.batchRows < 1) throw new InvalidArgumentError(`batchRows must be a positive integer, got ${String(options.batchRows)}.`);
    this.inferRows = inferAll ? Infinity : Math.max(1, options.inferRows ?? this.batchRows);
    this.nulls = new Set(options.nullValues ?? []);
    if (options.header === false && !options.columnNames) {
      throw new InvalidArgumentError('CSV without a header needs column names: pass { header: false, columnNames: [...] }.');
    }
    if (options.header === false) this.names = this.checkNames([...options.columnNames!], 'columnNames');
  }

  private checkNames(names: string[], where: string): string[] {
    const seen = new Set<string>();
    return names.map((raw, i) => {
      const name = raw.trim() === '' ? `column_${i + 1}` : raw;
      if (seen.has(name)) throw new DataCorruptedError(`CSV ${where}: column name "${name}" appears twice; column names must be unique. Rename one (or pass columnNames).`);
      seen.add(name);
      return name;
    });
  }

  add(records: CsvRecord[]): RecordBatch[] {
    const out: RecordBatch[] = [];
    for (const record of records) {
      // Blank lines carry no data.
      if (record.fields.length === 1 && record.fields[0] === null) continue;
      if (this.names === null) {
        const header = this.checkNames(record.fields.map((f) => f ?? ''), `header (line ${record.line})`);
        this.names = this.options.columnNames ? this.checkNames([...this.options.columnNames], 'columnNames') : header;
        if (this.names.length !== header.length) {
          throw new InvalidArgumentError(`columnNames has ${this.names.length} names but the CSV header (line ${record.line}) has ${header.length} columns; give one name per column.`);
        }
        continue;
      }
      if (record.fields.length !== this.names.length) {
        throw new DataCorruptedError(
          `CSV line ${record.line}: expected ${this.names.length} fields (like the header), found ${record.fields.length}. ` +
            'Check for a missing or extra delimiter; quote fields that contain the delimiter, quotes or newlines.',
          { details: { line: record.line, expectedFields: this.names.length, foundFields: record.fields.length } },
        );
      }
      const fields = record.fields;
      if (this.pendingColumns.length === 0) this.pendingColumns = this.names.map(() => []);
      for (let c = 0; c < fields.length; c++) this.pendingColumns[c]!.push(fields[c]!);
      this.pendingLines.push(record.line);
      if (this.columns === null && this.pendingLines.length >= this.inferRows) this.resolve();
      if (this.columns !== null && this.pendingLines.length >= this.batchRows) out.push(this.cut(this.batchRows));
    }
    return out;
  }

  finish(): RecordBatch[] {
    if (this.names === null) {
      if (this.options.schema && isArrowSchema(this.options.schema)) return [];
      throw new DataCorruptedError('CSV input is empty: expected a header line with column names.');
    }
    if (this.columns === null) this.resolve();
    const out: RecordBatch[] = [];
    while (this.pendingLines.length > 0) out.push(this.cut(Math.min(this.batchRows, this.pendingLines.length)));
    return out;
  }

  getSchema(): Schema | null {
    if (this.schema === null && this.names !== null) this.resolve();
    return this.schema;
  }

  private resolve(): void {
    const names = this.names!;
    const explicit = this.options.schema;
    this.inferredFrom = this.pendingLines.length;
    if (explicit && isArrowSchema(explicit)) {
      const missing = explicit.fields.filter((f) => !names.includes(f.name)).map((f) => f.name);
      const extra = names.filter((n) => !explicit.fields.some((f) => f.name === n));
      if (missing.length || extra.length) {
        throw new SchemaMismatchError(
          `CSV columns do not match the schema: ${missing.length ? `missing ${missing.map((m) => `"${m}"`).join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `not in the schema ${extra.map((m) => `"${m}"`).join(', ')}` : ''}. ` +
            'Pass a record of types ({ column: "int64" }) to type only some columns, or fix the header.',
          { problems: [...missing.map((m) => `missing column "${m}"`), ...extra.map((m) => `extra column "${m}"`)] },
        );
      }
      this.columns = names.map((name) => {
        const field = explicit.fields.find((f) => f.name === name)!;
        const typeName = typeNameOf(field.type);
        if (!typeName) throw new UnsupportedError(`CSV column "${name}": type ${describeType(field.type)} cannot be read from CSV. Use a string, number, bool, timestamp or date type.`);
        return { name, typeName, field: new Field(name, field.type, field.nullable), inferred: false };
      });
    } else {
      const given = (explicit ?? {}) as Record<string, ArrowTypeName>;
      for (const [name, t] of Object.entries(given)) {
        if (!names.includes(name)) throw new SchemaMismatchError(`CSV schema names column "${name}", which is not in the header [${names.join(', ')}]. Fix the name or the header.`, { problems: [`missing column "${name}"`] });
        if (!ARROW_TYPE_NAMES.includes(t)) throw new InvalidArgumentError(`CSV schema: column "${name}" has unknown type ${JSON.stringify(t)}; expected one of ${ARROW_TYPE_NAMES.join(', ')}.`);
      }
      this.columns = names.map((name, c) => {
        let typeName = given[name];
        const inferred = typeName === undefined;
        if (typeName === undefined) {
          typeName = inferColumnType((this.pendingColumns[c] ?? []).map((v) => this.nullable(v)));
          if (typeName === 'utf8' && this.options.dictionaryStrings) typeName = 'dictionary-utf8';
        }
        return { name, typeName, field: new Field(name, arrowType(typeName), true), inferred };
      });
    }
    for (const c of this.columns) {
      if (c.field.type.typeId === ArrowTypeId.Dictionary) c.dictionary = new Utf8DictionaryEncoder(c.field.type as Dictionary<Utf8, Int32>);
    }
    this.schema = new Schema(this.columns.map((c) => c.field));
  }

  private nullable(value: string | null): string | null {
    return value === null || this.nulls.has(value) ? null : value;
  }

  private cut(rows: number): RecordBatch {
    const lines = this.pendingLines.splice(0, rows);
    const children = this.columns!.map((column, c) => this.buildColumn(column, this.pendingColumns[c]!.splice(0, rows), lines, rows));
    return new RecordBatch(this.schema!, makeData({ type: new Struct(this.schema!.fields), length: rows, nullCount: 0, children }));
  }

  private fail(column: ResolvedColumn, line: number, raw: string): never {
    const expected = describeExpected(column.typeName, raw);
    const how = column.inferred
      ? `The type ${column.typeName} was inferred from the first ${this.inferredFrom} rows; pass { schema: { ${JSON.stringify(column.name)}: 'utf8' } } (or the right type) to override, or a larger inferRows.`
      : 'Fix the value or change the column type in the schema.';
    throw new SchemaMismatchError(`CSV line ${line}, column "${column.name}": expected ${expected}, found ${JSON.stringify(raw)}. ${how}`, {
      problems: [`line ${line}, "${column.name}": expected ${expected}, found ${JSON.stringify(raw)}`],
      details: { line, column: column.name, value: raw },
    });
  }

  private failNull(column: ResolvedColumn, line: number): never {
    throw new SchemaMismatchError(`CSV line ${line}, column "${column.name}": expected a value (the schema marks it non-nullable), found an empty field. Fill it in or make the field nullable.`, {
      problems: [`line ${line}: null in non-nullable "${column.name}"`],
      details: { line, column: column.name },
    });
  }

  private buildColumn(column: ResolvedColumn, raws: (string | null)[], lines: number[], rows: number): Data {
    const kind = FIXED_WIDTH[column.typeName];
    if (kind !== undefined) {
      // Numbers go straight into the column's typed array: no per-value boxing or JS arrays.
      const values = new kind.ArrayType(kind.wide ? rows * 2 : rows);
      let bitmap: Uint8Array | null = null;
      let nullCount = 0;
      for (let r = 0; r < rows; r++) {
        const raw = this.nullable(raws[r]!);
        if (raw === null) {
          if (!column.field.nullable) this.failNull(column, lines[r]!);
          if (bitmap === null) bitmap = new Uint8Array(((rows + 63) >> 6) << 3).fill(0xff);
          bitmap[r >> 3]! &= ~(1 << (r & 7));
          nullCount++;
          continue;
        }
        const v = convertValue(column.typeName, raw);
        if (v === INVALID) this.fail(column, lines[r]!, raw);
        if (!kind.wide) values[r] = v as number;
        else if (typeof v === 'number') {
          const hi = Math.floor(v / 4294967296);
          values[2 * r] = v - hi * 4294967296;
          values[2 * r + 1] = hi;
        } else {
          new BigInt64Array(values.buffer, values.byteOffset + r * 8, 1)[0] = BigInt.asIntN(64, v as bigint);
        }
      }
      const data = kind.wide ? (column.typeName === 'uint64' ? new BigUint64Array(values.buffer) : new BigInt64Array(values.buffer)) : values;
      return makeData({ type: column.field.type as Int32, length: rows, nullCount, nullBitmap: bitmap, data: data as Int32Array });
    }
    const values = new Array<unknown>(rows);
    for (let r = 0; r < rows; r++) {
      const raw = this.nullable(raws[r]!);
      if (raw === null) {
        if (!column.field.nullable) this.failNull(column, lines[r]!);
        values[r] = null;
        continue;
      }
      const v = convertValue(column.typeName, raw);
      if (v === INVALID) this.fail(column, lines[r]!, raw);
      values[r] = v;
    }
    return arrowDataFromValues(column.field.type, values, rows, column.dictionary ? { dictionary: column.dictionary } : {});
  }
}

// Column kinds written straight into typed arrays. 64-bit ones ("wide") are filled as pairs of
// 32-bit words so safe integers need no BigInt.
const FIXED_WIDTH: Partial<Record<ArrowTypeName, { ArrayType: Int32ArrayConstructor | Float64ArrayConstructor | Float32ArrayConstructor | Int8ArrayConstructor | Int16ArrayConstructor | Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor; wide: boolean }>> = {
  float64: { ArrayType: Float64Array, wide: false },
  float32: { ArrayType: Float32Array, wide: false },
  int8: { ArrayType: Int8Array, wide: false },
  int16: { ArrayType: Int16Array, wide: false },
  int32: { ArrayType: Int32Array, wide: false },
  uint8: { ArrayType: Uint8Array, wide: false },
  uint16: { ArrayType: Uint16Array, wide: false },
  uint32: { ArrayType: Uint32Array, wide: false },
  'date-day': { ArrayType: Int32Array, wide: false },
  int64: { ArrayType: Int32Array, wide: true },
  uint64: { ArrayType: Int32Array, wide: true },
  'timestamp-s': { ArrayType: Int32Array, wide: true },
  'timestamp-ms': { ArrayType: Int32Array, wide: true },
  'timestamp-us': { ArrayType: Int32Array, wide: true },
  'timestamp-ns': { ArrayType: Int32Array, wide: true },
};

function isArrowSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && Array.isArray((value as Schema).fields) && typeof (value as Schema).select === 'function';
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Reads CSV text (or UTF-8 bytes) into an Arrow `Table`, inferring column types over all rows
 * unless `schema` fixes them. Quoted fields may hold delimiters, doubled quotes and newlines;
 * unquoted empty fields are null, quoted empty fields are empty strings. Malformed CSV (ragged
 * rows, unclosed quotes) throws `DATA_CORRUPTED`, values that do not fit a type throw
 * `SCHEMA_MISMATCH`; both name the line.
 */
export function readCsv(input: string | Uint8Array, options: CsvReadOptions = {}): Table {
  const text = stripBom(typeof input === 'string' ? input : new TextDecoder().decode(input));
  const parser = new CsvParser(options.delimiter);
  const builder = new CsvBatchBuilder(options, true);
  const batches = [...builder.add(parser.push(text)), ...builder.add(parser.end()), ...builder.finish()];
  const schema = batches[0]?.schema ?? builder.getSchema();
  return batches.length ? new Table(schema!, batches) : new Table(schema ?? new Schema([]));
}

async function* textChunks(source: string | CsvSource): AsyncGenerator<string> {
  let iterable: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  if (typeof source === 'string') {
    const stream = createReadStream(source, { highWaterMark: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' ? new NotFoundError(`CSV file "${source}" does not exist; check the path.`, { cause: e, details: { path: source } }) : e),
      );
    });
    iterable = stream as AsyncIterable<Uint8Array>;
  } else iterable = source as AsyncIterable<Uint8Array | string>;
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const chunk of iterable) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      text = stripBom(text);
      first = false;
    }
    if (text.length > 0) yield text;
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield tail;
}

/**
 * Reads CSV from a file path, a Node stream or an (async) iterable of text/bytes as record
 * batches of `batchRows` rows, holding only one batch (plus the inference window) in memory.
 * Types are inferred from the first `inferRows` rows unless `schema` fixes them; a later value
 * that does not fit throws `SCHEMA_MISMATCH` naming the line and how to fix it.
 */
export async function* readCsvBatches(source: string | CsvSource, options: CsvReadOptions = {}): AsyncGenerator<RecordBatch, void, undefined> {
  const parser = new CsvParser(options.delimiter);
  const builder = new CsvBatchBuilder(options, false);
  for await (const text of textChunks(source)) {
    yield* builder.add(parser.push(text));
  }
  yield* builder.add(parser.end());
  yield* builder.finish();
}

/** Reads a whole CSV file into a Table (types inferred over all rows unless `schema` is given). */
export async function readCsvFile(filePath: string, options: CsvReadOptions = {}): Promise<Table> {
  const parser = new CsvParser(options.delimiter);
  const builder = new CsvBatchBuilder(options, options.inferRows === undefined);
  const batches: RecordBatch[] = [];
  for await (const text of textChunks(filePath)) batches.push(...builder.add(parser.push(text)));
  batches.push(...builder.add(parser.end()), ...builder.finish());
  const schema = batches[0]?.schema ?? builder.getSchema();
  return batches.length ? new Table(schema!, batches) : new Table(schema ?? new Schema([]));
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Options of the CSV writers. */
export interface CsvWriteOptions {
  /** Field delimiter. Default `,`. */
  delimiter?: string;
  /** Write a header line with column names. Default true. */
  header?: boolean;
  /** Text written for nulls (unquoted). Default empty. */
  nullValue?: string;
  /** Line terminator. Default `\n`. */
  lineEnd?: '\n' | '\r\n';
}

function quoter(delimiter: string): (s: string) => string {
  return (s) => (s === '' || s.includes('"') || s.includes(delimiter) || s.includes('\n') || s.includes('\r') || s.trim() !== s ? `"${s.replace(/"/g, '""')}"` : s);
}

const PER_MS = [1000n, 1n, 1000n, 1_000_000n] as const;

function isoFromTicks(ticks: bigint, unit: number): string {
  if (unit === 0) return new Date(Number(ticks) * 1000).toISOString().replace('.000Z', 'Z');
  if (unit === 1) return new Date(Number(ticks)).toISOString();
  const perMs = PER_MS[unit]!;
  let ms = ticks / perMs;
  let rem = ticks % perMs;
  if (rem < 0n) {
    ms -= 1n;
    rem += perMs;
  }
  return new Date(Number(ms)).toISOString().replace('Z', `${rem.toString().padStart(unit === 2 ? 3 : 6, '0')}Z`);
}

function columnFormatter(vector: NonNullable<ReturnType<RecordBatch['getChild']>>, name: string, quote: (s: string) => string): (row: number) => string | null {
  const type = vector.type as DataType;
  switch (type.typeId) {
    case ArrowTypeId.Timestamp: {
      const unit = (type as unknown as { unit: number }).unit;
      const chunk = vector.data[0]!;
      const ticks = new BigInt64Array((chunk.values as BigInt64Array).buffer, (chunk.values as BigInt64Array).byteOffset, chunk.length);
      return (row) => (vector.isValid(row) ? isoFromTicks(ticks[row]!, unit) : null);
    }
    case ArrowTypeId.Date:
      return (row) => {
        const v = vector.get(row) as number | Date | null;
        return v === null ? null : new Date(typeof v === 'number' ? v : v.getTime()).toISOString().slice(0, 10);
      };
    case ArrowTypeId.Utf8:
    case ArrowTypeId.LargeUtf8:
    case ArrowTypeId.Dictionary: {
      if (!isUtf8Like(type)) break;
      const strings = toStringArray(vector);
      return (row) => {
        const v = strings[row];
        return v === null || v === undefined ? null : quote(v);
      };
    }
    case ArrowTypeId.Int:
    case ArrowTypeId.Float: {
      const chunk = vector.data[0]!;
      const precision = (type as unknown as { precision?: number }).precision;
      if (type.typeId === ArrowTypeId.Float && precision === 0) break;
      // Typed-array reads: vector.get() per cell is several times slower.
      const values = chunk.values as ArrayLike<number | bigint>;
      return (row) => (validAt(chunk, row) ? String(values[row]) : null);
    }
    case ArrowTypeId.Bool: {
      const chunk = vector.data[0]!;
      const bits = chunk.values as Uint8Array;
      return (row) => {
        if (!validAt(chunk, row)) return null;
        const bit = chunk.offset + row;
        return (bits[bit >> 3]! >> (bit & 7)) & 1 ? 'true' : 'false';
      };
    }
    case ArrowTypeId.Decimal:
      return (row) => {
        const v = vector.get(row) as unknown;
        return v === null || v === undefined ? null : String(v);
      };
    default:
      break;
  }
  if (type.typeId === ArrowTypeId.Float) {
    return (row) => {
      const v = vector.get(row) as unknown;
      return v === null || v === undefined ? null : String(v);
    };
  }
  throw new UnsupportedError(`Column "${name}" has type ${describeType(type)}, which cannot be written as CSV. Cast it to a string or number column first.`);
}

function validAt(chunk: { nullCount: number; nullBitmap?: Uint8Array | null; offset: number }, row: number): boolean {
  if (chunk.nullCount === 0) return true;
  const bitmap = chunk.nullBitmap;
  if (!bitmap || bitmap.length === 0) return false;
  const bit = chunk.offset + row;
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

function batchToCsv(batch: RecordBatch, options: CsvWriteOptions): string {
  const delimiter = options.delimiter ?? ',';
  const lineEnd = options.lineEnd ?? '\n';
  const nullValue = options.nullValue ?? '';
  const quote = quoter(delimiter);
  const formatters = batch.schema.fields.map((f, i) => columnFormatter(batch.getChildAt(i)!, f.name, quote));
  const lines = new Array<string>(batch.numRows);
  const cells = new Array<string>(formatters.length);
  for (let r = 0; r < batch.numRows; r++) {
    for (let c = 0; c < formatters.length; c++) cells[c] = formatters[c]!(r) ?? nullValue;
    lines[r] = cells.join(delimiter);
  }
  return lines.length ? lines.join(lineEnd) + lineEnd : '';
}

function headerLine(schema: Schema, options: CsvWriteOptions): string {
  const delimiter = options.delimiter ?? ',';
  return schema.fields.map((f) => quoter(delimiter)(f.name)).join(delimiter) + (options.lineEnd ?? '\n');
}

/**
 * Writes a table as CSV text: ISO 8601 UTC timestamps (with µs/ns digits when the unit has
 * them), ISO dates, `true`/`false`, nulls as empty fields and empty strings as `""`, quoting
 * fields that contain the delimiter, quotes, newlines or edge spaces. `readCsv` reads it back.
 */
export function tableToCsv(table: Table, options: CsvWriteOptions = {}): string {
  let out = options.header === false ? '' : headerLine(table.schema, options);
  for (const batch of table.batches) out += batchToCsv(batch, options);
  return out;
}

/**
 * Writes a table, or an (async) iterable of record batches, to a CSV file atomically (temp file
 * + rename), one batch at a time.
 */
export async function writeCsvFile(filePath: string, data: Table | Iterable<RecordBatch> | AsyncIterable<RecordBatch>, options: CsvWriteOptions = {}): Promise<void> {
  const { tmp, handle } = await openTempFor(filePath);
  try {
    const isTable = 'batches' in data && Array.isArray((data as Table).batches);
    let wroteHeader = options.header === false;
    if (isTable && !wroteHeader) {
      await handle.write(headerLine((data as Table).schema, options));
      wroteHeader = true;
    }
    for await (const batch of isTable ? (data as Table).batches : (data as AsyncIterable<RecordBatch>)) {
      if (!wroteHeader) {
        await handle.write(headerLine(batch.schema, options));
        wroteHeader = true;
      }
      await handle.write(batchToCsv(batch, options));
    }
    await handle.close();
    await rename(tmp, filePath);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
}
