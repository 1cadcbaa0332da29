import { setTimeout as sleep } from 'node:timers/promises';
import { MlopsError } from '@mlops/contracts';
import type { ObjectStoreV1 } from '../src/index.js';

const text = new TextDecoder();

/**
 * Increment a decimal counter stored at `key` by compare-and-swap, retrying on conflicts with
 * jittered backoff (as a real optimistic-concurrency client would). Returns the conflicts seen.
 */
export async function casIncrement(store: ObjectStoreV1, key: string): Promise<number> {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    try {
      const current = await store.get(key).catch((error: unknown) => {
        if (MlopsError.isInstance(error, 'NOT_FOUND')) return undefined;
        throw error;
      });
      if (current === undefined) await store.put(key, '1', { ifNoneMatch: '*' });
      else await store.put(key, String(Number(text.decode(current.body)) + 1), { ifMatch: current.etag });
      return attempt;
    } catch (error) {
      if (!MlopsError.isInstance(error, 'PRECONDITION_FAILED')) throw error;
      await sleep(Math.random() * 4 * 2 ** Math.min(attempt, 4));
    }
  }
  throw new Error('CAS increment did not converge');
}
