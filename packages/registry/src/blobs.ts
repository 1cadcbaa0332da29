import { createHash, randomUUID } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import { DataCorruptedError, ErrorCode, MlopsError } from '@mlops/contracts/errors';
import type { ObjectStore } from '@mlops/storage';
import type { PendingArtifact } from './artifact-sources.js';
import { LOST, retryCas, type RetryPolicy } from './cas.js';
import type { HashWorker } from './hash-worker.js';
import { decodeBlobPointer, encodeJson, type BlobPointer } from './codec.js';
import type { RegistryLayout } from './layout.js';
import { getOrUndefined, isPreconditionFailed } from './store-ops.js';
import type { ArtifactEntry } from './types.js';

type PointerRead = { pointer?: BlobPointer; etag: string } | undefined;

/** The pointer at `key`; a damaged one reads as `{ etag }` only, so it can be replaced by CAS (content addresses are rebuildable). */
async function readPointer(store: ObjectStore, key: string): Promise<PointerRead> {
  const found = await getOrUndefined(store, key);
  if (!found) return undefined;
  try {
    return { pointer: decodeBlobPointer(key, found.body), etag: found.etag };
  } catch (error) {
    if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
    return { etag: found.etag };
  }
}

/**
 * Marks a pointer as used right now by rewriting it with compare-and-swap. gc deletes pointers only
 * with `ifMatch` on the etag it listed and leaves recently written ones alone, so after a successful
 * touch gc cannot collect these bytes before the registration that reuses them commits (within
 * gc's `minAgeMs`). A failed touch means gc (or another writer) got there first: look again.
 */
async function touch(store: ObjectStore, key: string, read: { pointer: BlobPointer; etag: string }, now: number): Promise<boolean> {
  try {
    await store.put(key, encodeJson({ ...read.pointer, lastUsedAt: now }), { ifMatch: read.etag, contentType: 'application/json' });
    return true;
  } catch (error) {
    if (!isPreconditionFailed(error) && !MlopsError.isInstance(error, ErrorCode.NotFound)) throw error;
    return false;
  }
}

/**
 * Records a blob under its content address. The pointer is created if absent: when the same bytes
 * are already stored, the existing blob wins (touched, see {@link touch}) and ours is deleted, so
 * every sha256 has one blob. A pointer whose blob is gone (collected by `gc`) or that is damaged
 * is re-pointed at ours by compare-and-swap.
 */
async function claimPointer(store: ObjectStore, layout: RegistryLayout, pointer: BlobPointer, policy: RetryPolicy): Promise<BlobPointer> {
  const key = layout.blobPointerKey(pointer.sha256);
  return retryCas(
    policy,
    `recording the content address of blob ${pointer.sha256}`,
    async () => {
      try {
        await store.put(key, encodeJson(pointer), { ifNoneMatch: '*', contentType: 'application/json' });
        return pointer;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
      }
      const found = await readPointer(store, key);
      if (!found) return LOST; // deleted meanwhile: create it again
      const existing = found.pointer;
      if (existing?.blob === pointer.blob) return existing;
      if (existing && (await store.head(existing.blob))) {
        if (!(await touch(store, key, { pointer: existing, etag: found.etag }, pointer.createdAt))) return LOST;
        await store.delete(pointer.blob);
        return existing;
      }
      // Its blob was collected (nothing references that content any more) or the pointer is damaged: ours takes its place.
      try {
        await store.put(key, encodeJson(pointer), { ifMatch: found.etag, contentType: 'application/json' });
        return pointer;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        return LOST;
      }
    },
    { key },
  );
}

/** An existing pointer for these bytes whose blob is still present (touched so gc keeps it), if any. */
async function findExisting(store: ObjectStore, layout: RegistryLayout, sha256: string, now: number, policy: RetryPolicy): Promise<BlobPointer | undefined> {
  const key = layout.blobPointerKey(sha256);
  return retryCas(policy, `reusing stored blob ${sha256}`, async () => {
    const found = await readPointer(store, key);
    if (!found?.pointer || !(await store.head(found.pointer.blob))) return undefined;
    return (await touch(store, key, { pointer: found.pointer, etag: found.etag }, now)) ? found.pointer : LOST;
  });
}

