import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, lstatSync, renameSync, statSync, utimesSync, type BigIntStats } from 'node:fs';
import { mkdir, open, readdir, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError, MlopsError } from '@mlops/contracts/errors';
import { normalizeBody } from './body.js';
import { acquireFileLock, KeyedMutex, type FileLockOptions } from './file-lock.js';
import { compareKeys, RESERVED_SEGMENT_PREFIX, validateKey } from './keys.js';
import { paginate, type ListItem } from './list-pages.js';
import {
  checkPutOptions,
  checkReadOptions,
  objectNotFound,
  checkListOptions,
  permissionDenied,
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
  SweepOptions,
  IncompleteWrite,
  StoredObject,
  StoredObjectStream,
} from './types.js';

/** Options for {@link createFileStore}. */
export interface FileStoreOptions {
  /** Directory holding the objects; created on first write. Key `a/b.json` is file `<root>/a/b.json`. */
  root: string;
  /**
   * `fsync` each object and its directory before a write returns, so a completed put survives
   * a power loss. Default `true`; turn off only for scratch data.
   */
  fsync?: boolean;
  /** A write lock older than this is treated as left by a crashed process and broken. Default 30 000 ms. */
  lockStaleMs?: number;
  /** How long a write waits for another process's lock on the same key. Default 30 000 ms. */
  lockTimeoutMs?: number;
}

const LOCK_DIR = `${RESERVED_SEGMENT_PREFIX}locks`;
const TEMP_PREFIX = `${RESERVED_SEGMENT_PREFIX}tmp-`;
// File names that can't be keys (made outside the store) are skipped by list.
// eslint-disable-next-line no-control-regex
const INVALID_NAME = /[\\\u0000-\u001f\u007f]/;

type Errno = NodeJS.ErrnoException;
const errnoOf = (error: unknown): string | undefined => (error as Errno | undefined)?.code;

/** Cheap etag from metadata: the inode changes with every rename-into-place; mtime is made strictly increasing per key. */
function etagOf(info: BigIntStats): string {
  return `${info.ino.toString(36)}-${info.size.toString(36)}-${info.mtimeNs.toString(36)}`;
}

function metaOf(key: string, info: BigIntStats): ObjectMeta {
  return { key, size: Number(info.size), etag: etagOf(info), lastModified: new Date(Number(info.mtimeNs / 1_000_000n)) };
}

/** Wall clock in nanoseconds with microsecond resolution (Date.now() alone is too coarse to order writes). */
function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

// Large single read/write calls: fs.readFile/writeFile go through the thread pool in 512 KiB
// steps, which costs a round trip each; 16 MiB steps keep a 64 MiB object to four.
const IO_STEP_BYTES = 16 << 20;

async function writeFully(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, Math.min(IO_STEP_BYTES, bytes.byteLength - offset));
    offset += bytesWritten;
  }
}

/** Read a file whose size is known from fstat (objects are never modified in place, only replaced by rename). */
async function readFully(handle: FileHandle, size: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
  // Unpooled and not zero-filled: every byte is overwritten by the read below.
  const out = Buffer.allocUnsafeSlow(size);
  let offset = 0;
  while (offset < size) {
    signal?.throwIfAborted();
    const { bytesRead } = await handle.read(out, offset, Math.min(IO_STEP_BYTES, size - offset), offset);
    if (bytesRead === 0) return out.subarray(0, offset);
    offset += bytesRead;
  }
  return out;
}

/**
 * The default store: objects as files under a directory.
 *
 * - Writes are atomic: bytes go to a temp file in the target's directory, are fsynced, then
 *   renamed over the target. Readers see the old object or the new one, never a partial one;
 *   an aborted or failed write leaves nothing behind.
 * - Conditional writes (`ifNoneMatch`, `ifMatch`) and deletes are decided under a per-key lock
 *   file created with `O_EXCL`, so they are safe between processes on one machine (not between
 *   machines sharing a network file system: use S3 or GCS for that). Locks left by a crashed
 *   process are broken when its pid is gone or the lock is older than `lockStaleMs`.
 * - Etags come from `stat` (inode, size, mtime in ns), never from reading the content.
 * - Streams are written and read chunk by chunk, never buffered whole.
 */
