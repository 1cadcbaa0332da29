import { open, rename, rm } from 'node:fs/promises';
import { createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import { RecordBatch, RecordBatchFileWriter, RecordBatchReader, RecordBatchStreamWriter, Struct, Table, makeData, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Data, Dictionary, Int32, Schema, Utf8, Vector } from 'apache-arrow';
import { Utf8DictionaryEncoder } from './arrow-data.js';
import { toStringArray } from './column-readers.js';
import { tempPathFor } from './temp-file.js';
import { ArrowTypeId, describeType } from './type-kinds.js';
import type { MlopsError} from '@mlops/contracts/errors';
import { DataCorruptedError, InvalidArgumentError, NotFoundError, UnsupportedError } from '@mlops/contracts/errors';

/**
 * Arrow IPC flavour: `file` (random access, `.arrow` / Feather v2, with a footer) or `stream`
 * (sequential, `.arrows`, what you send over a pipe or socket).
 */
export type IpcFormat = 'file' | 'stream';

/** Bytes sources {@link readIpcBatches} accepts besides a file path. */
export type ByteSource = Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

function corrupt(what: string, cause: unknown): DataCorruptedError {
  return new DataCorruptedError(
    `Could not read ${what} as Arrow IPC: ${cause instanceof Error ? cause.message : String(cause)}. ` +
      'Expected Arrow IPC file (starts with "ARROW1") or stream bytes; check the file is complete and really Arrow (Parquet and CSV have their own readers).',
    { cause },
  );
}

/** Serializes a table to Arrow IPC bytes (`file` format by default). */
export function tableToIpc(table: Table, options: { format?: IpcFormat } = {}): Uint8Array {
  const format = options.format ?? 'file';
  let input = table;
  if (format === 'file' && table.batches.length > 1 && table.schema.fields.some((f) => f.type.typeId === ArrowTypeId.Dictionary)) {
    const unifier = createDictionaryUnifier();
    input = new Table(table.schema, table.batches.map((b) => unifier.unify(b.schema === table.schema ? b : new RecordBatch(table.schema, b.data))));
  }
  return tableToIPC(input, format);
}

/** Reads a whole table from Arrow IPC bytes, file or stream format (detected). Throws `DATA_CORRUPTED` on foreign bytes. */
export function tableFromIpc(bytes: Uint8Array): Table {
  if (bytes.byteLength === 0) throw new DataCorruptedError('Could not read Arrow IPC: the input is empty (0 bytes). Expected Arrow IPC file or stream bytes.');
  try {
    return tableFromIPC(bytes);
  } catch (error) {
    throw corrupt('the bytes', error);
  }
}

function notFound(filePath: string, cause: unknown): MlopsError {
  return new NotFoundError(`Arrow IPC file "${filePath}" does not exist; check the path.`, { cause, details: { path: filePath } });
}

/**
 * Reads record batches one at a time. Only the batch being yielded is in memory:
 *
 * - a **path** is opened with random access; both IPC formats stream batch by batch;
 * - a **Node stream / async iterable of bytes** in stream format is decoded as bytes arrive;
 *   file-format bytes from a pipe need the footer, so they are buffered (prefer a path, or the
 *   stream format, for large data);
 * - a **Uint8Array** is decoded in place.
 *
 * Breaking out of the loop closes the file.
 */
export async function* readIpcBatches(source: string | ByteSource): AsyncGenerator<RecordBatch, void, undefined> {
  if (typeof source === 'string') {
    let handle;
    try {
      handle = await open(source, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(source, error);
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size === 0) throw new DataCorruptedError(`Arrow IPC file "${source}" is empty (0 bytes); it was probably not finished being written.`);
      let reader;
      try {
        reader = await RecordBatchReader.from(handle);
        await reader.open();
      } catch (error) {
        throw corrupt(`"${source}"`, error);
      }
      yield* iterateReader(reader, `"${source}"`);
    } finally {
      await handle.close();
    }
    return;
  }
  if (source instanceof Uint8Array) {
    if (source.byteLength === 0) throw new DataCorruptedError('Could not read Arrow IPC: the input is empty (0 bytes).');
    let reader;
    try {
      reader = RecordBatchReader.from(source);
      reader.open();
    } catch (error) {
      throw corrupt('the bytes', error);
    }
    for (const batch of reader) yield batch;
    return;
  }
  let reader;
  try {
    reader = await RecordBatchReader.from(toAsyncBytes(source));
  } catch (error) {
    throw corrupt('the stream', error);
  }
  yield* iterateReader(reader, 'the stream');
}

async function* toAsyncBytes(source: Exclude<ByteSource, Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    if (typeof chunk === 'string') throw new InvalidArgumentError('Arrow IPC sources must yield bytes, got a string chunk: open the stream without an encoding.');
    yield chunk;
  }
}

