import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError } from '@mlops/contracts/errors';
import { decodeAliasPointer, type AliasPointer } from './codec.js';
import type { RegistryContext } from './context.js';
import { validateAlias, validateModelName } from './names.js';
import type { AliasWatchEvent, WatchAliasOptions } from './registry-types.js';
import { getOrUndefined } from './store-ops.js';

/** Local wake-ups: a change made through this instance ends every watcher's sleep at once. */
export interface Wakers {
  add(wake: () => void): void;
  delete(wake: () => void): void;
}

/** Sleeps `intervalMs`, or less when woken locally or when `signal` aborts. */
export async function pollPause(intervalMs: number, wakers: Wakers, signal: AbortSignal | undefined): Promise<void> {
  const local = new AbortController();
  const wake = () => local.abort();
  wakers.add(wake);
  signal?.addEventListener('abort', wake, { once: true });
  try {
    await sleep(intervalMs, undefined, { signal: local.signal });
  } catch {
    // Woken early (a local change or the caller's signal): poll now.
  } finally {
    signal?.removeEventListener('abort', wake);
    wakers.delete(wake);
  }
}

/** Polls one alias pointer and yields each change. */
export function watchAlias(ctx: RegistryContext, wakers: Wakers, name: string, alias: string, opts: WatchAliasOptions = {}): AsyncIterableIterator<AliasWatchEvent> {
  validateModelName(name);
  validateAlias(alias);
  const intervalMs = opts.intervalMs ?? 1000;
  if (!(intervalMs > 0)) throw new InvalidArgumentError(`Expected intervalMs > 0, found ${intervalMs}.`);
  const signal = opts.signal;
  async function* generate(): AsyncGenerator<AliasWatchEvent> {
    const store = await ctx.store();
    const key = ctx.layout.aliasKey(name, alias);
    let etag: string | undefined;
    let seen: AliasPointer | undefined;
    let first = true;
    while (!signal?.aborted) {
      const meta = await store.head(key);
      if (meta?.etag !== etag) {
        const found = await getOrUndefined(store, key);
        const pointer = found ? decodeAliasPointer(key, found.body) : undefined;
        etag = found?.etag;
        if (pointer && (!seen || pointer.revision > seen.revision) && (!first || opts.emitCurrent)) {
          yield { name, alias, version: pointer.version, previous: seen?.version ?? (first ? null : pointer.from), revision: pointer.revision };
        }
        if (pointer && (!seen || pointer.revision > seen.revision)) seen = pointer;
      }
      first = false;
      await pollPause(intervalMs, wakers, signal);
    }
  }
  return generate();
}
