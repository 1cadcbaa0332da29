import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DataCorruptedError, InvalidArgumentError, NotFoundError, UnsupportedError } from '@mlops/contracts';
import { makeData, makeVector, Message, MessageHeader, Type } from 'apache-arrow';
import type { Data, DataType, Schema, Vector } from 'apache-arrow';
// The IPC file footer decoder is not re-exported from the package root; the peer range pins 21.x.
import { Footer } from 'apache-arrow/ipc/metadata/file';
import type { FileBlock } from 'apache-arrow/ipc/metadata/file';
import type { FieldLayout, SchemaLayout } from './ipc-file-layout.js';
import { layoutSchema } from './ipc-file-layout.js';
import { checkFooterBounds, checkMessageBounds } from './ipc-flatbuffer-bounds.js';
import type { ColumnProfiler, Profile, ProfileOptions } from './profile.js';
import { createColumnProfiler } from './profile.js';

/** Default size of each of the two read buffers of {@link profileIpcFile}: 8 MiB. */
export const DEFAULT_READ_BUFFER_BYTES = 8 * 2 ** 20;

/** Options for {@link profileIpcFile}: the {@link ProfileOptions} plus the read buffer size. */
export interface ProfileIpcFileOptions extends ProfileOptions {
  /**
   * Bytes per read (default 8 MiB, at least 64 KiB). Two buffers of this size are used, one
   * being profiled while the next is read. A fixed-width column chunk larger than this is read
   * and profiled in row slices of at most this size; a string column chunk larger than this is
   * read whole (the buffers grow to fit it).
   */
  readBufferBytes?: number;
}

const MIN_READ_BUFFER_BYTES = 64 * 1024;
const ARROW_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"
// Unwanted bytes between two wanted columns that are still read rather than split into two reads.
const MAX_READ_GAP = 64 * 1024;

interface BufferRange {
  offset: number;
  length: number;
}

interface FieldNodeMeta {
  length: number;
  nullCount: number;
}

interface BatchMeta {
  length: number;
  nodes: FieldNodeMeta[];
  buffers: BufferRange[];
  compression: unknown;
  variadicBufferCounts: number[];
}

interface DictionaryMeta {
  id: number;
  isDelta: boolean;
  data: BatchMeta;
}

function corrupt(file: string, what: string): DataCorruptedError {
  return new DataCorruptedError(`${file} is not a valid Arrow IPC file or stream: ${what}. Re-write the file with an Arrow IPC writer (RecordBatchFileWriter / RecordBatchStreamWriter, pyarrow.ipc) and make sure it was copied completely.`);
}

// Bits per row in the value buffer of the fixed-width types drift profiles (from the IPC type
// parameters, which define the on-disk layout); null for variable-width types.
function fixedBitWidth(type: DataType): number | null {
  const t = type as DataType & { bitWidth?: number; precision?: number; unit?: number; indices?: DataType };
  switch (type.typeId) {
    case Type.Bool:
      return 1;
    case Type.Int:
    case Type.Time:
    case Type.Decimal:
      return t.bitWidth ?? null;
    case Type.Float:
      return 16 << (t.precision ?? 0);
    case Type.Date:
      return t.unit === 0 ? 32 : 64;
    case Type.Timestamp:
    case Type.Duration:
      return 64;
    case Type.Dictionary:
      return t.indices ? fixedBitWidth(t.indices) : null;
    default:
      return null;
  }
}

/** Positioned reads that always fill the requested range, or say the file is truncated. */
async function readExactly(fh: FileHandle, file: string, into: Uint8Array, at: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(into, at + done, length - done, position + done);
    if (bytesRead === 0) throw corrupt(file, `it ends at byte ${position + done}, inside a message that needs ${length - done} more bytes (the file is truncated)`);
    done += bytesRead;
  }
}

/** A growable read buffer. Fresh ArrayBuffers start 8-byte aligned (pooled Node Buffers may not). */
class Scratch {
  bytes = new Uint8Array(0);
  ensure(size: number): Uint8Array {
    // Round up to 64 KiB so slightly different window sizes do not reallocate each time.
    if (this.bytes.length < size) this.bytes = new Uint8Array(Math.ceil(size / 65536) * 65536);
    return this.bytes;
  }
}

