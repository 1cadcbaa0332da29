import { randomUUID } from 'node:crypto';
import { MlopsError, UnsupportedError } from '@mlops/contracts/errors';
import type { ObjectStore } from '@mlops/storage';
import { isPreconditionFailed } from './store-ops.js';

/** What a store must honour for the registry's commit protocol, as found by {@link probeConditionalWrites}. */
export type MissingFeature = 'create-if-absent (If-None-Match: *)' | 'compare-and-swap (If-Match: <etag>)' | 'compare-and-swap with its own etags';

function refuse(store: ObjectStore, missing: MissingFeature, found: string, cause?: unknown): never {
  throw new UnsupportedError(
    `The store ${store.url} does not honour ${missing}: ${found}. Concurrent registrations on it would silently lose versions, ` +
      'so the registry refuses to write. Use a server that enforces conditional writes (AWS S3, GCS, MinIO, R2), or, if exactly one ' +
      'process ever writes to this registry, pass { singleWriter: true } to createRegistry.',
    { cause, details: { store: store.url, missing } },
  );
}

/**
 * Checks once, on a throwaway key under `probePrefix`, that the store enforces the conditional
 * writes the commit protocol relies on: a second create-if-absent must fail, a compare-and-swap with
 * a stale etag must fail, and one with the current etag must succeed. Some S3-compatible servers
 * (s3rver, older MinIO) accept both writes, which would let two writers both "commit" version N.
 */
export async function probeConditionalWrites(store: ObjectStore, probePrefix: string): Promise<void> {
  const key = `${probePrefix}${randomUUID()}.json`;
  const write = (body: string, options: { ifNoneMatch?: '*'; ifMatch?: string }) => store.put(key, body, { ...options, contentType: 'application/json' });
  try {
    const first = await write('{"probe":1}', { ifNoneMatch: '*' });
    const lost = async (body: string, options: { ifNoneMatch?: '*'; ifMatch?: string }): Promise<boolean> => {
      try {
        await write(body, options);
        return false;
      } catch (error) {
        if (isPreconditionFailed(error)) return true;
        if (MlopsError.isInstance(error)) throw error;
        return false;
      }
    };
    if (!(await lost('{"probe":22}', { ifNoneMatch: '*' }))) refuse(store, 'create-if-absent (If-None-Match: *)', 'a second create-if-absent write of the same key succeeded');
    const second = await write('{"probe":333}', {});
    if (second.etag === first.etag) refuse(store, 'compare-and-swap with its own etags', 'two different contents got the same etag');
    if (!(await lost('{"probe":4444}', { ifMatch: first.etag }))) refuse(store, 'compare-and-swap (If-Match: <etag>)', 'a write with a stale etag succeeded');
    try {
      await write('{"probe":55555}', { ifMatch: second.etag });
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      refuse(store, 'compare-and-swap with its own etags', 'a write with the etag the store itself returned was refused', error);
    }
  } finally {
    await store.delete(key).catch(() => undefined);
  }
}