export function createFileStore(options: FileStoreOptions): ObjectStoreV1 {
  if (typeof options?.root !== 'string' || options.root === '') {
    throw new InvalidArgumentError(
      `createFileStore: expected options.root to be a directory path, found ${JSON.stringify(options?.root)}. Pass e.g. { root: "./.mlops" }.`,
    );
  }
  const root = path.resolve(options.root);
  const url = pathToFileURL(root).href;
  const fsync = options.fsync ?? true;
  const lockOptions: FileLockOptions = { staleMs: options.lockStaleMs ?? 30_000, timeoutMs: options.lockTimeoutMs ?? 30_000 };
  const mutex = new KeyedMutex();
  let closed = false;

  const ensureOpen = () => {
    if (closed) throw storeClosed(url);
  };
  const pathOf = (key: string) => path.join(root, ...key.split('/'));

  /** Turn fs errors into MlopsErrors that say what to do. */
  const mapFsError = (error: unknown, key: string, operation: string): unknown => {
    if (MlopsError.isInstance(error)) return error;
    if ((error as Error | undefined)?.name === 'AbortError') return error;
    const code = errnoOf(error);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return permissionDenied(url, operation, `${code} on key "${key}"`, error);
    if (code === 'ENAMETOOLONG') {
      return new InvalidArgumentError(`Invalid object key "${key}" for ${url}: a segment is too long for a file name (max 255 bytes). Use shorter segments.`, {
        cause: error,
      });
    }
    if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'EEXIST') {
      return new InvalidArgumentError(
        `Cannot ${operation} "${key}" in ${url}: on a file store an object and a "directory" of objects can't share a name ` +
          `(e.g. "a" and "a/b"). Rename one of them.`,
        { cause: error, details: { key } },
      );
    }
    return error;
  };

  // Metadata syscalls on the write path (stat, utimes, rename) run synchronously: microseconds on
  // a local disk, cheaper than a threadpool round trip each. Data reads/writes/fsync stay async.
  const statFileSync = (file: string): BigIntStats | undefined => {
    const info = statSync(file, { bigint: true, throwIfNoEntry: false });
    return info?.isFile() ? info : undefined;
  };
  const statFile = async (file: string): Promise<BigIntStats | undefined> => {
    try {
      const info = await stat(file, { bigint: true });
      return info.isFile() ? info : undefined;
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
  };

  const checkPutPrecondition = (key: string, options: PutOptions | undefined, current: BigIntStats | undefined) => {
    if (options?.ifNoneMatch === '*' && current) {
      throw preconditionFailed(url, key, { ifNoneMatch: '*' }, `an object with etag ${JSON.stringify(etagOf(current))}`);
    }
    if (options?.ifMatch !== undefined && (!current || etagOf(current) !== options.ifMatch)) {
      throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, current ? `etag ${JSON.stringify(etagOf(current))}` : 'no object');
    }
  };

  const openForRead = async (key: string, options: GetOptions | undefined): Promise<{ handle: FileHandle; info: BigIntStats }> => {
    ensureOpen();
    validateKey(key);
    checkReadOptions(options);
    let handle: FileHandle;
    try {
      handle = await open(pathOf(key), 'r');
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw objectNotFound(url, key, error);
      throw mapFsError(error, key, 'get');
    }
    try {
      // fstat of the open handle: the etag belongs to exactly the bytes this handle reads, even
      // if a writer renames a new version over the path meanwhile.
      const info = await handle.stat({ bigint: true });
      if (!info.isFile()) throw objectNotFound(url, key);
      if (options?.ifMatch !== undefined && options.ifMatch !== etagOf(info)) {
        throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, `etag ${JSON.stringify(etagOf(info))}`);
      }
      return { handle, info };
    } catch (error) {
      await handle.close();
      throw error;
    }
  };

  /** Run `work` holding the per-key lock, in-process first, then across processes. */
  const withKeyLock = async <T>(key: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> =>
    mutex.run(key, async () => {
      const lockDir = path.join(root, LOCK_DIR);
      const lockPath = path.join(lockDir, `${createHash('sha1').update(key).digest('hex')}.lock`);
      let release: () => Promise<void>;
      try {
        release = await acquireFileLock(lockPath, lockOptions, signal);
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw error;
        await mkdir(lockDir, { recursive: true });
        release = await acquireFileLock(lockPath, lockOptions, signal);
      }
      try {
        return await work();
      } finally {
        await release();
      }
    });

  /** Create a temp file next to the target, re-creating the directory if a delete pruned it meanwhile. */
  const openTemp = async (dir: string): Promise<{ handle: FileHandle; tempPath: string }> => {
    for (let attempt = 0; ; attempt++) {
      const tempPath = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
      try {
        return { handle: await open(tempPath, 'wx', 0o666), tempPath };
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT' || attempt >= 5) throw error;
      }
      // First object in this directory (or a delete just pruned it): create it and retry.
      await mkdir(dir, { recursive: true });
    }
  };

  const writeBody = async (handle: FileHandle, body: PutBody, signal: AbortSignal | undefined): Promise<number> => {
    const normalized = normalizeBody(body);
    if (normalized.kind === 'bytes') {
      await writeFully(handle, normalized.bytes);
      return normalized.bytes.byteLength;
    }
    let size = 0;
    for await (const chunk of normalized.chunks) {
      signal?.throwIfAborted();
      await writeFully(handle, chunk);
      size += chunk.byteLength;
    }
    signal?.throwIfAborted();
    return size;
  };

  const syncDir = async (dir: string) => {
    if (!fsync) return;
    let handle: FileHandle;
    try {
      handle = await open(dir, 'r');
    } catch (error) {
      // A concurrent delete pruned the directory after our rename: nothing left to make durable.
      if (errnoOf(error) === 'ENOENT') return;
      throw error;
    }
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };

  /** Remove directories left empty by a delete, up to (not including) the root. */
  const pruneEmptyDirs = async (dir: string) => {
    while (dir.startsWith(root + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // ENOTEMPTY (a sibling or an in-flight temp file), or already gone
      }
      dir = path.dirname(dir);
    }
  };

  async function* walk(dir: string, keyPrefix: string, prefix: string, startAfter: string, delimiter: '/' | undefined): AsyncGenerator<ListItem> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw mapFsError(error, keyPrefix, 'list');
    }
    const items: { name: string; isDir: boolean; order: string }[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(RESERVED_SEGMENT_PREFIX) || INVALID_NAME.test(entry.name)) continue;
      if (entry.name === '.' || entry.name === '..') continue;
      const isDir = entry.isDirectory();
      if (!isDir && !entry.isFile()) continue;
      // A directory's keys all start with "name/", so it sorts as "name/" among its siblings.
      items.push({ name: entry.name, isDir, order: isDir ? `${entry.name}/` : entry.name });
    }
    items.sort((a, b) => compareKeys(a.order, b.order));
    for (const item of items) {
      const key = keyPrefix + item.name;
      if (item.isDir) {
        const dirKey = `${key}/`;
        const within = dirKey.startsWith(prefix);
        if (!within && !prefix.startsWith(dirKey)) continue;
        // Skip subtrees whose every key sorts at or before startAfter.
        if (startAfter !== '' && compareKeys(dirKey, startAfter) < 0 && !startAfter.startsWith(dirKey)) continue;
        const child = path.join(dir, item.name);
        if (delimiter !== undefined && within && dirKey.length > prefix.length) {
          // Collapse to a common prefix, but only if a visible object lies inside (no phantom
          // prefixes from empty directories or temp files).
          for await (const _ of walk(child, dirKey, dirKey, startAfter, undefined)) {
            yield { type: 'prefix', prefix: dirKey };
            break;
          }
          continue;
        }
        yield* walk(child, dirKey, prefix, startAfter, delimiter);
      } else {
        if (!key.startsWith(prefix)) continue;
        if (startAfter !== '' && compareKeys(key, startAfter) <= 0) continue;
        const info = await statFile(path.join(dir, item.name));
        if (info) yield { type: 'object', meta: metaOf(key, info) };
      }
    }
  }

  return {
    specificationVersion: 'v1',
    kind: 'file',
    url,
    capabilities: { conditionalWrites: true, multiWriterSafe: false, streamingUpload: true, consistentList: true },

    async get(key: string, options?: GetOptions): Promise<StoredObject> {
      const { handle, info } = await openForRead(key, options);
      try {
        const body = await readFully(handle, Number(info.size), options?.signal);
        return { ...metaOf(key, info), body };
      } finally {
        await handle.close();
      }
    },

    async getStream(key: string, options?: GetOptions): Promise<StoredObjectStream> {
      const { handle, info } = await openForRead(key, options);
      const body = createReadStream('', { fd: handle, autoClose: true, highWaterMark: 1 << 20, signal: options?.signal });
      return { ...metaOf(key, info), body };
    },

    async put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult> {
      ensureOpen();
      validateKey(key);
      checkPutOptions(options);
      const signal = options?.signal;
      const target = pathOf(key);
      const dir = path.dirname(target);
      let tempPath: string | undefined;
      try {
        if (options?.ifNoneMatch !== undefined || options?.ifMatch !== undefined) {
          // Fail a doomed conditional write before paying for its bytes; the decisive check is
          // repeated under the lock below.
          const current = await statFile(target);
          checkPutPrecondition(key, options, current);
        }
        const temp = await openTemp(dir);
        tempPath = temp.tempPath;
        let size: number;
        try {
          size = await writeBody(temp.handle, body, signal);
          if (fsync) await temp.handle.sync();
        } finally {
          await temp.handle.close();
        }
        const written = tempPath;
        const info = await withKeyLock(key, signal, async () => {
          signal?.throwIfAborted();
          let current: BigIntStats | undefined;
          try {
            current = statFileSync(target);
          } catch (error) {
            if (errnoOf(error) !== 'ENOTDIR') throw error;
          }
          if (!current && lstatSync(target, { throwIfNoEntry: false })?.isDirectory()) {
            throw Object.assign(new Error('target is a directory'), { code: 'EISDIR' });
          }
          checkPutPrecondition(key, options, current);
          // Make mtime strictly increase per key so an etag never repeats, even when the
          // file system reuses the inode of an earlier version within one clock tick.
          let mtime = nowNs();
          if (current && mtime <= current.mtimeNs) mtime = current.mtimeNs + 1000n;
          const atime = new Date();
          utimesSync(written, atime, Number(mtime) / 1e9);
          let info = statSync(written, { bigint: true });
          if (current && info.mtimeNs <= current.mtimeNs) {
            // A file system with coarse timestamps truncated the bump: step by whole seconds.
            utimesSync(written, atime, Number(current.mtimeNs / 1_000_000_000n) + 1);
            info = statSync(written, { bigint: true });
          }
          renameSync(written, target);
          return info;
        });
        tempPath = undefined;
        await syncDir(dir);
        return { etag: etagOf(info), size };
      } catch (error) {
        throw mapFsError(error, key, 'put');
      } finally {
        if (tempPath !== undefined) await unlink(tempPath).catch(() => undefined);
      }
    },

    async head(key: string, options?: { signal?: AbortSignal }): Promise<ObjectMeta | undefined> {
      ensureOpen();
      validateKey(key);
      options?.signal?.throwIfAborted();
      try {
        const info = await statFile(pathOf(key));
        return info ? metaOf(key, info) : undefined;
      } catch (error) {
        throw mapFsError(error, key, 'head');
      }
    },

    list(options?: ListOptions): AsyncIterable<ListPage> {
      ensureOpen();
      const { prefix, startAfter, pageSize } = checkListOptions(options);
      return paginate(walk(root, '', prefix, startAfter, options?.delimiter), pageSize, options?.signal);
    },

    async delete(key: string, options?: DeleteOptions): Promise<void> {
      ensureOpen();
      validateKey(key);
      checkReadOptions(options);
      const target = pathOf(key);
      try {
        const removed = await withKeyLock(key, options?.signal, async () => {
          const current = await statFile(target);
          if (options?.ifMatch !== undefined) {
            if (!current) throw objectNotFound(url, key);
            if (etagOf(current) !== options.ifMatch) {
              throw preconditionFailed(url, key, { ifMatch: options.ifMatch }, `etag ${JSON.stringify(etagOf(current))}`);
            }
          }
          if (!current) return false;
          await unlink(target);
          return true;
        });
        if (removed) {
          await syncDir(path.dirname(target));
          await pruneEmptyDirs(path.dirname(target));
        }
      } catch (error) {
        throw mapFsError(error, key, 'delete');
      }
    },

    async sweepIncompleteWrites(options: SweepOptions): Promise<IncompleteWrite[]> {
      ensureOpen();
      const found: IncompleteWrite[] = [];
      const prefix = options.prefix ?? '';
      // Temp files live next to their target, so only directories on the prefix's path are walked.
      const visit = async (dir: string, rel: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (error) {
          if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return;
          throw mapFsError(error, rel, 'sweep');
        }
        for (const entry of entries) {
          const childRel = rel ? `${rel}/${entry.name}` : entry.name;
          if (entry.isDirectory()) {
            if (entry.name !== LOCK_DIR && (childRel.startsWith(prefix) || prefix.startsWith(`${childRel}/`))) await visit(path.join(dir, entry.name), childRel);
          } else if (entry.name.startsWith(TEMP_PREFIX) && rel.startsWith(prefix.slice(0, prefix.lastIndexOf('/') + 1))) {
            const info = await stat(path.join(dir, entry.name)).catch(() => undefined);
            if (!info || info.mtimeMs >= options.olderThan.getTime()) continue;
            if (!options.dryRun) await unlink(path.join(dir, entry.name)).catch(() => undefined);
            found.push({ key: childRel, size: info.size, startedAt: info.mtime });
          }
        }
      };
      await visit(root, '');
      return found;
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}
