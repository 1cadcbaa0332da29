import { Readable } from 'node:stream';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { InvalidArgumentError, loadOptionalPeer, UnsupportedError } from '@mlops/contracts/errors';
import { normalizeBody } from './body.js';
import { normalizeStorePrefix, validateKey } from './keys.js';
import { lazy } from './lazy.js';
import { mapS3Error, type S3ErrorContext } from './s3-errors.js';
import { checkListOptions, checkPutOptions, checkReadOptions, preconditionFailed, storeClosed } from './store-errors.js';
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
  SweepOptions,
  IncompleteWrite,
  StoredObject,
  StoredObjectStream,
} from './types.js';

/** Options for {@link createS3Store}. */
export interface S3StoreOptions {
  /** Bucket name. */
  bucket: string;
  /** Key prefix inside the bucket that acts as the store's root, e.g. `"mlops/prod"`. Default: the bucket root. */
  prefix?: string;
  /** An S3 client to use (shared with the rest of your app). The store never destroys a client it was given. */
  client?: S3Client;
  /**
   * Config for a client the store creates on first use (region, endpoint, credentials,
   * `forcePathStyle` for MinIO-style servers). Ignored when `client` is given. Default: the
   * SDK's environment defaults (`AWS_REGION`, `AWS_ENDPOINT_URL_S3`, credential chain).
   */
  clientConfig?: S3ClientConfig;
  /** Byte bodies larger than this go up as a multipart upload; smaller ones as one PutObject. Default 8 MiB. */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (S3 minimum 5 MiB). Default 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded in parallel; memory held is about `partSizeBytes * (queueSize + 1)`. Default 2. */
  queueSize?: number;
}

const MiB = 1 << 20;

const loadS3Sdk = () => loadOptionalPeer('@aws-sdk/client-s3', '@mlops/storage S3 store', () => import('@aws-sdk/client-s3'));
const loadLibStorage = () =>
  loadOptionalPeer('@aws-sdk/lib-storage', '@mlops/storage S3 store (multipart uploads)', () => import('@aws-sdk/lib-storage'));

/**
 * Loads every peer the S3 driver needs, so a missing one (lib-storage is used only by large and
 * streamed puts) is reported when the store is opened or first used, not in production at the
 * first streamed put.
 */
export async function loadS3Peers() {
  const [sdk, libStorage] = await Promise.all([loadS3Sdk(), loadLibStorage()]);
  return { sdk, libStorage };
}

function checkSize(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) {
    throw new InvalidArgumentError(`createS3Store: expected ${name} to be an integer >= ${min}, found ${String(value)}.`);
  }
  return v;
}

