import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Field, RecordBatch, Schema, Struct, Table, makeData } from 'apache-arrow';
import type { Data, DataType, Dictionary, Int32, Utf8 } from 'apache-arrow';
import type { AsyncBuffer, Compressors, FileMetaData, ParquetParsers, SchemaElement } from 'hyparquet';
import type { Writer } from 'hyparquet-writer';
import { DataCorruptedError, InvalidArgumentError, MlopsError, MissingPeerDependencyError, NotFoundError, UnsupportedError, loadOptionalPeer } from '@mlops/contracts/errors';
import { openTempFor } from './temp-file.js';
import { Utf8DictionaryEncoder, arrowDataFromValues } from './arrow-data.js';
import { ARROW_SCHEMA_KEY, arrowTypeForParquet, decodeArrowSchema, encodeArrowSchema, planParquetColumn } from './parquet-types.js';
import type { ParquetColumnPlan } from './parquet-types.js';
import { ArrowTypeId, describeType } from './type-kinds.js';

const loadReader = (neededFor: string) => loadOptionalPeer('hyparquet', neededFor, () => import('hyparquet'));
const loadWriter = (neededFor: string) => loadOptionalPeer('hyparquet-writer', neededFor, () => import('hyparquet-writer'));

async function loadCompressors(): Promise<Compressors | undefined> {
  try {
    const mod = await loadOptionalPeer('hyparquet-compressors', 'Reading Parquet with codecs other than snappy', () => import('hyparquet-compressors'));
    return mod.compressors as Compressors;
  } catch (error) {
    // Optional: snappy (the default codec) is built into hyparquet; only a missing package is fine,
    // a broken install is reported.
    if (MlopsError.isInstance(error, 'MISSING_PEER_DEPENDENCY')) return undefined;
    throw error;
  }
}

/** Compression codecs the Parquet writer can use. */
export type ParquetWriteCodec = 'SNAPPY' | 'UNCOMPRESSED';

/** Options of the Parquet writers. */
export interface ParquetWriteOptions {
  /** Compression codec. Default `SNAPPY` (readable everywhere). */
  codec?: ParquetWriteCodec;
  /** Rows per row group (the unit batch readers yield). Default 100 000. */
  rowGroupRows?: number;
  /** Write min/max statistics (lets engines skip row groups). Default true. */
  statistics?: boolean;
  /** Extra key-value metadata stored in the file footer. */
  metadata?: Record<string, string>;
}

/** Options of the Parquet readers. */
export interface ParquetReadOptions {
  /** Only read these columns (in this order). Default: all. */
  columns?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Reading

interface OpenedSource {
  file: AsyncBuffer;
  label: string;
  close(): Promise<void>;
}

async function openSource(source: string | Uint8Array): Promise<OpenedSource> {
  if (typeof source !== 'string') {
    if (!(source instanceof Uint8Array)) throw new InvalidArgumentError('Parquet source must be a file path or a Uint8Array of Parquet bytes.');
    const buffer = source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength) as ArrayBuffer;
    return { file: { byteLength: buffer.byteLength, slice: (s, e) => buffer.slice(s, e) }, label: 'the Parquet bytes', close: async () => {} };
  }
  let handle: FileHandle;
  try {
    handle = await open(source, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`Parquet file "${source}" does not exist; check the path.`, { cause: error, details: { path: source } });
    throw error;
  }
  const { size } = await handle.stat();
  return {
    label: `"${source}"`,
    file: {
      byteLength: size,
      async slice(start: number, end?: number) {
        const stop = end ?? size;
        const buffer = Buffer.allocUnsafe(Math.max(0, stop - start));
        let read = 0;
        while (read < buffer.length) {
          const { bytesRead } = await handle.read(buffer, read, buffer.length - read, start + read);
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + read) as ArrayBuffer;
      },
    },
    close: () => handle.close(),
  };
}

