import { PassThrough } from 'node:stream';
import { Field, Schema, Table, vectorFromArray } from 'apache-arrow';
import type { DataType, RecordBatch, Vector } from 'apache-arrow';
import type { ArrowTableLike } from '@mlops/contracts';
import { MlopsError, PreconditionFailedError, UnsupportedError, createIpcWriter, createParquetWriter, readIpcBatches, readParquetBatches } from '@mlops/contracts';
import type { ObjectStore } from '@mlops/storage';
import type { Catalog } from './catalog.js';
import { sourceSchemaProblems } from './catalog.js';
import { castColumn } from './cast-column.js';
import type { FeatureView, FileSource } from './definitions.js';
import type { SourceContext } from './source-reader.js';
import { formatOf, openSourceObject } from './source-reader.js';

/** Compare-and-swap attempts before a push gives up on a source that keeps changing. */
const MAX_ATTEMPTS = 5;
const IPC_FILE_MAGIC = 'ARROW1';

function isIpcFileFormat(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 6 && Buffer.from(bytes.subarray(0, 6)).toString('latin1') === IPC_FILE_MAGIC;
}

// Pushed rows in the file's exact column types (columns the rows lack are null).
function conform(rows: ArrowTableLike, schema: Schema): Table {
  const columns: Record<string, Vector> = {};
  for (const field of schema.fields) {
    const column = rows.getChild(field.name);
    columns[field.name] = column ? castColumn(column, field.type, field.name) : (vectorFromArray(new Array(rows.numRows).fill(null), field.type as DataType) as Vector);
  }
  return new Table(columns);
}

/**
 * Writes `rows` into the file behind a file-backed view: the file is re-encoded, its batches
 * streamed as they are read, with the pushed rows appended, in the file's own format (Parquet or
 * Arrow IPC) and column types. The store's `put` is atomic, so a reader sees the old file or the
 * new one, never a part; where the store enforces conditional writes the put is a compare-and-swap
 * on the etag read (a concurrent push makes this one re-read and retry, up to 5 times, then
 * `PRECONDITION_FAILED`, retryable). A missing file is created from the pushed rows.
 */
export async function pushOffline(catalog: Catalog, view: FeatureView, rows: ArrowTableLike, context: SourceContext): Promise<void> {
  const source = view.source as FileSource;
  const format = formatOf(source);
  if (format !== 'parquet' && format !== 'ipc') {
    throw new UnsupportedError(`push to "offline" for view "${view.name}": its source ${source.path} is ${format.toUpperCase()}, which cannot be rewritten with its types intact. Convert the source to Parquet or Arrow IPC, or push "online" only.`, {
      details: { view: view.name, path: source.path, format },
    });
  }
  const target = await openSourceObject(source, context);
  try {
    const conditional = target.store.capabilities.conditionalWrites;
    for (let attempt = 1; ; attempt++) {
      try {
        await rewrite(catalog, view, rows, target.store, target.key, format, conditional);
        return;
      } catch (error) {
        if (!MlopsError.isInstance(error, 'PRECONDITION_FAILED') || attempt >= MAX_ATTEMPTS) {
          if (MlopsError.isInstance(error, 'PRECONDITION_FAILED')) {
            throw new PreconditionFailedError(`push to "offline" for view "${view.name}": ${source.path} changed under every one of ${MAX_ATTEMPTS} attempts (other writers). Retry later.`, { cause: error, retryable: true });
          }
          throw error;
        }
      }
    }
  } finally {
    await target.close();
  }
}

async function rewrite(catalog: Catalog, view: FeatureView, rows: ArrowTableLike, store: ObjectStore, key: string, format: 'parquet' | 'ipc', conditional: boolean): Promise<void> {
  let existing: { body: Uint8Array; etag: string } | undefined;
  try {
    existing = await store.get(key);
  } catch (error) {
    if (!MlopsError.isInstance(error, 'NOT_FOUND')) throw error;
  }
  const batches: AsyncIterable<ArrowTableLike | RecordBatch> | undefined = existing ? (format === 'parquet' ? readParquetBatches(existing.body) : readIpcBatches(existing.body)) : undefined;
  const iterator = batches?.[Symbol.asyncIterator]();
  const first = iterator ? await iterator.next() : undefined;
  const fileSchema: Schema = first && !first.done ? (first.value.schema as unknown as Schema) : (rows.schema as unknown as Schema);
  const problems = sourceSchemaProblems(catalog, view, fileSchema.fields);
  if (problems.length > 0) {
    throw new MlopsError('SCHEMA_MISMATCH', `push to "offline" for view "${view.name}": the source file ${key} no longer matches the view's definition:\n- ${problems.join('\n- ')}\nFix the file or the view; nothing was written.`, {
      details: { view: view.name, key, problems },
    });
  }
  // Every column nullable: pushed rows may carry nulls where the file had none.
  const schema = new Schema(fileSchema.fields.map((f) => (f.nullable ? f : new Field(f.name, f.type, true, f.metadata))), fileSchema.metadata);
  const pushed = conform(rows, schema);

  const body = new PassThrough();
  let putError: unknown;
  const putting = store.put(key, body, conditional ? (existing ? { ifMatch: existing.etag } : { ifNoneMatch: '*' }) : {}).catch((error: unknown) => {
    putError = error;
    body.destroy();
    throw error;
  });
  putting.catch(() => undefined);
  // A failed put must not leave the encoder waiting for 'drain' on a destroyed stream.
  const orPutFailure = <T>(step: Promise<T>): Promise<T> => Promise.race([step, putting.then(() => new Promise<never>(() => undefined))]);
  try {
    const writer = format === 'parquet' ? await createParquetWriter({ stream: body, schema }) : createIpcWriter({ stream: body, format: existing && !isIpcFileFormat(existing.body) ? 'stream' : 'file' });
    const asSchema = (batch: ArrowTableLike | RecordBatch): Table => {
      const columns: Record<string, Vector> = {};
      for (const field of schema.fields) columns[field.name] = batch.getChild(field.name) as Vector;
      return new Table(columns);
    };
    if (first && !first.done) {
      await orPutFailure(writer.write(asSchema(first.value)));
      for (let next = await iterator!.next(); !next.done; next = await iterator!.next()) await orPutFailure(writer.write(asSchema(next.value)));
    }
    await orPutFailure(writer.write(pushed));
    await orPutFailure(writer.close());
  } catch (error) {
    // Destroying (not ending) the body makes the put fail: nothing appears at the key.
    body.destroy(error instanceof Error ? error : new Error(String(error)));
    await putting.catch(() => undefined);
    throw putError ?? error;
  }
  await putting;
}
