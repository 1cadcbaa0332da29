import { createHash, randomUUID } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import { DataCorruptedError } from '@mlops/contracts/errors';
import type { ObjectStore } from '@mlops/storage';
import type { PendingArtifact } from './artifact-sources.js';
import { LOST, retryCas, type RetryPolicy } from './cas.js';
import type { HashWorker } from './hash-worker.js';
import { decodeBlobPointer, encodeJson, type BlobPointer } from './codec.js';
import type { RegistryLayout } from './layout.js';
import { getOrUndefined, isPreconditionFailed } from './store-ops.js';
import type { ArtifactEntry } from './types.js';

/**
 * Records a blob under its content address. The pointer is created if absent: when the same bytes
 * are already stored, the existing blob wins and ours is deleted, so every sha256 has one blob. A
 * pointer whose blob is gone (collected by `gc`) is re-pointed at ours by compare-and-swap.
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
      const found = await getOrUndefined(store, key);
      if (!found) return LOST; // deleted meanwhile: create it again
      const existing = decodeBlobPointer(key, found.body);
      if (existing.blob === pointer.blob) return existing;
      if (await store.head(existing.blob)) {
        await store.delete(pointer.blob);
        return existing;
      }
      // Its blob was collected: nothing references that content any more, so ours takes its place.
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

/** An existing pointer for these bytes whose blob is still present, if any. */
async function findExisting(store: ObjectStore, layout: RegistryLayout, sha256: string): Promise<BlobPointer | undefined> {
  const key = layout.blobPointerKey(sha256);
  const found = await getOrUndefined(store, key);
  if (!found) return undefined;
  const pointer = decodeBlobPointer(key, found.body);
  return (await store.head(pointer.blob)) ? pointer : undefined;
}

/**
 * Uploads one artifact and returns its manifest entry. Streams go up in a single pass, hashed on the
 * way, to a fresh unique key (never overwritten, as Delta Lake requires of data files); the content
 * address is claimed afterwards. In-memory bytes are hashed first so known content is not re-sent.
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
    const existing = await findExisting(store, layout, sha256);
    if (existing) return { path: artifact.path, sha256, size: existing.size, blob: existing.blob };
    await store.put(blob, artifact.bytes, { signal, contentType: 'application/octet-stream' });
    const pointer = await claimPointer(store, layout, { formatVersion: 1, sha256, size: artifact.bytes.byteLength, blob, createdAt: now }, policy);
    return { path: artifact.path, sha256, size: pointer.size, blob: pointer.blob };
  }
  const { chunks, result } = artifact.localFile !== undefined ? hasher.hashFile(artifact.localFile) : hasher.hash(artifact.open!());
  let hashed;
  try {
    await store.put(blob, chunks, { signal, contentType: 'application/octet-stream' });
    // The digest may still be finishing on the hashing worker; nothing is recorded until it is known.
    hashed = await result();
  } catch (error) {
    // The store's put is atomic, but a backend may still hold a finished object if the failure
    // came after it (or the hash failed after the write); make sure nothing unreferenced is left behind.
    await store.delete(blob).catch(() => undefined);
    throw error;
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