/** One read of a record batch: either whole column chunks, or one row slice of a large fixed-width chunk. */
type ReadJob =
  | { kind: 'columns'; start: number; end: number; fields: FieldLayout[] }
  | { kind: 'slice'; field: FieldLayout; row: number; rows: number; validity: BufferRange | null; values: BufferRange; bitWidth: number };

/**
 * Profiles an Arrow IPC file (`.arrow`, the file format with its `ARROW1` footer) or an Arrow
 * IPC stream (`.arrows`) on disk, with memory bounded independently of the number of rows and
 * of the file's record batch size.
 *
 * It reads the IPC messages itself with positioned reads: each message's flatbuffer header is
 * decoded with apache-arrow's `Message`, then only the buffers of the profiled columns are read,
 * column by column, into two reused read buffers (one is profiled while the next is read), and
 * handed to the profiler zero-copy. A whole record batch is never in memory.
 *
 * **Memory bound:** about 2 × `readBufferBytes` (default 2 × 8 MiB), plus ~30 KB per numeric
 * column (its sketches), plus the category counts of categorical columns (up to `categoryCap`
 * each) and the dictionaries of dictionary-encoded columns. Non-Float64 or nullable numeric
 * columns add one Float64 copy of the slice being profiled. Fixed-width columns (numbers,
 * timestamps, booleans, dictionary indices) whose chunk in one batch exceeds `readBufferBytes`
 * are profiled in row slices; string columns (Utf8, LargeUtf8, Utf8View) are decoded per batch
 * with apache-arrow's `makeData` from their buffers, so one string column chunk of one batch is
 * held at a time.
 *
 * **Result:** when no column chunk is sliced (every column of a batch fits in `readBufferBytes`,
 * e.g. 65,536 Float64 rows = 512 KiB), the profile is identical, byte for byte once serialized,
 * to `profileBatches(RecordBatchReader.from(...))` on the same file. When chunks are sliced, it
 * equals `profileBatches` over the batches cut at those row boundaries: counts, min/max,
 * histograms and category counts are the same, mean/variance agree up to float rounding, and the
 * quantile sketch keeps its documented rank error.
 *
 * Throws `NOT_FOUND` when the file does not exist, `DATA_CORRUPTED` for foreign, corrupt or
 * truncated bytes, `UNSUPPORTED` for compressed (LZ4/ZSTD) bodies or column types apache-arrow 21 cannot lay out, and the
 * {@link ProfileOptions} errors (`SCHEMA_MISMATCH`, `INVALID_ARGUMENT`) as `profile()` does.
 *
 * @param path - Path or `file:` URL of the Arrow IPC file or stream.
 * @param options - Profile options, plus `readBufferBytes`.
 * @returns The profile of every row of the file, as `profile()` would build it from the whole table.
 */
export async function profileIpcFile(path: string | URL, options: ProfileIpcFileOptions = {}): Promise<Profile> {
  const readBufferBytes = options.readBufferBytes ?? DEFAULT_READ_BUFFER_BYTES;
  if (!Number.isInteger(readBufferBytes) || readBufferBytes < MIN_READ_BUFFER_BYTES) {
    throw new InvalidArgumentError(`Expected readBufferBytes to be an integer >= ${MIN_READ_BUFFER_BYTES} (64 KiB), found ${readBufferBytes}. The default is ${DEFAULT_READ_BUFFER_BYTES} (8 MiB).`);
  }
  const profiler = createColumnProfiler(options);
  const file = String(path);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === 'ENOENT') throw new NotFoundError(`No Arrow IPC file at ${file}. Check the path.`, { cause });
    throw new InvalidArgumentError(`Cannot open ${file} for reading (${code ?? String(cause)}). Pass the path of a readable Arrow IPC file.`, { cause });
  }
  try {
    const reader = new IpcFileProfiler(fh, file, readBufferBytes, profiler);
    await reader.run();
    return profiler.result;
  } finally {
    await fh.close();
  }
}

class IpcFileProfiler {
  private schema: Schema | null = null;
  private layout: SchemaLayout | null = null;
  private wanted: FieldLayout[] = [];
  private version = 4;
  private first = true;
  private readonly dictionaries = new Map<number, Vector>();
  private readonly neededDictionaries = new Set<number>();
  private readonly scratch = [new Scratch(), new Scratch()];
  private readonly header = new Uint8Array(8);
  private readonly header32 = new DataView(this.header.buffer);