function readError(label: string, error: unknown, compressors: Compressors | undefined): MlopsError {
  if (MlopsError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/compression|codec|decompress/i.test(message) && compressors === undefined) {
    return new MissingPeerDependencyError('hyparquet-compressors', `Reading ${label} (it uses a codec other than snappy)`, { cause: error });
  }
  return new DataCorruptedError(
    `Could not read ${label} as Parquet: ${message}. Expected a complete Parquet file (it starts and ends with "PAR1"); check it was fully written.`,
    { cause: error },
  );
}

// Timestamps stay raw integers in the file's unit, so no precision is lost on the way to Arrow.
const RAW_PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => v,
  timestampFromMicroseconds: (v: bigint) => v,
  timestampFromNanoseconds: (v: bigint) => v,
  dateFromDays: (v: number) => v,
  jsonFromBytes: (b: Uint8Array) => new TextDecoder().decode(b),
};

function parquetTimeScale(element: SchemaElement): bigint | undefined {
  const lt = element.logical_type;
  if (lt?.type === 'TIMESTAMP') return lt.unit === 'MICROS' ? 1_000_000n : lt.unit === 'NANOS' ? 1_000_000_000n : 1000n;
  if (element.converted_type === 'TIMESTAMP_MILLIS') return 1000n;
  if (element.converted_type === 'TIMESTAMP_MICROS') return 1_000_000n;
  if (element.type === 'INT96') return 1_000_000_000n;
  return undefined;
}

interface ReadPlan {
  schema: Schema;
  columns: { name: string; element: SchemaElement; type: DataType; timeScale: bigint | undefined }[];
}

function planRead(metadata: FileMetaData, label: string, wanted: readonly string[] | undefined): ReadPlan {
  const [root, ...elements] = metadata.schema;
  if (!root || elements.some((e) => (e.num_children ?? 0) > 0)) {
    throw new UnsupportedError(`${label} has nested (struct/list/map) columns; only flat Parquet files are supported. Flatten the columns when writing.`);
  }
  const arrowSchema = decodeArrowSchema(metadata.key_value_metadata?.find((kv) => kv.key === ARROW_SCHEMA_KEY)?.value);
  const byName = new Map(elements.map((e) => [e.name, e]));
  const names = wanted ? [...wanted] : elements.map((e) => e.name);
  const missing = names.filter((n) => !byName.has(n));
  if (missing.length > 0) {
    throw new NotFoundError(`Column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} not found in ${label}; it has [${elements.map((e) => e.name).join(', ')}].`);
  }
  const columns = names.map((name) => {
    const element = byName.get(name)!;
    const stored = arrowSchema?.fields.find((f) => f.name === name);
    const fallback = arrowTypeForParquet(element);
    // Trust the stored Arrow type only when it is a faithful view of the Parquet column.
    const type = stored && compatible(stored.type, fallback) ? stored.type : fallback;
    return { name, element, type, timeScale: parquetTimeScale(element) };
  });
  const fields = columns.map((c) => {
    const stored = arrowSchema?.fields.find((f) => f.name === c.name);
    return new Field(c.name, c.type, stored ? stored.nullable : c.element.repetition_type !== 'REQUIRED');
  });
  return { schema: new Schema(fields, arrowSchema?.metadata), columns };
}

function compatible(stored: DataType, fromParquet: DataType): boolean {
  const s = stored.typeId;
  const p = fromParquet.typeId;
  if (s === ArrowTypeId.Dictionary || s === ArrowTypeId.LargeUtf8 || s === ArrowTypeId.Utf8) return p === ArrowTypeId.Utf8;
  if (s === ArrowTypeId.Timestamp) return p === ArrowTypeId.Timestamp;
  if (s === ArrowTypeId.Float) return p === ArrowTypeId.Float && (stored as unknown as { precision: number }).precision !== 0;
  return describeType(stored) === describeType(fromParquet);
}

function assemble(chunks: { rowStart: number; data: ArrayLike<unknown> }[], groupStart: number, length: number): ArrayLike<unknown> {
  if (chunks.length === 1 && chunks[0]!.rowStart === groupStart && chunks[0]!.data.length === length) return chunks[0]!.data;
  const out = new Array<unknown>(length).fill(null);
  for (const { rowStart, data } of chunks) {
    for (let i = 0; i < data.length; i++) {
      const row = rowStart - groupStart + i;
      if (row >= 0 && row < length) out[row] = data[i];
    }
  }
  return out;
}