async function* iterateReader(reader: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, what: string): AsyncGenerator<RecordBatch> {
  const iterator = Symbol.asyncIterator in reader ? reader[Symbol.asyncIterator]() : (reader as Iterable<RecordBatch>)[Symbol.iterator]();
  while (true) {
    let step: IteratorResult<RecordBatch>;
    try {
      step = await iterator.next();
    } catch (error) {
      throw corrupt(what, error);
    }
    if (step.done) return;
    yield step.value;
  }
}

/** Reads a whole Arrow IPC file (either format) into a Table. */
export async function readIpcFile(filePath: string): Promise<Table> {
  const batches: RecordBatch[] = [];
  for await (const batch of readIpcBatches(filePath)) batches.push(batch);
  if (batches.length === 0) {
    // A valid file with a schema and no batches: read its schema the cheap way.
    const { readFile } = await import('node:fs/promises');
    return tableFromIpc(await readFile(filePath));
  }
  return new Table(batches);
}

/** Options of {@link createIpcWriter}. */
export interface IpcWriterOptions {
  /** Write to this file. Bytes go to a temp file in the same directory, renamed into place on `close()`. */
  path?: string;
  /** Or write to this Node writable stream (it is ended on `close()`). */
  stream?: NodeJS.WritableStream;
  /** IPC format. Default `file` for paths, `stream` for streams. */
  format?: IpcFormat;
}

/** An incremental Arrow IPC writer: batches are encoded and flushed as they are written. */
export interface IpcWriter {
  /** Encodes `batch` (or every batch of a table) and writes the bytes, honouring back-pressure. All batches must share one schema. */
  write(batch: RecordBatch | Table): Promise<void>;
  /** Writes the end-of-stream marker (and the footer in `file` format), closes, and for paths renames the temp file into place. */
  close(): Promise<void>;
  /** Stops writing; for paths the temp file is removed and nothing appears at `path`. */
  abort(): Promise<void>;
  /** Bytes written so far. */
  readonly bytesWritten: number;
  /** Record batches written so far. */
  readonly batchesWritten: number;
}

const TICK = Symbol('tick');

/**
 * Creates an incremental Arrow IPC writer to a path (atomic: temp file + rename on close) or a
 * Node stream. Each `write` encodes one batch and awaits the destination, so memory stays at one
 * batch however many are written.
 */