  constructor(
    private readonly fh: FileHandle,
    private readonly file: string,
    private readonly readBufferBytes: number,
    private readonly profiler: ColumnProfiler,
  ) {}

  async run(): Promise<void> {
    const stat = await this.fh.stat();
    if (!stat.isFile()) throw new InvalidArgumentError(`${this.file} is not a regular file. Pass the path of an Arrow IPC file.`);
    const size = stat.size;
    let isFileFormat = false;
    if (size >= 6) {
      await readExactly(this.fh, this.file, this.header, 0, 6, 0);
      isFileFormat = ARROW_MAGIC.every((b, i) => this.header[i] === b);
    }
    if (isFileFormat) await this.runFile(size);
    else await this.runStream(size);
    // apache-arrow's reader yields one empty batch for a file without record batches, so the
    // profile still lists the columns; do the same.
    if (this.first) for (const f of this.wanted) this.profiler.ensureColumn(f.field.name, f.field.type);
  }

  // Stream format: schema, dictionaries and record batches in order, up to end-of-stream or EOF.
  private async runStream(size: number): Promise<void> {
    let pos = 0;
    while (pos < size) {
      const m = await this.readMessage(pos, size);
      if (m === null) break;
      await this.handle(m.message, m.bodyStart, m.bodyLength, pos);
      pos = m.bodyStart + m.bodyLength;
    }
    if (this.schema === null) throw corrupt(this.file, 'it has no schema message');
  }

  // File format: magic, padding, messages, footer, int32 footer length, magic. The footer holds
  // the schema and the offsets of every dictionary and record batch (writers such as
  // apache-arrow's do not repeat the schema as a message), so read it first.
  private async runFile(size: number): Promise<void> {
    if (size < 8 + 10) throw corrupt(this.file, `it starts like an Arrow IPC file but has only ${size} bytes`);
    const tail = new Uint8Array(10);
    await readExactly(this.fh, this.file, tail, 0, 10, size - 10);
    if (!ARROW_MAGIC.every((b, i) => tail[4 + i] === b)) throw corrupt(this.file, 'it starts with the ARROW1 magic but does not end with it (the file is truncated or still being written)');
    const footerLength = new DataView(tail.buffer).getInt32(0, true);
    const footerStart = size - 10 - footerLength;
    if (footerLength <= 0 || footerStart < 8) throw corrupt(this.file, `its footer length ${footerLength} does not fit in ${size} bytes`);
    const footerBytes = new Uint8Array(footerLength);
    await readExactly(this.fh, this.file, footerBytes, 0, footerLength, footerStart);
    let footer: Footer;
    let dictionaryBlocks: FileBlock[];
    let batchBlocks: FileBlock[];
    try {
      checkFooterBounds(footerBytes);
      footer = Footer.decode(footerBytes);
      dictionaryBlocks = [...footer.dictionaryBatches()];
      batchBlocks = [...footer.recordBatches()];
    } catch (cause) {
      throw new DataCorruptedError(`${this.file}: the Arrow IPC file footer is not a valid flatbuffer (${(cause as Error).message}). Re-write the file with an Arrow IPC writer.`, { cause });
    }
    this.setSchema(footer.schema, footer.version);
    for (const block of [...dictionaryBlocks, ...batchBlocks]) {
      const offset = Number(block.offset);
      if (!Number.isSafeInteger(offset) || offset < 8 || offset >= footerStart) throw corrupt(this.file, `the footer points to a block at offset ${offset}, outside the data (8..${footerStart})`);
      const m = await this.readMessage(offset, footerStart);
      if (m === null) throw corrupt(this.file, `the footer points to an end-of-stream marker at offset ${offset}`);
      if (m.message.headerType === MessageHeader.Schema) throw corrupt(this.file, `the footer points to a schema message at offset ${offset}`);
      await this.handle(m.message, m.bodyStart, m.bodyLength, offset);
    }
  }

