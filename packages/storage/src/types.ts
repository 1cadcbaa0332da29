import type { Readable } from 'node:stream';

/** What a stored object looks like without its bytes. */
export interface ObjectMeta {
  /** The key relative to the store's root/prefix, `/`-separated, e.g. `models/fraud/v3.json`. */
  key: string;
  /** Size of the object in bytes. */
  size: number;
  /**
   * Opaque version tag of the object's current content. Pass it back as `ifMatch` to write
   * only if nobody changed the object since. Compare only for equality; never parse it.
   */
  etag: string;
  /** When the object was last written. */
  lastModified: Date;
}

/** An object's bytes with its metadata. */
export interface StoredObject extends ObjectMeta {
  /** The object's bytes (a copy the caller owns). */
  body: Uint8Array;
}

/** An object's metadata with its bytes as a Node stream (read lazily, never buffered whole). */
export interface StoredObjectStream extends ObjectMeta {
  /** The object's bytes as a byte stream; read it to the end or `destroy()` it to release the handle/socket. */
  body: Readable;
}

/**
 * What `put` accepts: bytes, a UTF-8 string, a Node readable, a web `ReadableStream`, or any
 * async iterable of byte chunks. Streams are written without being buffered whole where the
 * backend allows it.
 *
 * A chunk belongs to the store once it has been yielded, as with Node streams and
 * `stream.pipeline`: the memory store and the S3 and GCS uploads hold chunks until a part or the
 * object is complete. A source must therefore not reuse or modify a yielded chunk's buffer (e.g.
 * `fh.read(buffer)` into one buffer in a loop); yield a fresh buffer or a copy per chunk. Only the
 * file store writes each chunk before it asks for the next.
 */
export type PutBody = Uint8Array | string | Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Preconditions and settings for one `put`. At most one of `ifNoneMatch`/`ifMatch`. */
export interface PutOptions {
  /** `'*'`: write only if no object exists at the key (create-if-absent). */
  ifNoneMatch?: '*';
  /** Write only if the object's current etag equals this one (compare-and-swap). */
  ifMatch?: string;
  /** MIME type stored with the object where the backend keeps one. */
  contentType?: string;
  /** Abort the write; nothing is left visible at the key. */
  signal?: AbortSignal;
}

/** Result of a successful `put`. */
export interface PutResult {
  /** The etag of the object just written. */
  etag: string;
  /** Bytes written. */
  size: number;
}

/** Options for `get` / `getStream`. */
export interface GetOptions {
  /** Fail with `PRECONDITION_FAILED` unless the current etag equals this one. */
  ifMatch?: string;
  /** Abort the read. */
  signal?: AbortSignal;
}

/** Options for `delete`. Deleting a missing key succeeds (idempotent), as in S3. */
export interface DeleteOptions {
  /** Delete only if the current etag equals this one; a missing object then fails with `NOT_FOUND`. */
  ifMatch?: string;
  /** Abort the delete. */
  signal?: AbortSignal;
}

/** Options for `list`. */
export interface ListOptions {
  /** Only keys starting with this string (not necessarily at a `/` boundary). */
  prefix?: string;
  /**
   * Group keys by this delimiter after the prefix: keys containing it are not listed
   * individually but collapsed into `prefixes` (like S3 `CommonPrefixes`). Only `'/'`.
   */
  delimiter?: '/';
  /** Only keys strictly after this key, in lexicographic (UTF-8 byte) order. */
  startAfter?: string;
  /** Maximum entries (objects + prefixes) per page, 1 to 1000 (default 1000). */
  pageSize?: number;
  /** Stop listing; the iteration rejects with the abort reason. */
  signal?: AbortSignal;
}

/** One page of a listing, keys in lexicographic order. */
export interface ListPage {
  /** Objects on this page, in key order. */
  objects: ObjectMeta[];
  /** With `delimiter`: the distinct "directories" under the prefix, each ending in the delimiter. */
  prefixes: string[];
}

/** What a backend can do; callers check before relying on a feature. */
export interface StoreCapabilities {
  /** `ifNoneMatch: '*'` and `ifMatch` on `put` are enforced atomically. */
  conditionalWrites: boolean;
  /** Concurrent writers on different machines are safe (true for S3/GCS, false for file/memory). */
  multiWriterSafe: boolean;
  /** Large streamed bodies are uploaded in parts without buffering them whole. */
  streamingUpload: boolean;
  /** Listing is strongly consistent with completed writes. */
  consistentList: boolean;
}

/**
 * The storage seam every `@mlops` package writes through: local files, memory, S3, GCS.
 *
 * Errors are `MlopsError`s: `NOT_FOUND` for a missing key, `PRECONDITION_FAILED` when a
 * conditional write or read loses, `INVALID_ARGUMENT` for a bad key, `SERVICE_UNAVAILABLE`
 * (retryable) for throttling and 5xx. Writes are atomic: a reader sees the old object or the
 * new one, never a partial one.
 *
 * Third parties may implement this interface; `specificationVersion` lets us evolve it.
 */
export interface ObjectStoreV1 {
  /** Which version of this interface the store implements. */
  readonly specificationVersion: 'v1';
  /** Backend name: `'file'`, `'memory'`, `'s3'`, `'gcs'`, or a third party's. */
  readonly kind: string;
  /** A URL that `openStore` would map back to this store, e.g. `s3://bucket/prefix`. */
  readonly url: string;
  /** What this backend guarantees; see {@link StoreCapabilities}. */
  readonly capabilities: StoreCapabilities;
  /** Read a whole object. `NOT_FOUND` if absent. */
  get(key: string, options?: GetOptions): Promise<StoredObject>;
  /** Read an object as a stream. `NOT_FOUND` if absent. */
  getStream(key: string, options?: GetOptions): Promise<StoredObjectStream>;
  /** Write an object, optionally only if absent (`ifNoneMatch: '*'`) or unchanged (`ifMatch`). */
  put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult>;
  /** Metadata of an object, or `undefined` if absent. */
  head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectMeta | undefined>;
  /** Iterate over pages of objects under a prefix, in lexicographic key order. */
  list(options?: ListOptions): AsyncIterable<ListPage>;
  /** Delete an object; a missing key is not an error unless `ifMatch` is given. */
  delete(key: string, options?: DeleteOptions): Promise<void>;
  /**
   * Optional: finds (and unless `dryRun`, removes) what killed writes left behind, which `list`
   * never shows: temp files of the file store, incomplete multipart uploads on S3
   * (ListMultipartUploads + AbortMultipartUpload). Only those started before `olderThan`.
   */
  sweepIncompleteWrites?(options: SweepOptions): Promise<IncompleteWrite[]>;
  /** Release clients, sockets and file handles. The store is unusable afterwards. */
  close(): Promise<void>;
}

/** Options of {@link ObjectStoreV1.sweepIncompleteWrites}. */
export interface SweepOptions {
  /** Only under this key prefix. */
  prefix?: string;
  /** Only writes started before this time (leave running uploads alone). */
  olderThan: Date;
  /** Only report. */
  dryRun?: boolean;
}

/** A leftover of a killed write. */
export interface IncompleteWrite {
  /** The key being written (file store: the temp file's path relative to the root). */
  key: string;
  /** Bytes it holds, when known (0 otherwise). */
  size: number;
  /** When the write started. */
  startedAt: Date;
}

/** The current version of the storage interface. */
export type ObjectStore = ObjectStoreV1;
