import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as GcsModule from '@google-cloud/storage';
import type { File, Storage, StorageOptions } from '@google-cloud/storage';
import { InvalidArgumentError } from '@mlops/contracts';
import { normalizeBody } from './body.js';
import { mapGcsError, type GcsErrorContext } from './gcs-errors.js';
import { normalizeStorePrefix, validateKey, validateKeyPrefix } from './keys.js';
import { importPeer, lazy } from './peer.js';
import { checkPutOptions, checkReadOptions, objectNotFound, pageSizeOf, preconditionFailed, storeClosed } from './store-errors.js';
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
  importPeer('@google-cloud/storage', '@mlops/storage GCS store', () => import('@google-cloud/storage'));

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

  /** Metadata of the live generation, checked against `ifMatch`, and a handle pinned to it. */
  const openLive = async (key: string, options: GetOptions | undefined): Promise<{ meta: ObjectMeta; file: File }> => {
    ensureOpen();
    validateKey(key);
    checkReadOptions(options);
    const bucket = await connect();
    let metadata: GcsObjectMetadata;
    try {
      [metadata] = await bucket.file(prefix + key).getMetadata();
    } catch (error) {
      throw mapGcsError(error, context('get', key));
    }
    options?.signal?.throwIfAborted();
    const meta = metaOf(key, metadata);
    if (options?.ifMatch !== undefined && options.ifMatch !== meta.etag) {
      throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, `generation ${meta.etag}`);
    }
    return { meta, file: bucket.file(prefix + key, { generation: Number(meta.etag) }) };
  };

  async function* listPages(listOptions: ListOptions | undefined): AsyncGenerator<ListPage> {
    const listPrefix = validateKeyPrefix(listOptions?.prefix, 'prefix');
    const startAfter = validateKeyPrefix(listOptions?.startAfter, 'startAfter');
    const pageSize = pageSizeOf(listOptions);
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
      for (let attempt = 0; ; attempt++) {
        const { meta, file } = await openLive(key, options);
        try {
          const [body] = await file.download();
          return { ...meta, size: body.byteLength, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
        } catch (error) {
          const mapped = mapGcsError(error, context('get', key));
          // The generation we saw was replaced between metadata and download: read the new one.
          if ((mapped as { code?: string }).code === 'NOT_FOUND' && attempt < 3 && options?.ifMatch === undefined) continue;
          throw mapped;
        }
      }
    },

    async getStream(key: string, options?: GetOptions): Promise<StoredObjectStream> {
      const { meta, file } = await openLive(key, options);
      const body = new PassThrough({ highWaterMark: 1 << 20 });
      const source = file.createReadStream();
      source.on('error', (error) => body.destroy(mapGcsError(error, context('get', key)) as Error));
      body.on('close', () => source.destroy());
      source.pipe(body);
      return { ...meta, body };
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
        if (mapped instanceof Error && (mapped as { code?: string }).code === 'NOT_FOUND' && /No object|key/.test(mapped.message)) return undefined;
        throw mapped;
      }
    },

    list(options?: ListOptions): AsyncIterable<ListPage> {
      ensureOpen();
      validateKeyPrefix(options?.prefix, 'prefix');
      validateKeyPrefix(options?.startAfter, 'startAfter');
      pageSizeOf(options);
      return listPages(options);
    },

    async delete(key: string, options?: DeleteOptions): Promise<void> {
      ensureOpen();
      validateKey(key);
      checkReadOptions(options);
      const condition = options?.ifMatch === undefined ? undefined : { ifMatch: options.ifMatch };
      if (options?.ifMatch !== undefined && !GENERATION.test(options.ifMatch)) {
        if (!(await this.head(key))) throw objectNotFound(url, key);
        throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, 'an etag that is not a GCS generation');
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