  /** Reads the message framed at `pos` (continuation marker or legacy length prefix); null at end-of-stream. */
  private async readMessage(pos: number, limit: number): Promise<{ message: Message; bodyStart: number; bodyLength: number } | null> {
    if (limit - pos < 4) throw corrupt(this.file, `${limit - pos} stray bytes at offset ${pos} where a message should start`);
    const prefix = Math.min(8, limit - pos);
    await readExactly(this.fh, this.file, this.header, 0, prefix, pos);
    let metaLength = this.header32.getInt32(0, true);
    let headerBytes = 4;
    if (metaLength === -1) {
      if (prefix < 8) throw corrupt(this.file, `a message at offset ${pos} is cut off after its continuation marker`);
      metaLength = this.header32.getInt32(4, true);
      headerBytes = 8;
    }
    if (metaLength === 0) return null;
    if (metaLength < 0 || pos + headerBytes + metaLength > limit) throw corrupt(this.file, `the message at offset ${pos} declares ${metaLength} bytes of metadata, beyond the end of the data at ${limit}`);
    const meta = new Uint8Array(metaLength);
    await readExactly(this.fh, this.file, meta, 0, metaLength, pos + headerBytes);
    let message: Message;
    try {
      checkMessageBounds(meta);
      message = Message.decode(meta);
    } catch (cause) {
      throw new DataCorruptedError(`${this.file}: the message header at offset ${pos} is not a valid Arrow flatbuffer (${(cause as Error).message}). Re-write the file with an Arrow IPC writer.`, { cause });
    }
    const bodyStart = pos + headerBytes + metaLength;
    const bodyLength = Number(message.bodyLength);
    if (!Number.isSafeInteger(bodyLength) || bodyLength < 0 || bodyStart + bodyLength > limit) {
      throw corrupt(this.file, `the message at offset ${pos} declares a ${bodyLength}-byte body, but the data ends at ${limit} (the file is truncated)`);
    }
    return { message, bodyStart, bodyLength };
  }

  private async handle(message: Message, bodyStart: number, bodyLength: number, at: number): Promise<void> {
    const type = message.headerType as MessageHeader;
    if (type === MessageHeader.Schema) {
      if (this.schema !== null) throw corrupt(this.file, `a second schema message at offset ${at}`);
      this.setSchema(decodeHeader<Schema>(message, this.file, at), message.version);
      return;
    }
    if (this.schema === null) throw corrupt(this.file, `a ${MessageHeader[type] ?? type} message at offset ${at} comes before the schema`);
    if (type === MessageHeader.DictionaryBatch) await this.loadDictionary(decodeHeader<DictionaryMeta>(message, this.file, at), bodyStart, bodyLength, at);
    else if (type === MessageHeader.RecordBatch) await this.profileBatch(decodeHeader<BatchMeta>(message, this.file, at), bodyStart, bodyLength, at);
    // Tensor and sparse tensor messages carry no table data: skipped.
  }

  private setSchema(schema: Schema, version: number): void {
    this.schema = schema;
    this.version = version;
    this.layout = layoutSchema(schema.fields, version);
    const fieldNames = schema.fields.map((f) => f.name);
    const byName = new Map<string, FieldLayout>();
    for (const f of this.layout.fields) if (!byName.has(f.field.name)) byName.set(f.field.name, f);
    const seen = new Set<string>();
    for (const name of this.profiler.namesFor(fieldNames)) {
      const f = byName.get(name);
      if (!this.profiler.accepts(name, f ? f.field.type : null, fieldNames) || seen.has(name)) continue;
      seen.add(name);
      this.wanted.push(f!);
      if (f!.field.type.typeId === Type.Dictionary) this.neededDictionaries.add((f!.field.type as DataType & { id: number }).id);
    }
  }

  private async loadDictionary(dict: DictionaryMeta, bodyStart: number, bodyLength: number, at: number): Promise<void> {
    if (!this.neededDictionaries.has(dict.id)) return;
    const valueType = this.schema!.dictionaries.get(dict.id);
    if (valueType === undefined) throw corrupt(this.file, `the dictionary batch at offset ${at} has id ${dict.id}, which no schema field uses`);
    const schemaLayout = layoutSchema([{ name: 'dictionary', type: valueType } as Schema['fields'][number]], this.version);
    this.checkBatch(dict.data, schemaLayout, bodyLength, `dictionary batch at offset ${at}`);
    const layout = schemaLayout.fields[0]!;
    // Dictionaries outlive the batch, so they get their own bytes rather than a read buffer.
    const body = new Uint8Array(bodyLength);
    await readExactly(this.fh, this.file, body, 0, bodyLength, bodyStart);
    const data = this.makeFieldData(layout, dict.data, 0, body, 0, `dictionary ${dict.id} at offset ${at}`);
    const vector = makeVector(data);
    const previous = this.dictionaries.get(dict.id);
    this.dictionaries.set(dict.id, dict.isDelta && previous ? previous.concat(vector) : vector);
  }

