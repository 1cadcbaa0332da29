import { randomBytes } from 'node:crypto';
import { collect, normalizeBody, readableOf } from './body.js';
import { compareKeys, validateKey } from './keys.js';
import { filterSorted, paginate } from './list-pages.js';
import {
  checkPutOptions,
  checkReadOptions,
  objectNotFound,
  checkListOptions,
  preconditionFailed,
  storeClosed,
} from './store-errors.js';
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

/** Options for {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** A name shown in the store's `url` (`memory://<name>`) and in error messages. Default: a random id. */
  name?: string;
}

interface Entry {
  body: Uint8Array;
  etag: string;
  lastModified: Date;
}

/**
 * An object store held in this process's memory: for tests, examples and caches.
 *
 * It has the same semantics as every other driver (conditional writes, key rules, sorted
 * paged listings), and copies bytes in and out so callers can't mutate stored objects.
 * Each call creates a new, empty store; nothing is shared between stores.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): ObjectStoreV1 {
  const name = options.name ?? randomBytes(4).toString('hex');
  const url = `memory://${name}`;
  const objects = new Map<string, Entry>();
  const etagPrefix = randomBytes(4).toString('hex');
  let generation = 0;
  let closed = false;

  const open = () => {
    if (closed) throw storeClosed(url);
  };
  const metaOf = (key: string, entry: Entry): ObjectMeta => ({
    key,
    size: entry.body.byteLength,
    etag: entry.etag,
    lastModified: entry.lastModified,
  });
  const read = (key: string, options: GetOptions | undefined): Entry => {
    open();
    validateKey(key);
    checkReadOptions(options);
    const entry = objects.get(key);
    if (!entry) throw objectNotFound(url, key);
    if (options?.ifMatch !== undefined && options.ifMatch !== entry.etag) {
      throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, `etag ${JSON.stringify(entry.etag)}`);
    }
    return entry;
  };

  return {
    specificationVersion: 'v1',
    kind: 'memory',
    url,
    capabilities: { conditionalWrites: true, multiWriterSafe: false, streamingUpload: false, consistentList: true },

    async get(key: string, options?: GetOptions): Promise<StoredObject> {
      const entry = read(key, options);
      return { ...metaOf(key, entry), body: entry.body.slice() };
    },

    async getStream(key: string, options?: GetOptions): Promise<StoredObjectStream> {
      const entry = read(key, options);
      return { ...metaOf(key, entry), body: readableOf(entry.body) };
    },

    async put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult> {
      open();
      validateKey(key);
      checkPutOptions(options);
      const normalized = normalizeBody(body);
      // Collect first, check after: the precondition is decided at the moment the write lands,
      // as on S3, so a slow stream can still lose to a faster writer.
      const bytes =
        normalized.kind === 'bytes' ? normalized.bytes.slice() : (await collect(normalized.chunks, options?.signal)).slice();
      options?.signal?.throwIfAborted();
      open();
      const current = objects.get(key);
      if (options?.ifNoneMatch === '*' && current) {
        throw preconditionFailed(url, key, { ifNoneMatch: '*' }, `an object with etag ${JSON.stringify(current.etag)}`);
      }
      if (options?.ifMatch !== undefined && current?.etag !== options.ifMatch) {
        throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, current ? `etag ${JSON.stringify(current.etag)}` : 'no object');
      }
      const etag = `${etagPrefix}-${(++generation).toString(36)}`;
      objects.set(key, { body: bytes, etag, lastModified: new Date() });
      return { etag, size: bytes.byteLength };
    },

    async head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectMeta | undefined> {
      open();
      validateKey(key);
      options?.signal?.throwIfAborted();
      const entry = objects.get(key);
      return entry ? metaOf(key, entry) : undefined;
    },

    list(options?: ListOptions): AsyncIterable<ListPage> {
      open();
      const { prefix, startAfter, pageSize } = checkListOptions(options);
      // Snapshot at call time: the listing is consistent even if writes happen while paging.
      const snapshot = [...objects.entries()]
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, entry]) => metaOf(key, entry))
        .sort((a, b) => compareKeys(a.key, b.key));
      return paginate(filterSorted(snapshot, prefix, startAfter, options?.delimiter, compareKeys), pageSize, options?.signal);
    },

    async delete(key: string, options?: DeleteOptions): Promise<void> {
      open();
      validateKey(key);
      checkReadOptions(options);
      if (options?.ifMatch !== undefined) {
        const current = objects.get(key);
        if (!current) throw objectNotFound(url, key);
        if (current.etag !== options.ifMatch) {
          throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, `etag ${JSON.stringify(current.etag)}`);
        }
      }
      objects.delete(key);
    },

    async close(): Promise<void> {
      closed = true;
      objects.clear();
    },
  };
}
