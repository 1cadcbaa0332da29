import type { ObjectStore } from '@mlops/storage';
import { LOST, progressPolicy, retryCas, type RetryPolicy } from './cas.js';
import { decodeEvent, encodeEvent } from './codec.js';
import type { RegistryLayout } from './layout.js';
import { getOrUndefined, isPreconditionFailed, listKeys, mapLimit } from './store-ops.js';
import type { RegistryEvent } from './types.js';

/** The highest numbered key under `prefix` after `afterKey`, or `fallback` when there is none. */
export async function highestAfter(
  store: ObjectStore,
  prefix: string,
  afterKey: string | undefined,
  parse: (key: string) => number | undefined,
  fallback: number,
): Promise<number> {
  let highest = fallback;
  for (const key of await listKeys(store, prefix, afterKey)) {
    const n = parse(key);
    if (n !== undefined && n > highest) highest = n;
  }
  return highest;
}

/**
 * Appends an event at the next free sequence number with create-if-absent writes: a lost race
 * means another writer took that number, so list past it and try the next. Never overwrites.
 */
export async function appendEvent(
  store: ObjectStore,
  layout: RegistryLayout,
  draft: Omit<RegistryEvent, 'seq'>,
  knownLastSeq: number,
  policy: RetryPolicy,
): Promise<RegistryEvent> {
  const name = draft.name;
  let seq = knownLastSeq + 1;
  return retryCas(
    progressPolicy(policy),
    `appending to the event log of model "${name}"`,
    async () => {
      const event = { ...draft, seq } as RegistryEvent;
      try {
        await store.put(layout.eventKey(name, seq), encodeEvent(event), { ifNoneMatch: '*', contentType: 'application/json' });
        return event;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        seq = (await highestAfter(store, layout.eventsPrefix(name), layout.eventKey(name, seq), (k) => layout.seqFromKey(name, k), seq)) + 1;
        return LOST;
      }
    },
    { name },
  );
}

/** Reads every event after `afterSeq`, in order. */
export async function readEventsAfter(store: ObjectStore, layout: RegistryLayout, name: string, afterSeq: number): Promise<RegistryEvent[]> {
  const keys = await listKeys(store, layout.eventsPrefix(name), afterSeq > 0 ? layout.eventKey(name, afterSeq) : undefined);
  const eventKeys = keys.filter((k) => layout.seqFromKey(name, k) !== undefined);
  const events = await mapLimit(eventKeys, 16, async (key) => decodeEvent(key, (await store.get(key)).body));
  return events.sort((a, b) => a.seq - b.seq);
}

/**
 * Reads the events after `afterSeq` by fetching the following sequence numbers directly, `batch`
 * at a time, until one is missing. Numbers are contiguous, so this needs no listing: on a file
 * store a listing reads the whole (ever-growing) directory, while a short tail is a few GETs.
 */
export async function readEventTail(store: ObjectStore, layout: RegistryLayout, name: string, afterSeq: number, batch = 16): Promise<RegistryEvent[]> {
  const events: RegistryEvent[] = [];
  for (let next = afterSeq + 1; ; next += batch) {
    const found = await Promise.all(
      Array.from({ length: batch }, async (_, i) => {
        const key = layout.eventKey(name, next + i);
        const object = await getOrUndefined(store, key);
        return object ? decodeEvent(key, object.body) : undefined;
      }),
    );
    for (const event of found) {
      if (!event) return events;
      events.push(event);
    }
  }
}