  private checkBatch(batch: BatchMeta, layout: SchemaLayout, bodyLength: number, what: string): void {
    if (batch.compression) throw compressed(this.file);
    let variadic = 0;
    for (let i = 0; i < layout.views; i++) variadic += batch.variadicBufferCounts[i] ?? 0;
    if (batch.nodes.length < layout.nodes || batch.buffers.length < layout.buffers + variadic) {
      throw corrupt(this.file, `the ${what} has ${batch.nodes.length} field nodes and ${batch.buffers.length} buffers; its schema needs ${layout.nodes} and ${layout.buffers + variadic}`);
    }
    if (!(Number.isSafeInteger(batch.length) && batch.length >= 0)) throw corrupt(this.file, `the ${what} declares ${batch.length} rows`);
    for (const n of batch.nodes) {
      if (!(Number.isSafeInteger(n.length) && n.length >= 0 && n.nullCount >= 0 && n.nullCount <= n.length)) throw corrupt(this.file, `the ${what} has a field node of ${n.length} rows with ${n.nullCount} nulls`);
    }
    for (const b of batch.buffers) {
      if (!(b.offset >= 0 && b.length >= 0 && b.offset + b.length <= bodyLength)) throw corrupt(this.file, `a buffer of the ${what} spans bytes ${b.offset}..${b.offset + b.length} of a ${bodyLength}-byte body`);
    }
  }

  private async profileBatch(batch: BatchMeta, bodyStart: number, bodyLength: number, at: number): Promise<void> {
    this.checkBatch(batch, this.layout!, bodyLength, `record batch at offset ${at}`);
    if (this.first) {
      // Columns enter the profile in the order profileBatches would create them (options.columns
      // or schema order), however the reads below are ordered.
      for (const f of this.wanted) this.profiler.ensureColumn(f.field.name, f.field.type);
      this.first = false;
    }
    const jobs = this.planReads(batch, at);
    let slot = 0;
    let pending = jobs.length > 0 ? this.read(jobs[0]!, slot, bodyStart) : null;
    try {
      for (let j = 0; j < jobs.length; j++) {
        const bytes = await pending!;
        // Read ahead into the other buffer while this one is profiled.
        pending = j + 1 < jobs.length ? this.read(jobs[j + 1]!, 1 - slot, bodyStart) : null;
        this.profileJob(jobs[j]!, batch, bytes, at);
        slot = 1 - slot;
      }
    } catch (error) {
      // The read-ahead may still be in flight: settle it, so its outcome is neither lost nor an
      // unhandled rejection, before the caller closes the file.
      await pending?.catch(() => undefined);
      throw error;
    }
    this.profiler.addRows(batch.length);
  }

  // Buffer index of a field in this batch: the schema layout plus the variadic buffers of the
  // view-typed arrays before it.
  private bufferIndex(f: FieldLayout, batch: BatchMeta): number {
    let extra = 0;
    for (let i = 0; i < f.variadic; i++) extra += batch.variadicBufferCounts[i] ?? 0;
    return f.buffer + extra;
  }

  private fieldBuffers(f: FieldLayout, batch: BatchMeta): BufferRange[] {
    let count = f.bufferCount;
    for (let i = f.variadic; i < f.variadic + f.variadicCount; i++) count += batch.variadicBufferCounts[i] ?? 0;
    const first = this.bufferIndex(f, batch);
    return batch.buffers.slice(first, first + count);
  }

