import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as GcsModule from '@google-cloud/storage';
import type { File, Storage, StorageOptions } from '@google-cloud/storage';
import { InvalidArgumentError, MlopsError, loadOptionalPeer } from '@mlops/contracts/errors';
import { normalizeBody, readAll } from './body.js';
import { mapGcsError, type GcsErrorContext } from './gcs-errors.js';
import { normalizeStorePrefix, validateKey } from './keys.js';
import { lazy } from './lazy.js';
import { checkListOptions, checkPutOptions, checkReadOptions, objectNotFound, preconditionFailed, storeClosed } from './store-errors.js';
import type {
  DeleteOptions,
  GetOptions,
  ListOptions,
  ListPage,
  ObjectMeta,
  ObjectStoreV1,
  PutBody,
  PutOptions,
  PutResult,
  StoredObject,
  StoredObjectStream,
} from './types.js';

/** Options for {@link createGcsStore}. */
export interface GcsStoreOptions {
  /** Bucket name. */
  bucket: string;
  /** Object-name prefix inside the bucket that acts as the store's root. Default: the bucket root. */
  prefix?: string;
  /** A `Storage` client to use (shared with the rest of your app). */
  storage?: Storage;
  /**
   * Options for a `Storage` client the store creates on first use (`projectId`, `keyFilename`,
   * `apiEndpoint`...). Ignored when `storage` is given. Default: Application Default Credentials;
   * `STORAGE_EMULATOR_HOST` is honoured by the SDK.
   */
  options?: StorageOptions;
  /** Byte bodies larger than this use a resumable upload; smaller ones a single request. Default 8 MiB. */
  resumableThresholdBytes?: number;
}

type GcsSdk = typeof GcsModule;

interface GcsObjectMetadata {
  name?: string;
  size?: string | number;
  generation?: string | number;
  updated?: string;
}

const loadGcsSdk = (): Promise<GcsSdk> =>
  loadOptionalPeer('@google-cloud/storage', '@mlops/storage GCS store', () => import('@google-cloud/storage'));

/** Loads every peer the GCS driver needs, so `openStore` reports a missing one when the store is opened. */
export async function loadGcsPeers(): Promise<void> {
  await loadGcsSdk();
}

/** GCS generations are decimal int64 strings; anything else can't match a live object. */
const GENERATION = /^[0-9]{1,19}$/;

/**
 * An object store on Google Cloud Storage.
 *
 * `@google-cloud/storage` is an optional peer dependency imported on first use. The etag of an
 * object is its GCS `generation`; conditional writes use `ifGenerationMatch` (`0` for
 * create-if-absent), which GCS enforces atomically, so writers on many machines are safe.
 * Reads pin the generation they saw, so body and etag always belong together.
 */
