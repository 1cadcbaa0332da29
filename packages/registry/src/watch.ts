import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError } from '@mlops/contracts/errors';
import { decodeAliasPointer, type AliasPointer } from './codec.js';
import type { RegistryContext } from './context.js';
import { validateAlias, validateModelName } from './names.js';
import type { AliasWatchEvent, WatchAliasOptions, WatchOptions } from './registry-types.js';
import type { ObjectStore } from '@mlops/storage';
import { isDamaged, readLogTail } from './event-log.js';
import { getOrUndefined, listKeys } from './store-ops.js';
import type { RegistryEvent } from './types.js';

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

/**
 * Follows event logs from any process by polling: each round costs one HEAD per watched model
 * (the next sequence number) plus GETs of new events, and one catalog listing when no `name` is
 * given. Yields events in log order per model; changes made through this instance wake it at once.
 */
export function watchEvents(ctx: RegistryContext, wakers: Wakers, modelNames: () => Promise<string[]>, opts: WatchOptions = {}): AsyncIterableIterator<RegistryEvent> {
  if (opts.name !== undefined) validateModelName(opts.name);
  const intervalMs = opts.intervalMs ?? 1000;
  if (!(intervalMs > 0)) throw new InvalidArgumentError(`Expected intervalMs > 0, found ${intervalMs}.`);
  const signal = opts.signal;
  async function* generate(): AsyncGenerator<RegistryEvent> {
    const store = await ctx.store();
    const seen = new Map<string, number>();
    let first = true;
    while (!signal?.aborted) {
      const names = opts.name !== undefined ? [opts.name] : await modelNames();
      for (const name of names) {
        if (!seen.has(name)) {
          // Start after the current end of the log unless asked to replay (a model created after the watch started is read from its start).
          const start = opts.afterSeq ?? (first ? await lastSeq(store, ctx, name) : 0);
          seen.set(name, start);
        }
        const after = seen.get(name)!;
        if (!(await store.head(ctx.layout.eventKey(name, after + 1)))) continue;
        for (const entry of await readLogTail(store, ctx.layout, name, after)) {
          seen.set(name, entry.seq);
          if (!isDamaged(entry)) yield entry;
          if (signal?.aborted) return;
        }
      }
      first = false;
      await pollPause(intervalMs, wakers, signal);
    }
  }
  return generate();
}

async function lastSeq(store: ObjectStore, ctx: RegistryContext, name: string): Promise<number> {
  let last = 0;
  for (const key of await listKeys(store, ctx.layout.eventsPrefix(name))) last = Math.max(last, ctx.layout.seqFromKey(name, key) ?? 0);
  return last;
}