/** A Node Readable that counts bytes passing through, so multipart puts can report their size. */
function countingReadable(chunks: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined, onBytes: (n: number) => void): Readable {
  return Readable.from(
    (async function* () {
      for await (const chunk of chunks) {
        signal?.throwIfAborted();
        onBytes(chunk.byteLength);
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

/**
 * An object store on Amazon S3 or an S3-compatible server (MinIO, R2, s3rver...).
 *
 * The AWS SDK (`@aws-sdk/client-s3`, and `@aws-sdk/lib-storage` for multipart uploads) is an
 * optional peer dependency, imported the first time the store talks to S3: creating the store
 * loads nothing. Conditional writes use S3's `If-None-Match: *` / `If-Match: <etag>` on
 * PutObject and CompleteMultipartUpload, so concurrent writers on many machines are safe.
 * Large or streamed bodies go up as multipart uploads without being buffered whole.
 */
export function createS3Store(options: S3StoreOptions): ObjectStoreV1 {
  if (typeof options?.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
    throw new InvalidArgumentError(
      `createS3Store: expected options.bucket to be an S3 bucket name (3-63 chars of a-z, 0-9, ".", "-"), found ${JSON.stringify(options?.bucket)}.`,
    );
  }
  const bucket = options.bucket;
  const prefix = normalizeStorePrefix(options.prefix);
  const url = `s3://${bucket}${prefix ? `/${prefix.slice(0, -1)}` : ''}`;
  const multipartThreshold = checkSize('multipartThresholdBytes', options.multipartThresholdBytes, 8 * MiB, 0);
  const partSize = checkSize('partSizeBytes', options.partSizeBytes, 8 * MiB, 5 * MiB);
  const queueSize = checkSize('queueSize', options.queueSize, 2, 1);
  let created: S3Client | undefined;
  let closed = false;

  const connect = lazy(async () => {
    const { sdk, libStorage } = await loadS3Peers();
    if (closed) throw storeClosed(url);
    const client = options.client ?? (created = new sdk.S3Client(options.clientConfig ?? {}));
    return { sdk, client, Upload: libStorage.Upload };
  });
  const ensureOpen = () => {
    if (closed) throw storeClosed(url);
  };
  const context = (operation: string, key?: string, condition?: S3ErrorContext['condition']): S3ErrorContext => ({
    storeUrl: url,
    bucket,
    operation,
    key,
    condition,
  });
  const metaOf = (key: string, size: number | undefined, etag: string | undefined, lastModified: Date | undefined): ObjectMeta => ({
    key,
    size: size ?? 0,
    etag: etag ?? '',
    lastModified: lastModified ?? new Date(0),
  });

  const getObject = async (key: string, options: GetOptions | undefined) => {
    ensureOpen();
    validateKey(key);
    checkReadOptions(options);
    const { sdk, client } = await connect();
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: prefix + key, IfMatch: options?.ifMatch }), {
        abortSignal: options?.signal,
      });
      if (options?.ifMatch !== undefined && out.ETag !== options.ifMatch) {
        // Servers that ignore If-Match on GET must not turn a lost race into a silent success.
        (out.Body as Readable | undefined)?.destroy();
        throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, `etag ${JSON.stringify(out.ETag)}`);
      }
      return out;
    } catch (error) {
      throw mapS3Error(error, context('get', key, options?.ifMatch === undefined ? undefined : { ifMatch: options.ifMatch }));
    }
  };

  async function* listPages(listOptions: ListOptions | undefined): AsyncGenerator<ListPage> {
    const { prefix: listPrefix, startAfter, pageSize } = checkListOptions(listOptions);
    ensureOpen();
    const { sdk, client } = await connect();
    let token: string | undefined;
    let yielded = false;
    do {
      let out;
      try {
        out = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix + listPrefix,
            Delimiter: listOptions?.delimiter,
            StartAfter: startAfter ? prefix + startAfter : undefined,
            MaxKeys: pageSize,
            ContinuationToken: token,
          }),
          { abortSignal: listOptions?.signal },
        );
      } catch (error) {
        throw mapS3Error(error, context('list'));
      }
      const page: ListPage = {
        objects: (out.Contents ?? []).map((o) => metaOf(o.Key!.slice(prefix.length), o.Size, o.ETag, o.LastModified)),
        prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix!.slice(prefix.length)),
      };
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
      if (page.objects.length > 0 || page.prefixes.length > 0 || (!yielded && token === undefined)) {
        yielded = true;
        yield page;
      }
    } while (token !== undefined);
  }

  return {
    specificationVersion: 'v1',
    kind: 's3',
    url,
    capabilities: { conditionalWrites: true, multiWriterSafe: true, streamingUpload: true, consistentList: true },

    async get(key: string, options?: GetOptions): Promise<StoredObject> {
      const out = await getObject(key, options);
      try {
        const body = await out.Body!.transformToByteArray();
        return { ...metaOf(key, body.byteLength, out.ETag, out.LastModified), body };
      } catch (error) {
        throw mapS3Error(error, context('get', key));
      }
    },

    async getStream(key: string, options?: GetOptions): Promise<StoredObjectStream> {
      const out = await getObject(key, options);
      const body = out.Body instanceof Readable ? out.Body : Readable.fromWeb(out.Body!.transformToWebStream() as never);
      return { ...metaOf(key, out.ContentLength, out.ETag, out.LastModified), body };
    },

    async put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult> {
      ensureOpen();
      validateKey(key);
      checkPutOptions(options);
      const normalized = normalizeBody(body);
      const condition = { ifNoneMatch: options?.ifNoneMatch, ifMatch: options?.ifMatch };
      const params = {
        Bucket: bucket,
        Key: prefix + key,
        ContentType: options?.contentType,
        IfNoneMatch: options?.ifNoneMatch,
        IfMatch: options?.ifMatch,
      };
      const { sdk, client, Upload } = await connect();
      try {
        if (normalized.kind === 'bytes' && normalized.bytes.byteLength <= multipartThreshold) {
          const out = await client.send(
            new sdk.PutObjectCommand({ ...params, Body: normalized.bytes, ContentLength: normalized.bytes.byteLength }),
            { abortSignal: options?.signal },
          );
          return { etag: out.ETag ?? '', size: normalized.bytes.byteLength };
        }
        let size = normalized.kind === 'bytes' ? normalized.bytes.byteLength : 0;
        // Bytes go to lib-storage as they are (it slices parts without copying); streams are
        // counted on the way through.
        const source =
          normalized.kind === 'bytes'
            ? normalized.bytes
            : countingReadable(normalized.chunks, options?.signal, (n) => {
                size += n;
              });
        // lib-storage sends the conditional headers with the single PutObject (small streams)
        // or with CompleteMultipartUpload, so the precondition is decided when the object lands.
        const upload = new Upload({ client, params: { ...params, Body: source }, partSize, queueSize, leavePartsOnError: false });
        const onAbort = () => void upload.abort().catch(() => undefined);
        options?.signal?.addEventListener('abort', onAbort, { once: true });
        try {
          const out = await upload.done();
          return { etag: out.ETag ?? '', size };
        } finally {
          options?.signal?.removeEventListener('abort', onAbort);
          if (source instanceof Readable) source.destroy();
        }
      } catch (error) {
        options?.signal?.throwIfAborted();
        throw mapS3Error(error, context('put', key, condition));
      }
    },

    async head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectMeta | undefined> {
      ensureOpen();
      validateKey(key);
      options?.signal?.throwIfAborted();
      const { sdk, client } = await connect();
      try {
        const out = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: prefix + key }), { abortSignal: options?.signal });
        return metaOf(key, out.ContentLength, out.ETag, out.LastModified);
      } catch (error) {
        const mapped = mapS3Error(error, context('head', key));
        if ((mapped as { code?: string }).code === 'NOT_FOUND' && (error as { name?: string }).name !== 'NoSuchBucket') return undefined;
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
      const { sdk, client } = await connect();
      const condition = options?.ifMatch === undefined ? undefined : { ifMatch: options.ifMatch };
      try {
        if (options?.ifMatch !== undefined) {
          // S3 enforces If-Match on DeleteObject, but answers a missing key with 204; check first
          // so a missing object is NOT_FOUND on every driver.
          const head = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: prefix + key }), { abortSignal: options.signal });
          if (head.ETag !== options.ifMatch) {
            throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, `etag ${JSON.stringify(head.ETag)}`);
          }
        }
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: prefix + key, IfMatch: options?.ifMatch }), {
          abortSignal: options?.signal,
        });
      } catch (error) {
        throw mapS3Error(error, context('delete', key, condition));
      }
    },

    async sweepIncompleteWrites(options: SweepOptions): Promise<IncompleteWrite[]> {
      ensureOpen();
      const { sdk, client } = await connect();
      const found: IncompleteWrite[] = [];
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      try {
        do {
          const page = await client.send(
            new sdk.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix + (options.prefix ?? ''), KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
          );
          for (const upload of page.Uploads ?? []) {
            if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= options.olderThan) continue;
            if (!options.dryRun) await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
            found.push({ key: upload.Key.slice(prefix.length), size: 0, startedAt: upload.Initiated });
          }
          keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
          uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
        } while (keyMarker !== undefined);
      } catch (error) {
        // Some S3-compatible servers (s3rver) do not implement ListMultipartUploads.
        if ((error as { name?: string } | undefined)?.name === 'NotImplemented') {
          throw new UnsupportedError(`${url} does not implement ListMultipartUploads, so incomplete uploads cannot be listed; rely on a bucket lifecycle rule (AbortIncompleteMultipartUpload).`, {
            cause: error,
          });
        }
        throw mapS3Error(error, context('sweep', options.prefix ?? ''));
      }
      return found;
    },

    async close(): Promise<void> {
      closed = true;
      // Only a client this store created is ours to destroy; an injected one belongs to the caller.
      created?.destroy();
      created = undefined;
    },
  };
}