/**
 * Reads a Parquet file (path) or bytes as Arrow record batches, one per row group, so a large
 * file is never held in memory whole. Types come back as written: the Arrow schema stored in the
 * file (`ARROW:schema`, written by this package and by pyarrow) restores dictionary strings and
 * timestamp units/zones; without it, Parquet logical types decide (`TIMESTAMP(MILLIS, UTC)` ->
 * `Timestamp<ms, UTC>`, `INT64` -> `Int64`, `STRING` -> `Utf8`...).
 *
 * Needs the optional peer `hyparquet` (and `hyparquet-compressors` for codecs other than snappy).
 */
export async function* readParquetBatches(source: string | Uint8Array, options: ParquetReadOptions = {}): AsyncGenerator<RecordBatch, void, undefined> {
  const hyparquet = await loadReader('readParquetBatches');
  const compressors = await loadCompressors();
  const opened = await openSource(source);
  try {
    if (opened.file.byteLength < 12) {
      throw new DataCorruptedError(`Could not read ${opened.label} as Parquet: it is ${opened.file.byteLength} bytes, and a Parquet file has at least 12 ("PAR1", footer length, "PAR1"). Check it was fully written.`);
    }
    let metadata: FileMetaData;
    try {
      metadata = await hyparquet.parquetMetadataAsync(opened.file);
    } catch (error) {
      throw readError(opened.label, error, compressors);
    }
    const plan = planRead(metadata, opened.label, options.columns);
    const struct = new Struct(plan.schema.fields);
    const encoders = plan.columns.map((c) =>
      c.type.typeId === ArrowTypeId.Dictionary ? new Utf8DictionaryEncoder(c.type as Dictionary<Utf8, Int32>) : undefined,
    );
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const length = Number(group.num_rows);
      const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>(plan.columns.map((c) => [c.name, []]));
      try {
        await hyparquet.parquetRead({
          file: opened.file,
          metadata,
          columns: plan.columns.map((c) => c.name),
          rowStart: groupStart,
          rowEnd: groupStart + length,
          ...(compressors ? { compressors } : {}),
          parsers: RAW_PARSERS,
          onChunk: ({ columnName, columnData, rowStart }) => {
            chunks.get(columnName)?.push({ rowStart, data: columnData });
          },
        });
      } catch (error) {
        throw readError(opened.label, error, compressors);
      }
      const children: Data[] = plan.columns.map((c, i) =>
        arrowDataFromValues(c.type, assemble(chunks.get(c.name)!, groupStart, length), length, {
          ...(c.timeScale !== undefined ? { sourceTimeScale: c.timeScale } : {}),
          ...(encoders[i] ? { dictionary: encoders[i] } : {}),
        }),
      );
      yield new RecordBatch(plan.schema, makeData({ type: struct, length, nullCount: 0, children }));
      groupStart += length;
    }
  } finally {
    await opened.close();
  }
}