  private planReads(batch: BatchMeta, at: number): ReadJob[] {
    const spans = this.wanted.map((f) => {
      const node = batch.nodes[f.node]!;
      if (node.length !== batch.length) throw corrupt(this.file, `column "${f.field.name}" has ${node.length} rows in the record batch at offset ${at}, which has ${batch.length}`);
      const buffers = this.fieldBuffers(f, batch);
      let start = Infinity;
      let end = 0;
      for (const b of buffers) {
        if (b.length === 0) continue;
        start = Math.min(start, b.offset);
        end = Math.max(end, b.offset + b.length);
      }
      if (start === Infinity) start = end = 0;
      return { f, start, end, buffers, nullCount: node.nullCount };
    });
    spans.sort((a, b) => a.start - b.start);
    const jobs: ReadJob[] = [];
    let current: Extract<ReadJob, { kind: 'columns' }> | null = null;
    for (const s of spans) {
      const bitWidth = fixedBitWidth(s.f.field.type);
      if (s.end - s.start > this.readBufferBytes && bitWidth !== null && batch.length > 0) {
        current = null;
        // Rows per slice: the same for every column up to 64 bits wide (so the slices are row
        // ranges of the batch), and a multiple of 64 so bitmaps split on byte boundaries.
        const rows = Math.max(64, Math.floor((this.readBufferBytes * 8) / (Math.max(64, bitWidth) + 1) / 64) * 64);
        const [validity, values] = s.buffers as [BufferRange, BufferRange];
        const what = `column "${s.f.field.name}" of the record batch at offset ${at}`;
        if (values.length < Math.ceil((batch.length * bitWidth) / 8)) throw corrupt(this.file, `${what} has a ${values.length}-byte value buffer for ${batch.length} rows`);
        if (s.nullCount > 0 && validity.length < Math.ceil(batch.length / 8)) throw corrupt(this.file, `${what} has nulls but a ${validity.length}-byte validity bitmap for ${batch.length} rows`);
        for (let row = 0; row < batch.length; row += rows) {
          jobs.push({ kind: 'slice', field: s.f, row, rows: Math.min(rows, batch.length - row), validity: s.nullCount > 0 ? validity : null, values, bitWidth });
        }
        continue;
      }
      if (current && s.start - current.end <= MAX_READ_GAP && s.end - current.start <= this.readBufferBytes) {
        current.end = Math.max(current.end, s.end);
        current.fields.push(s.f);
      } else {
        current = { kind: 'columns', start: s.start, end: s.end, fields: [s.f] };
        jobs.push(current);
      }
    }
    return jobs;
  }

  private async read(job: ReadJob, slot: number, bodyStart: number): Promise<Uint8Array> {
    const scratch = this.scratch[slot]!;
    if (job.kind === 'columns') {
      // Keep each buffer's offset mod 8 as in the body, so typed views over it stay aligned.
      const pad = job.start % 8;
      const bytes = scratch.ensure(pad + job.end - job.start);
      await readExactly(this.fh, this.file, bytes, pad, job.end - job.start, bodyStart + job.start);
      return bytes;
    }
    const { validityBytes, valueStart, valueBytes } = sliceExtent(job);
    const valuesAt = align8(validityBytes) + (valueStart % 8);
    const bytes = scratch.ensure(valuesAt + valueBytes);
    if (job.validity) await readExactly(this.fh, this.file, bytes, 0, validityBytes, bodyStart + job.validity.offset + job.row / 8);
    await readExactly(this.fh, this.file, bytes, valuesAt, valueBytes, bodyStart + valueStart);
    return bytes;
  }

  private profileJob(job: ReadJob, batch: BatchMeta, bytes: Uint8Array, at: number): void {
    if (job.kind === 'columns') {
      const base = job.start - (job.start % 8);
      for (const f of job.fields) {
        const data = this.makeFieldData(f, batch, this.bufferIndex(f, batch), bytes, base, `column "${f.field.name}" of the record batch at offset ${at}`);
        this.profiler.addVector(f.field.name, makeVector(data));
      }
      return;
    }
    const { validityBytes, valueStart, valueBytes } = sliceExtent(job);
    const valuesAt = align8(validityBytes) + (valueStart % 8);
    const type = job.field.field.type;
    const values = bytes.subarray(valuesAt, valuesAt + valueBytes);
    const nullBitmap = job.validity ? bytes.subarray(0, validityBytes) : new Uint8Array(0);
    const props = { type, length: job.rows, nullCount: job.validity ? -1 : 0, nullBitmap, data: values, ...(type.typeId === Type.Dictionary ? { dictionary: this.dictionaryFor(job.field, `column "${job.field.field.name}" of the record batch at offset ${at}`) } : {}) };
    this.profiler.addVector(job.field.field.name, makeVector(buildData(props, this.file, `column "${job.field.field.name}" of the record batch at offset ${at}`)));
  }

  private dictionaryFor(f: FieldLayout, what: string): Vector {
    const id = (f.field.type as DataType & { id: number }).id;
    const dictionary = this.dictionaries.get(id);
    if (dictionary === undefined) throw corrupt(this.file, `${what} uses dictionary ${id}, but no dictionary batch with that id came before it`);
    return dictionary;
  }