/**
 * Uploads one artifact and returns its manifest entry. Streams go up in a single pass, hashed on the
 * way, to a fresh unique key (never overwritten, as Delta Lake requires of data files); the content
 * address is claimed afterwards. In-memory bytes are hashed first so known content is not re-sent;
 * local files are hashed (on the worker) while their upload starts, and the upload is cancelled
 * as soon as the digest names content that is already stored.
 */
export async function uploadArtifact(
  store: ObjectStore,
  layout: RegistryLayout,
  artifact: PendingArtifact,
  now: number,
  signal: AbortSignal,
  hasher: HashWorker,
  policy: RetryPolicy,
): Promise<ArtifactEntry> {
  const blob = layout.blobDataKey(randomUUID().replaceAll('-', ''));
  if (artifact.bytes) {
    const sha256 = createHash('sha256').update(artifact.bytes).digest('hex');
    const existing = await findExisting(store, layout, sha256, now, policy);
    if (existing) return { path: artifact.path, sha256, size: existing.size, blob: existing.blob };
    await store.put(blob, artifact.bytes, { signal, contentType: 'application/octet-stream' });
    const pointer = await claimPointer(store, layout, { formatVersion: 1, sha256, size: artifact.bytes.byteLength, blob, createdAt: now }, policy);
    return { path: artifact.path, sha256, size: pointer.size, blob: pointer.blob };
  }
  const upload = new AbortController();
  const onAbort = () => upload.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  // A file can be read twice: its digest (the same worker job that checks the streamed upload, so
  // the file is hashed once) decides whether the upload is needed at all.
  const file = artifact.localFile !== undefined ? hasher.hashFile(artifact.localFile) : undefined;
  const early = file?.digest();
  early?.catch(() => undefined);
  const { chunks, result } = file ?? hasher.hash(artifact.open!());
  const put = store.put(blob, chunks, { signal: upload.signal, contentType: 'application/octet-stream' });
  put.catch(() => undefined);
  let hashed;
  try {
    if (early) {
      const digest = await early;
      const existing = await findExisting(store, layout, digest.sha256, now, policy);
      if (existing) {
        upload.abort(new Error('content already stored'));
        await put.catch(() => undefined);
        await store.delete(blob).catch(() => undefined);
        return { path: artifact.path, sha256: digest.sha256, size: existing.size, blob: existing.blob };
      }
    }
    await put;
    // The digest may still be finishing on the hashing worker; nothing is recorded until it is known.
    // For a file, result() also refuses (DATA_CORRUPTED) one that changed while it was streamed.
    hashed = await result();
  } catch (error) {
    // The store's put is atomic, but a backend may still hold a finished object if the failure
    // came after it (or the hash failed after the write); make sure nothing unreferenced is left behind.
    upload.abort(error);
    await put.catch(() => undefined);
    await store.delete(blob).catch(() => undefined);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const { sha256, size } = hashed;
  const pointer = await claimPointer(store, layout, { formatVersion: 1, sha256, size, blob, createdAt: now }, policy);
  return { path: artifact.path, sha256, size: pointer.size, blob: pointer.blob };
}

/** A stream that passes bytes through and fails with `DATA_CORRUPTED` at the end unless they hash to `entry.sha256`. */
export function verifying(entry: ArtifactEntry, context: string): Transform {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.byteLength;
      callback(null, chunk);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      if (actual !== entry.sha256 || size !== entry.size) {
        callback(
          new DataCorruptedError(
            `Artifact "${entry.path}" of ${context} failed its integrity check: expected sha256 ${entry.sha256} (${entry.size} bytes), ` +
              `found sha256 ${actual} (${size} bytes) in "${entry.blob}". The stored blob is damaged; restore it from a backup or register the model again.`,
            { details: { path: entry.path, blob: entry.blob, expectedSha256: entry.sha256, actualSha256: actual, expectedSize: entry.size, actualSize: size } },
          ),
        );
      } else callback();
    },
  });
}

/** Opens an artifact as a verified stream. */
export async function openVerified(store: ObjectStore, entry: ArtifactEntry, context: string): Promise<Readable> {
  const { body } = await store.getStream(entry.blob);
  const check = verifying(entry, context);
  pipeline(body, check, () => undefined);
  return check;
}