/** Reads a whole Parquet file (path) or bytes into one Arrow `Table`. See {@link readParquetBatches}. */
export async function readParquet(source: string | Uint8Array, options: ParquetReadOptions = {}): Promise<Table> {
  const batches: RecordBatch[] = [];
  let schema: Schema | undefined;
  for await (const batch of readParquetBatches(source, options)) {
    schema ??= batch.schema;
    batches.push(batch);
  }
  if (batches.length === 0) {
    // Zero row groups: still return the columns.
    const hyparquet = await loadReader('readParquet');
    const opened = await openSource(source);
    try {
      const metadata = await hyparquet.parquetMetadataAsync(opened.file);
      return new Table(planRead(metadata, opened.label, options.columns).schema);
    } finally {
      await opened.close();
    }
  }
  return new Table(schema!, batches);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** An incremental Parquet writer: each `write` encodes row groups and flushes them. */
export interface ParquetWriter {
  /** Writes a batch (or every batch of a table) as one or more row groups. All batches must share one schema. */
  write(batch: RecordBatch | Table): Promise<void>;
  /** Writes the footer, closes, and for paths renames the temp file into place. */
  close(): Promise<void>;
  /** Stops writing; for paths the temp file is removed and nothing appears at `path`. */
  abort(): Promise<void>;
  /** Rows written so far. */
  readonly rowsWritten: number;
}

/** Options of {@link createParquetWriter}. */
export interface ParquetWriterOptions extends ParquetWriteOptions {
  /** Write to this file (temp file + rename on close). */
  path?: string;
  /** Or write to this Node writable stream (ended on close). */
  stream?: NodeJS.WritableStream;
}

interface Sink {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

async function pathSink(target: string): Promise<Sink> {
  const { tmp, handle } = await openTempFor(target);
  return {
    async write(bytes) {
      let done = 0;
      while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
    },
    async close() {
      await handle.close();
      await rename(tmp, target);
    },
    async abort() {
      await handle.close().catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}

function streamSink(stream: NodeJS.WritableStream): Sink {
  return {
    write: (bytes) =>
      new Promise((resolve, reject) => {
        const ok = stream.write(bytes, (err?: Error | null) => (err ? reject(err) : undefined));
        if (ok) resolve();
        else stream.once('drain', () => resolve());
      }),
    close: () => new Promise((resolve) => stream.end(() => resolve())),
    abort: () => new Promise((resolve) => stream.end(() => resolve())),
  };
}

function memorySink(): Sink & { bytes(): Uint8Array } {
  const parts: Uint8Array[] = [];
  return {
    async write(bytes) {
      parts.push(bytes);
    },
    async close() {},
    async abort() {
      parts.length = 0;
    },
    bytes: () => Buffer.concat(parts),
  };
}

function batchesOf(input: RecordBatch | Table): readonly RecordBatch[] {
  return 'batches' in input && Array.isArray(input.batches) ? input.batches : [input as RecordBatch];
}

function columnChunks(batches: readonly RecordBatch[], index: number): Data[] {
  return batches.map((b) => b.data.children[index]!);
}

async function openParquetWriter(sink: Sink, schema: Schema, hasNulls: (i: number) => boolean, options: ParquetWriteOptions, neededFor: string): Promise<ParquetWriter> {
  const hw = await loadWriter(neededFor);
  const codec = options.codec ?? 'SNAPPY';
  if (codec !== 'SNAPPY' && codec !== 'UNCOMPRESSED') throw new InvalidArgumentError(`Parquet codec must be "SNAPPY" or "UNCOMPRESSED", got ${JSON.stringify(codec)}.`);
  const rowGroupRows = options.rowGroupRows ?? 100_000;
  if (!Number.isInteger(rowGroupRows) || rowGroupRows < 1) throw new InvalidArgumentError(`rowGroupRows must be a positive integer, got ${String(rowGroupRows)}.`);
  const plans: ParquetColumnPlan[] = schema.fields.map((f, i) => planParquetColumn(f, hasNulls(i)));
  const names = new Set<string>();
  for (const f of schema.fields) {
    if (names.has(f.name)) throw new InvalidArgumentError(`Cannot write Parquet: column "${f.name}" appears twice; column names must be unique.`);
    names.add(f.name);
  }
  const byteWriter = new hw.ByteWriter() as unknown as Writer & { index: number; buffer: ArrayBuffer };
  // Row groups are flushed to the sink as they are encoded, so memory stays at one row group.
  byteWriter.flush = () => {
    const chunk = new Uint8Array(byteWriter.buffer.slice(0, byteWriter.index));
    byteWriter.index = 0;
    return sink.write(chunk);
  };
  byteWriter.finish = () => byteWriter.flush!() as Promise<void>;
  const writer = new hw.ParquetWriter({
    writer: byteWriter,
    schema: [{ name: 'root', num_children: plans.length }, ...plans.map((p) => p.element)],
    codec,
    statistics: options.statistics ?? true,
    kvMetadata: [{ key: ARROW_SCHEMA_KEY, value: encodeArrowSchema(schema) }, ...Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value }))],
    createdBy: '@mlops/contracts (hyparquet-writer)',
  });
  let rowsWritten = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';
  const expected = schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
  return {
    get rowsWritten() {
      return rowsWritten;
    },
    async write(input) {
      if (state !== 'open') throw new InvalidArgumentError(`This Parquet writer is ${state}; create a new one to write more.`);
      for (const batch of batchesOf(input)) {
        if (batch.numRows === 0) continue;
        const found = batch.schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
        if (found !== expected) throw new InvalidArgumentError(`Parquet writer: batch schema (${found}) differs from the file's (${expected}); every batch must have the same columns and types.`);
        const columnData = plans.map((plan, i) => {
          const chunks = columnChunks([batch], i);
          if (plan.element.repetition_type === 'REQUIRED' && chunks.some((d) => d.nullCount > 0)) {
            throw new InvalidArgumentError(`Parquet writer: column "${plan.element.name}" was declared non-nullable by the first batch but this batch has nulls; mark the field nullable in the schema.`);
          }
          return { name: plan.element.name, data: plan.values(chunks, batch.numRows) as never };
        });
        await writer.write({ columnData, rowGroupSize: rowGroupRows });
        rowsWritten += batch.numRows;
      }
    },
    async close() {
      if (state !== 'open') throw new InvalidArgumentError(`This Parquet writer is ${state}.`);
      state = 'closed';
      await writer.finish();
      await sink.close();
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      await sink.abort();
    },
  };
}

/**
 * Creates an incremental Parquet writer to a path (atomic: temp file + rename on close) or a Node
 * stream. The schema is taken from `schema`, or from the first batch written. Non-nullable
 * fields are written `REQUIRED`, others `OPTIONAL`.
 */
export function createParquetWriter(options: ParquetWriterOptions & { schema: Schema }): Promise<ParquetWriter> {
  if ((options.path === undefined) === (options.stream === undefined)) {
    throw new InvalidArgumentError('createParquetWriter needs exactly one destination: pass { path } or { stream }.');
  }
  return (async () => {
    const sink = options.path !== undefined ? await pathSink(options.path) : streamSink(options.stream!);
    try {
      return await openParquetWriter(sink, options.schema, (i) => options.schema.fields[i]!.nullable, options, 'createParquetWriter');
    } catch (error) {
      await sink.abort();
      throw error;
    }
  })();
}

/** Encodes a table as Parquet bytes (snappy, Arrow schema stored for a faithful read back). */
export async function tableToParquet(table: Table, options: ParquetWriteOptions = {}): Promise<Uint8Array> {
  const sink = memorySink();
  const writer = await openParquetWriter(sink, table.schema, (i) => table.batches.some((b) => b.data.children[i]!.nullCount > 0), options, 'tableToParquet');
  await writer.write(table);
  await writer.close();
  return sink.bytes();
}

/**
 * Writes a table, or an (async) iterable of record batches, to a Parquet file atomically (temp
 * file + rename). With batches, the schema comes from the first batch and each batch is encoded
 * and flushed before the next is pulled.
 */
export async function writeParquetFile(filePath: string, data: Table | Iterable<RecordBatch> | AsyncIterable<RecordBatch>, options: ParquetWriteOptions = {}): Promise<void> {
  let writer: ParquetWriter | undefined;
  let sink: Sink | undefined;
  try {
    if ('batches' in data && Array.isArray((data as Table).batches)) {
      const table = data as Table;
      sink = await pathSink(filePath);
      writer = await openParquetWriter(sink, table.schema, (i) => table.batches.some((b) => b.data.children[i]!.nullCount > 0), options, 'writeParquetFile');
      await writer.write(table);
    } else {
      for await (const batch of data as AsyncIterable<RecordBatch>) {
        if (!writer) {
          sink = await pathSink(filePath);
          writer = await openParquetWriter(sink, batch.schema, (i) => batch.schema.fields[i]!.nullable || batch.data.children[i]!.nullCount > 0, options, 'writeParquetFile');
        }
        await writer.write(batch);
      }
      if (!writer) throw new InvalidArgumentError('writeParquetFile got no batches; pass a Table (even empty) to write a file with only a schema.');
    }
    await writer.close();
  } catch (error) {
    if (writer) await writer.abort();
    else if (sink) await sink.abort();
    throw error;
  }
}
