import path from 'node:path';
import type { ArrowTableLike } from '@mlops/contracts';
import { InvalidArgumentError, MlopsError, SchemaMismatchError, readCsv, readCsvBatches, readIpcBatches, readParquet, readParquetBatches, tableFromIpc } from '@mlops/contracts';
import type { ObjectStore, OpenStoreOptions } from '@mlops/storage';
import { openStore } from '@mlops/storage';
import type { Catalog } from './catalog.js';
import { sourceSchemaProblems } from './catalog.js';
import type { FeatureView, FileSource, SourceFormat } from './definitions.js';
import { isFileSource } from './definitions.js';

/** Where file sources are read from when they name no store of their own. */
export interface SourceContext {
  /** Store for source paths that are plain keys. */
  offlineStore?: ObjectStore;
  /** Client settings for the stores opened for `s3://` / `gs://` / `file://` source URLs. */
  storeOptions?: OpenStoreOptions;
}

export function formatOf(source: FileSource): SourceFormat {
  if (source.format) return source.format;
  const ext = path.extname(source.path).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.arrow' || ext === '.ipc' || ext === '.feather' || ext === '.arrows') return 'ipc';
  if (ext === '.csv') return 'csv';
  throw new InvalidArgumentError(`Source "${source.path}": cannot tell the format from the extension "${ext}"; expected .parquet, .arrow/.ipc/.feather or .csv, or set format.`);
}

/** The store and key a file source lives at; `close` releases a store opened for it. */
export interface SourceObject {
  store: ObjectStore;
  key: string;
  close(): Promise<void>;
}

/** Resolves a file source to its store and key: its own store, the offline store for plain keys, else a URL or local path (its directory opened as a store). */
export async function openSourceObject(source: FileSource, context: SourceContext): Promise<SourceObject> {
  if (source.store) return { store: source.store, key: source.path, close: async () => undefined };
  if (context.offlineStore && !/^[a-z][a-z0-9+.-]*:\/\//i.test(source.path) && !path.isAbsolute(source.path)) return { store: context.offlineStore, key: source.path, close: async () => undefined };
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(source.path);
  const url = isUrl ? source.path : `file://${path.resolve(source.path)}`;
  const cut = url.lastIndexOf('/');
  const store = await openStore(url.slice(0, cut), context.storeOptions);
  return { store, key: decodeURIComponent(url.slice(cut + 1)), close: () => store.close() };
}

async function readBytes(source: FileSource, context: SourceContext): Promise<Uint8Array> {
  const object = await openSourceObject(source, context);
  try {
    return (await object.store.get(object.key)).body;
  } finally {
    await object.close();
  }
}

/**
 * The source rows of `view` as an Arrow table, checked against the view's definition. A file
 * whose schema no longer fits (a column dropped or retyped since the view was defined) throws
 * `SCHEMA_MISMATCH` listing every problem. Parquet reads only the needed columns.
 */
export async function readViewSource(catalog: Catalog, view: FeatureView, context: SourceContext, columns?: readonly string[]): Promise<ArrowTableLike> {
  if (!isFileSource(view.source)) return view.source as ArrowTableLike;
  const source = view.source;
  const format = formatOf(source);
  const bytes = await readBytes(source, context);
  let table: ArrowTableLike;
  if (format === 'parquet') {
    // Read only the needed columns; when one is missing, read all so the check below names it.
    table = await (columns ? readParquet(bytes, { columns }) : readParquet(bytes)).catch((error: unknown) => {
      if (columns && (MlopsError.isInstance(error, 'NOT_FOUND') || MlopsError.isInstance(error, 'SCHEMA_MISMATCH') || MlopsError.isInstance(error, 'INVALID_ARGUMENT'))) return readParquet(bytes);
      throw error;
    });
  } else if (format === 'ipc') table = tableFromIpc(bytes);
  else table = readCsv(bytes);
  const problems = sourceSchemaProblems(catalog, view, table.schema.fields, columns);
  if (problems.length > 0) {
    throw new SchemaMismatchError(`The source of view "${view.name}" (${source.path}) no longer matches the view's definition:\n- ${problems.join('\n- ')}\nUpdate the view definition or fix the file.`, {
      problems,
      details: { view: view.name, path: source.path },
    });
  }
  return table;
}

// A local file path for `source` when it is one (so batch readers can read it in ranges).
export function localPath(source: FileSource, context: SourceContext): string | undefined {
  if (source.store || (context.offlineStore && !/^[a-z][a-z0-9+.-]*:\/\//i.test(source.path) && !path.isAbsolute(source.path))) return undefined;
  if (source.path.startsWith('file://')) return decodeURIComponent(new URL(source.path).pathname);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source.path) ? undefined : path.resolve(source.path);
}

/**
 * The source rows of a file-backed view as record batches, each checked against the view.
 * Local files are read in ranges (Parquet row groups, IPC batches, CSV chunks); objects on a
 * remote store are fetched whole (compressed) and decoded batch by batch.
 */
export async function* readViewSourceBatches(catalog: Catalog, view: FeatureView, context: SourceContext, columns?: readonly string[]): AsyncGenerator<ArrowTableLike, void, undefined> {
  const source = view.source as FileSource;
  const format = formatOf(source);
  const local = localPath(source, context);
  const input = local ?? (await readBytes(source, context));
  let batches: AsyncIterable<ArrowTableLike>;
  if (format === 'parquet') {
    batches = (async function* () {
      const iterator = readParquetBatches(input, columns ? { columns } : {})[Symbol.asyncIterator]();
      let first: IteratorResult<ArrowTableLike>;
      try {
        first = await iterator.next();
      } catch (error) {
        // A requested column is missing: read them all so the schema check names what is wrong.
        if (!columns || !MlopsError.isInstance(error, 'NOT_FOUND')) throw error;
        yield* readParquetBatches(input);
        return;
      }
      if (!first.done) yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })();
  } else if (format === 'ipc') batches = readIpcBatches(input);
  else batches = readCsvBatches(typeof input === 'string' ? input : [input]);
  let checked = false;
  let yielded = false;
  for await (const batch of batches) {
    yielded = true;
    if (!checked) {
      const problems = sourceSchemaProblems(catalog, view, batch.schema.fields, columns);
      if (problems.length > 0) {
        throw new SchemaMismatchError(`The source of view "${view.name}" (${source.path}) no longer matches the view's definition:\n- ${problems.join('\n- ')}\nUpdate the view definition or fix the file.`, {
          problems,
          details: { view: view.name, path: source.path },
        });
      }
      checked = true;
    }
    yield batch;
  }
  // No batches (an empty file): one empty table carries the column types.
  if (!yielded) yield await readViewSource(catalog, view, context, columns);
}