export function createIpcWriter(options: IpcWriterOptions): IpcWriter {
  if ((options.path === undefined) === (options.stream === undefined)) {
    throw new InvalidArgumentError('createIpcWriter needs exactly one destination: pass { path } or { stream }.');
  }
  const format = options.format ?? (options.path !== undefined ? 'file' : 'stream');
  if (format !== 'file' && format !== 'stream') throw new InvalidArgumentError(`IPC format must be "file" or "stream", got ${JSON.stringify(format)}.`);
  const tmpPath = options.path !== undefined ? tempPathFor(options.path) : undefined;
  if (options.path !== undefined && !existsSync(path.dirname(path.resolve(options.path)))) {
    throw new NotFoundError(`Cannot write "${options.path}": the directory "${path.dirname(options.path)}" does not exist. Create it first.`, { details: { path: options.path } });
  }
  const out: NodeJS.WritableStream = options.stream ?? createWriteStream(tmpPath!);
  const writer = format === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  // The encoder queues bytes internally; pulling them through its async iterator lets each
  // write() flush exactly what it produced and wait for the destination to drain.
  const chunks = writer[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<Uint8Array>> | null = null;
  let bytesWritten = 0;
  let batchesWritten = 0;
  let schema: Schema | null = null;
  let state: 'open' | 'closed' | 'aborted' = 'open';
  const dictionaries = createDictionaryUnifier();
  let streamError: unknown = null;
  out.on('error', (e: unknown) => {
    streamError = e;
  });

  const writeOut = (chunk: Uint8Array): Promise<void> =>
    new Promise((resolve, reject) => {
      if (streamError) return reject(streamError as Error);
      const ok = out.write(chunk, (err?: Error | null) => (err ? reject(err) : undefined));
      bytesWritten += chunk.byteLength;
      if (ok) resolve();
      else out.once('drain', () => resolve());
    });

  async function flush(untilDone: boolean): Promise<void> {
    while (true) {
      const next = pending ?? chunks.next();
      pending = null;
      const step = untilDone ? await next : await Promise.race([next, new Promise<typeof TICK>((r) => setImmediate(() => r(TICK)))]);
      if (step === TICK) {
        pending = next;
        return;
      }
      if (step.done) return;
      await writeOut(step.value);
    }
  }

  function assertOpen(): void {
    if (state !== 'open') throw new InvalidArgumentError(`This IPC writer is ${state}; create a new one to write more.`);
  }

  return {
    get bytesWritten() {
      return bytesWritten;
    },
    get batchesWritten() {
      return batchesWritten;
    },
    async write(input) {
      assertOpen();
      if (isTable(input) && input.batches.length === 0) {
        // An empty table still has a schema worth writing.
        if (schema === null) schema = input.schema;
        writer.write(input);
        await flush(false);
        return;
      }
      const batches = isTable(input) ? input.batches : [input];
      for (const batch of batches) {
        if (schema === null) schema = batch.schema;
        else if (!sameSchema(schema, batch.schema)) {
          throw new InvalidArgumentError(
            `IPC writer: batch schema (${describeSchema(batch.schema)}) differs from the first batch's (${describeSchema(schema)}); every batch of one file must have the same columns and types.`,
          );
        }
        let out = batch.schema === schema ? batch : new RecordBatch(schema, batch.data);
        if (format === 'file') out = dictionaries.unify(out);
        writer.write(out);
        batchesWritten++;
        await flush(false);
      }
    },
    async close() {
      assertOpen();
      state = 'closed';
      if (schema === null) throw new InvalidArgumentError('IPC writer: nothing was written; write at least one batch (or a Table, even empty) before close() so the file has a schema.');
      writer.close();
      await flush(true);
      await new Promise<void>((resolve, reject) => {
        if (streamError) return reject(streamError as Error);
        out.once('error', reject);
        out.end(() => resolve());
      });
      if (tmpPath !== undefined) await rename(tmpPath, options.path!);
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      writer.abort();
      await new Promise<void>((resolve) => {
        out.once('error', () => resolve());
        out.end(() => resolve());
      });
      if (tmpPath !== undefined) await rm(tmpPath, { force: true });
    },
  };
}

/**
 * The IPC file format allows one dictionary per column, extended by deltas. Batches from
 * different sources carry unrelated dictionaries; this re-encodes such columns against one
 * growing dictionary so the file stays valid. Batches that already share (or extend) the
 * previous dictionary pass through untouched.
 */
function createDictionaryUnifier(): { unify(batch: RecordBatch): RecordBatch } {
  const last = new Map<number, Vector>();
  const encoders = new Map<number, Utf8DictionaryEncoder>();
  return {
    unify(batch) {
      let children: Data[] | null = null;
      batch.schema.fields.forEach((field, i) => {
        if (field.type.typeId !== ArrowTypeId.Dictionary) return;
        const data = batch.data.children[i]!;
        const dict = data.dictionary;
        if (!dict) return;
        let encoder = encoders.get(i);
        const previous = last.get(i);
        if (!encoder) {
          if (!previous || previous === dict || (dict.data[0] === previous.data[0] && dict.data.length >= previous.data.length)) {
            last.set(i, dict);
            return;
          }
          if ((field.type as Dictionary).dictionary.typeId !== ArrowTypeId.Utf8) {
            throw new UnsupportedError(
              `Column "${field.name}": batches carry different dictionaries of ${describeType((field.type as Dictionary).dictionary)}; the Arrow IPC file format allows one. Write the stream format instead, or give the batches one dictionary.`,
            );
          }
          encoder = new Utf8DictionaryEncoder(field.type as Dictionary<Utf8, Int32>);
          encoder.seed(toStringArray(previous), previous.data as Data<Utf8>[]);
          encoders.set(i, encoder);
        }
        children ??= [...batch.data.children];
        children[i] = encoder.encode(toStringArray(batch.getChildAt(i)!), batch.numRows);
      });
      if (children === null) return batch;
      return new RecordBatch(batch.schema, makeData({ type: new Struct(batch.schema.fields), length: batch.numRows, nullCount: 0, children }));
    },
  };
}

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && Array.isArray((value as Table).batches) && 'schema' in value;
}

function describeSchema(schema: Schema): string {
  return schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
}

function sameSchema(a: Schema, b: Schema): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i]!.name && String(f.type) === String(b.fields[i]!.type));
}

/**
 * Writes a table, or an (async) iterable of record batches, to an Arrow IPC file atomically
 * (temp file + rename): readers never see a half-written file. Default format `file`.
 */
export async function writeIpcFile(filePath: string, data: Table | Iterable<RecordBatch> | AsyncIterable<RecordBatch>, options: { format?: IpcFormat } = {}): Promise<void> {
  const writer = createIpcWriter({ path: filePath, ...(options.format ? { format: options.format } : {}) });
  try {
    if (isTable(data)) await writer.write(data);
    else for await (const batch of data) await writer.write(batch);
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
