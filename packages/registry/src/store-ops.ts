import { ErrorCode, MlopsError } from '@mlops/contracts/errors';
import type { ObjectStore, StoredObject } from '@mlops/storage';

/** True when a store call lost a conditional write (or a read's `ifMatch`). */
export function isPreconditionFailed(error: unknown): boolean {
  return MlopsError.isInstance(error, ErrorCode.PreconditionFailed);
}

/** `get`, or `undefined` when the key is absent. */
export async function getOrUndefined(store: ObjectStore, key: string): Promise<StoredObject | undefined> {
  try {
    return await store.get(key);
  } catch (error) {
    if (MlopsError.isInstance(error, ErrorCode.NotFound)) return undefined;
    throw error;
  }
}

/** Every key under a prefix after `startAfter`, in order. */
export async function listKeys(store: ObjectStore, prefix: string, startAfter?: string): Promise<string[]> {
  const keys: string[] = [];
  const options = startAfter !== undefined ? { prefix, startAfter } : { prefix };
  for await (const page of store.list(options)) for (const object of page.objects) keys.push(object.key);
  return keys;
}

/** Runs `fn` over `items` with at most `limit` in flight; the first failure rejects (others still settle). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.error;
  return results;
}