export function createGcsStore(options: GcsStoreOptions): ObjectStoreV1 {
  if (typeof options?.bucket !== 'string' || !/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(options.bucket)) {
    throw new InvalidArgumentError(
      `createGcsStore: expected options.bucket to be a GCS bucket name (3-222 chars of a-z, 0-9, ".", "_", "-"), found ${JSON.stringify(options?.bucket)}.`,
    );
  }
  const bucketName = options.bucket;
  const prefix = normalizeStorePrefix(options.prefix);
  const url = `gs://${bucketName}${prefix ? `/${prefix.slice(0, -1)}` : ''}`;
  const resumableThreshold = options.resumableThresholdBytes ?? 8 << 20;
  let closed = false;

  const connect = lazy(async () => {
    const sdk = await loadGcsSdk();
    if (closed) throw storeClosed(url);
    const storage = options.storage ?? new sdk.Storage(options.options ?? {});
    return storage.bucket(bucketName);
  });
  const ensureOpen = () => {
    if (closed) throw storeClosed(url);
  };
  const context = (operation: string, key?: string, condition?: GcsErrorContext['condition']): GcsErrorContext => ({
    storeUrl: url,
    bucket: bucketName,
    operation,
    key,
    condition,
  });
  const metaOf = (key: string, m: GcsObjectMetadata): ObjectMeta => ({
    key,
    size: Number(m.size ?? 0),
    etag: String(m.generation ?? ''),
    lastModified: m.updated ? new Date(m.updated) : new Date(0),
  });

  /**
   * Open a download and wait for its response headers: body, generation, size and date all come
   * from that one response, so they always belong together (no metadata-then-read race).
   */
  const openDownload = async (key: string, options: GetOptions | undefined): Promise<StoredObjectStream> => {
    ensureOpen();
    validateKey(key);
    checkReadOptions(options);
    const bucket = await connect();
    if (options?.ifMatch !== undefined && !GENERATION.test(options.ifMatch)) {
      const [exists] = await bucket.file(prefix + key).exists().catch((error: unknown) => {
        throw mapGcsError(error, context('get', key));
      });
      if (!exists) throw objectNotFound(url, key);
      throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, 'an etag that is not a GCS generation');
    }
    // With ifMatch, ask for exactly that generation: the server answers 404 instead of sending a
    // body we would have to abort (an aborted download holds its socket for seconds).
    const file =
      options?.ifMatch === undefined ? bucket.file(prefix + key) : bucket.file(prefix + key, { generation: Number(options.ifMatch) });
    const source = file.createReadStream();
    const body = new PassThrough({ highWaterMark: 1 << 20 });
    let onAbort: (() => void) | undefined;
    const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      onAbort = () => {
        source.destroy();
        reject(options?.signal?.reason as Error);
      };
      options?.signal?.addEventListener('abort', onAbort, { once: true });
      source.once('response', (response: { statusCode?: number; headers?: Record<string, string | string[] | undefined> }) => {
        // An error status is followed by an 'error' event carrying the parsed API error.
        if ((response.statusCode ?? 200) < 300) resolve(response.headers ?? {});
      });
      source.once('error', (error) => reject(mapGcsError(error, context('get', key))));
      source.pipe(body);
    }).catch(async (error: unknown) => {
      if (options?.ifMatch === undefined || !MlopsError.isInstance(error, 'NOT_FOUND')) throw error;
      // No such generation: either the object is gone, or it was rewritten since.
      const [exists] = await bucket.file(prefix + key).exists();
      throw exists ? preconditionFailed(url, key, { ifMatch: options.ifMatch }, 'a newer generation') : error;
    }).finally(() => {
      if (onAbort) options?.signal?.removeEventListener('abort', onAbort);
    });
    source.on('error', (error) => body.destroy(mapGcsError(error, context('get', key)) as Error));
    body.on('close', () => source.destroy());
    const header = (name: string) => {
      const value = headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const etag = header('x-goog-generation') ?? '';
    const meta: ObjectMeta = {
      key,
      size: Number(header('x-goog-stored-content-length') ?? header('content-length') ?? 0),
      etag,
      lastModified: header('last-modified') ? new Date(header('last-modified')!) : new Date(0),
    };
    if (options?.ifMatch !== undefined && options.ifMatch !== etag) {
      body.destroy();
      throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, `generation ${etag}`);
    }
    const signal = options?.signal;
    if (signal) {
      const abortBody = () => body.destroy(signal.reason as Error);
      signal.addEventListener('abort', abortBody, { once: true });
      body.once('close', () => signal.removeEventListener('abort', abortBody));
    }
    return { ...meta, body };
  };

  async function* listPages(listOptions: ListOptions | undefined): AsyncGenerator<ListPage> {
    const { prefix: listPrefix, startAfter, pageSize } = checkListOptions(listOptions);
    ensureOpen();
    const bucket = await connect();
    const fullStartAfter = startAfter ? prefix + startAfter : '';
    let pageToken: string | undefined;
    let yielded = false;
    do {
      listOptions?.signal?.throwIfAborted();
      let files: File[];
      let response: { prefixes?: string[]; nextPageToken?: string } | undefined;
      try {
        [files, , response] = (await bucket.getFiles({
          autoPaginate: false,
          prefix: prefix + listPrefix,
          delimiter: listOptions?.delimiter,
          maxResults: pageSize,
          pageToken,
          // startOffset is inclusive; the exact startAfter key is dropped below.
          startOffset: fullStartAfter || undefined,
        })) as unknown as [File[], unknown, { prefixes?: string[]; nextPageToken?: string } | undefined];
      } catch (error) {
        throw mapGcsError(error, context('list'));
      }
      const page: ListPage = {
        objects: files
          .filter((f) => f.name !== fullStartAfter)
          .map((f) => metaOf(f.name.slice(prefix.length), f.metadata as GcsObjectMetadata)),
        prefixes: (response?.prefixes ?? []).map((p) => p.slice(prefix.length)),
      };
      pageToken = response?.nextPageToken || undefined;
      if (page.objects.length > 0 || page.prefixes.length > 0 || (!yielded && pageToken === undefined)) {
        yielded = true;
        yield page;
      }
    } while (pageToken !== undefined);
  }

  const writeTo = async (writable: Writable, source: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): Promise<number> => {
    let size = 0;
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const chunk of source) {
            signal?.throwIfAborted();
            size += chunk.byteLength;
            yield chunk;
          }
        })(),
        { objectMode: false },
      ),
      writable,
      { signal },
    );
    return size;
  };

  return {
    specificationVersion: 'v1',
    kind: 'gcs',
    url,
    capabilities: { conditionalWrites: true, multiWriterSafe: true, streamingUpload: true, consistentList: true },

    async get(key: string, options?: GetOptions): Promise<StoredObject> {
      const { body, ...meta } = await openDownload(key, options);
      const bytes = await readAll(body);
      return { ...meta, size: bytes.byteLength, body: bytes };
    },

    async getStream(key: string, options?: GetOptions): Promise<StoredObjectStream> {
      return openDownload(key, options);
    },

    async put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult> {
      ensureOpen();
      validateKey(key);
      checkPutOptions(options);
      const normalized = normalizeBody(body);
      const condition = { ifNoneMatch: options?.ifNoneMatch, ifMatch: options?.ifMatch };
      let ifGenerationMatch: number | undefined;
      if (options?.ifNoneMatch === '*') ifGenerationMatch = 0;
      else if (options?.ifMatch !== undefined) {
        if (!GENERATION.test(options.ifMatch)) {
          throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, 'an etag that is not a GCS generation');
        }
        ifGenerationMatch = Number(options.ifMatch);
      }
      const bucket = await connect();
      const file = bucket.file(prefix + key);
      const resumable = normalized.kind === 'stream' || normalized.bytes.byteLength > resumableThreshold;
      try {
        const writable = file.createWriteStream({
          resumable,
          contentType: options?.contentType,
          preconditionOpts: ifGenerationMatch === undefined ? undefined : { ifGenerationMatch },
        });
        const size =
          normalized.kind === 'bytes'
            ? await writeTo(writable, [normalized.bytes] as unknown as AsyncIterable<Uint8Array>, options?.signal)
            : await writeTo(writable, normalized.chunks, options?.signal);
        const meta = file.metadata as GcsObjectMetadata;
        return { etag: String(meta.generation ?? ''), size };
      } catch (error) {
        options?.signal?.throwIfAborted();
        throw mapGcsError(error, context('put', key, condition));
      }
    },

    async head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectMeta | undefined> {
      ensureOpen();
      validateKey(key);
      options?.signal?.throwIfAborted();
      const bucket = await connect();
      try {
        const [metadata] = await bucket.file(prefix + key).getMetadata();
        return metaOf(key, metadata);
      } catch (error) {
        const mapped = mapGcsError(error, context('head', key));
        // A missing object is "absent"; a missing bucket (no key in details) stays an error.
        if (MlopsError.isInstance(mapped, 'NOT_FOUND') && mapped.details?.key !== undefined) return undefined;
        throw mapped;
      }
    },

    list(options?: ListOptions): AsyncIterable<ListPage> {
      ensureOpen();
      checkListOptions(options);
      return listPages(options);
    },

    async delete(key: string, options?: DeleteOptions): Promise<void> {
      ensureOpen();
      validateKey(key);
      checkReadOptions(options);
      const condition = options?.ifMatch === undefined ? undefined : { ifMatch: options.ifMatch };
      if (options?.ifMatch !== undefined) {
        // Check first: a missing object is NOT_FOUND on every driver, and a stale generation
        // fails fast (the client retries a 412 on delete with backoff). The delete below still
        // carries ifGenerationMatch, so a change in between is caught by GCS.
        const current = await this.head(key, options);
        if (!current) throw objectNotFound(url, key);
        if (current.etag !== options.ifMatch) {
          throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, `generation ${current.etag}`);
        }
      }
      const bucket = await connect();
      try {
        await bucket.file(prefix + key).delete({
          ignoreNotFound: options?.ifMatch === undefined,
          ifGenerationMatch: options?.ifMatch === undefined ? undefined : Number(options.ifMatch),
        });
      } catch (error) {
        throw mapGcsError(error, context('delete', key, condition));
      }
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}