  /** Builds one flat column's Data over `bytes`, where body offset o sits at index o - base. */
  private makeFieldData(f: FieldLayout, batch: BatchMeta, firstBuffer: number, bytes: Uint8Array, base: number, what: string): Data {
    const type = f.field.type;
    const node = batch.nodes[f.node]!;
    const view = (i: number): Uint8Array => {
      const b = batch.buffers[firstBuffer + i]!;
      return bytes.subarray(b.offset - base, b.offset - base + b.length);
    };
    const nullBitmap = node.nullCount > 0 ? view(0) : new Uint8Array(0);
    const common = { type, length: node.length, nullCount: node.nullCount, nullBitmap };
    switch (type.typeId) {
      case Type.Utf8:
      case Type.LargeUtf8:
      case Type.Binary:
      case Type.LargeBinary:
        return buildData({ ...common, valueOffsets: view(1), data: view(2) }, this.file, what);
      case Type.Utf8View:
      case Type.BinaryView: {
        const count = batch.variadicBufferCounts[f.variadic] ?? 0;
        return buildData({ ...common, views: view(1), variadicBuffers: Array.from({ length: count }, (_, i) => view(2 + i)) }, this.file, what);
      }
      case Type.Dictionary:
        return buildData({ ...common, data: view(1), dictionary: this.dictionaryFor(f, what) }, this.file, what);
      default:
        return buildData({ ...common, data: view(1) }, this.file, what);
    }
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function sliceExtent(job: Extract<ReadJob, { kind: 'slice' }>): { validityBytes: number; valueStart: number; valueBytes: number } {
  const validityBytes = job.validity ? Math.ceil(job.rows / 8) : 0;
  const valueStart = job.values.offset + (job.row * job.bitWidth) / 8;
  const valueBytes = Math.ceil((job.rows * job.bitWidth) / 8);
  return { validityBytes, valueStart, valueBytes };
}

function compressed(file: string): UnsupportedError {
  return new UnsupportedError(`${file} has compressed (LZ4/ZSTD) IPC bodies, which profileIpcFile does not read. Re-write it uncompressed, or read it with apache-arrow's RecordBatchReader (with a codec in compressionRegistry) and pass the batches to profileBatches().`);
}

function decodeHeader<T>(message: Message, file: string, at: number): T {
  try {
    return message.header() as T;
  } catch (cause) {
    throw new DataCorruptedError(`${file}: the message header at offset ${at} could not be decoded (${(cause as Error).message}). Re-write the file with an Arrow IPC writer.`, { cause });
  }
}

// makeData sizes typed views from the buffers; check they hold `length` rows, so a corrupt
// header cannot make the profiler read past a buffer (it would see `undefined` as NaN).
function buildData(props: Record<string, unknown> & { type: DataType; length: number; nullCount: number; nullBitmap: Uint8Array; data?: Uint8Array; valueOffsets?: Uint8Array; views?: Uint8Array }, file: string, what: string): Data {
  const { type, length } = props;
  const fail = (detail: string): DataCorruptedError => corrupt(file, `${what} (${String(type)}, ${length} rows): ${detail}`);
  if (props.nullCount !== 0 && props.nullBitmap.length < Math.ceil(length / 8)) throw fail(`it has nulls but its validity bitmap has only ${props.nullBitmap.length} bytes`);
  const width = fixedBitWidth(type);
  if (width !== null && props.data && props.data.length < Math.ceil((length * width) / 8)) throw fail(`its value buffer has ${props.data.length} bytes, ${Math.ceil((length * width) / 8)} needed`);
  if (props.valueOffsets) {
    const bytesPerOffset = type.typeId === Type.LargeUtf8 || type.typeId === Type.LargeBinary ? 8 : 4;
    if (length > 0 && props.valueOffsets.length < (length + 1) * bytesPerOffset) throw fail(`its offsets buffer has ${props.valueOffsets.length} bytes`);
  }
  if (props.views && props.views.length < length * 16) throw fail(`its views buffer has ${props.views.length} bytes`);
  try {
    return makeData(props as unknown as Parameters<typeof makeData>[0]);
  } catch (cause) {
    throw new DataCorruptedError(`${file}: ${what} could not be read (${(cause as Error).message}). Its buffers are misaligned or malformed; re-write the file with an Arrow IPC writer.`, { cause });
  }
}
