import { setTimeout as sleep } from 'node:timers/promises';
import { MlopsError } from '@mlops/contracts/errors';
import type { ObjectStoreV1 } from '../src/index.js';

const text = new TextDecoder();

/** What one writer last knew about the counter: lets it skip the read when nobody else wrote since. */
export interface CasCache {
  value?: number;
  etag?: string;
}

/**
 * Increment a decimal counter stored at `key` by compare-and-swap, as an optimistic-concurrency
 * client would: write from the cached state if there is one, re-read on conflict, retry with
 * jittered backoff. Returns the number of conflicts seen.
 */
export async function casIncrement(store: ObjectStoreV1, key: string, cache: CasCache = {}): Promise<number> {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    try {
      if (cache.etag === undefined) {
        const current = await store.get(key).catch((error: unknown) => {
          if (MlopsError.isInstance(error, 'NOT_FOUND')) return undefined;
          throw error;
        });
        if (current === undefined) {
          const created = await store.put(key, '1', { ifNoneMatch: '*' });
          Object.assign(cache, { value: 1, etag: created.etag });
          return attempt;
        }
        Object.assign(cache, { value: Number(text.decode(current.body)), etag: current.etag });
      }
      const next = cache.value! + 1;
      const written = await store.put(key, String(next), { ifMatch: cache.etag });
      Object.assign(cache, { value: next, etag: written.etag });
      return attempt;
    } catch (error) {
      if (!MlopsError.isInstance(error, 'PRECONDITION_FAILED')) throw error;
      cache.etag = undefined;
      await sleep(Math.random() * 4 * 2 ** Math.min(attempt, 4));
    }
  }
  throw new Error('CAS increment did not converge');
}
