import { createHash } from 'node:crypto';
import { DataCorruptedError, ErrorCode, MlopsError } from '@mlops/contracts/errors';
import type { ObjectStore } from '@mlops/storage';
import { LOST, progressPolicy, retryCas, type RetryPolicy } from './cas.js';
import { decodeEvent, encodeEvent } from './codec.js';
import type { RegistryLayout } from './layout.js';
import { getOrUndefined, isPreconditionFailed, listKeys, mapLimit } from './store-ops.js';
import type { RegistryEvent } from './types.js';

/** `prevHash` of the first event of a log. */
export const GENESIS_HASH = '0'.repeat(64);

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where {@link verifyLog} found the chain broken. */
export interface LogBreak {
  /** The sequence number where the break shows. */
  seq: number;
  /** The store key of that event. */
  key: string;
  /** What is wrong. */
  reason: string;
}

/**
 * Checks a model's log: sequence numbers contiguous from 1, every event decodable, and each
 * `prevHash` equal to the sha256 of the previous event's stored bytes. Returns the first break.
 */
export async function verifyLog(store: ObjectStore, layout: RegistryLayout, name: string): Promise<{ events: number; firstBreak?: LogBreak }> {
  const keys = (await listKeys(store, layout.eventsPrefix(name))).filter((k) => layout.seqFromKey(name, k) !== undefined);
  let previous: Uint8Array | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const seq = layout.seqFromKey(name, key)!;
    if (seq !== i + 1) return { events: i, firstBreak: { seq: i + 1, key: layout.eventKey(name, i + 1), reason: `event ${i + 1} is missing (the next one is ${seq})` } };
    const found = await getOrUndefined(store, key);
    if (!found) return { events: i, firstBreak: { seq, key, reason: 'the event disappeared while it was verified' } };
    let event: RegistryEvent;
    try {
      event = decodeEvent(key, found.body);
    } catch (error) {
      if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
      return { events: i, firstBreak: { seq, key, reason: error.message } };
    }
    const expected = previous ? sha256Hex(previous) : GENESIS_HASH;
    if (event.seq !== seq) return { events: i, firstBreak: { seq, key, reason: `the event says seq ${event.seq}` } };
    if (event.prevHash !== expected) {
      return {
        events: i,
        firstBreak: {
          seq,
          key,
          reason:
            event.prevHash === undefined
              ? 'the event carries no prevHash (written before hash chaining, or rewritten)'
              : `prevHash ${event.prevHash} does not match the sha256 ${expected} of event ${seq - 1} as stored: one of the two was changed`,
        },
      };
    }
    previous = found.body;
  }
  return { events: keys.length };
}

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
      try {
        return await putEventAt(store, layout, draft, seq);
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        seq = (await highestAfter(store, layout.eventsPrefix(name), layout.eventKey(name, seq), (k) => layout.seqFromKey(name, k), seq)) + 1;
        return LOST;
      }
    },
    { name },
  );
}

/**
 * Writes `draft` as event `seq` by create-if-absent, chained to event `seq - 1`; a lost race is
 * `PRECONDITION_FAILED` (the caller decides whether its event is still needed).
 */
export async function putEventAt(store: ObjectStore, layout: RegistryLayout, draft: Omit<RegistryEvent, 'seq'>, seq: number): Promise<RegistryEvent> {
  // Tamper evidence: each event carries the sha256 of the previous event's stored bytes.
  const previous = seq > 1 ? await getOrUndefined(store, layout.eventKey(draft.name, seq - 1)) : undefined;
  const event = { ...draft, seq, prevHash: previous ? sha256Hex(previous.body) : GENESIS_HASH } as RegistryEvent;
  await store.put(layout.eventKey(draft.name, seq), encodeEvent(event), { ifNoneMatch: '*', contentType: 'application/json' });
  return event;
}

/** A log entry that could not be decoded: its place in the log, its key and why. */
export interface DamagedEntry {
  damaged: true;
  seq: number;
  key: string;
  message: string;
}

/** One slot of the log as read: an event, or the damage found there. */
export type LogEntry = RegistryEvent | DamagedEntry;

/** True for a slot that held a damaged event. */
export function isDamaged(entry: LogEntry): entry is DamagedEntry {
  return (entry as DamagedEntry).damaged === true;
}

function decodeSlot(key: string, seq: number, body: Uint8Array): LogEntry {
  try {
    return decodeEvent(key, body);
  } catch (error) {
    if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
    return { damaged: true, seq, key, message: error.message };
  }
}

/** Throws the `DATA_CORRUPTED` error of the first damaged slot (naming its key), else returns the events. */
export function strict(entries: LogEntry[]): RegistryEvent[] {
  for (const entry of entries) {
    if (isDamaged(entry)) throw new DataCorruptedError(entry.message, { details: { key: entry.key, seq: entry.seq } });
  }
  return entries as RegistryEvent[];
}

/** Reads every log slot after `afterSeq`, in order; damaged events come back as {@link DamagedEntry}. */
export async function readLogAfter(store: ObjectStore, layout: RegistryLayout, name: string, afterSeq: number): Promise<LogEntry[]> {
  const keys = await listKeys(store, layout.eventsPrefix(name), afterSeq > 0 ? layout.eventKey(name, afterSeq) : undefined);
  const eventKeys = keys.filter((k) => layout.seqFromKey(name, k) !== undefined);
  const entries = await mapLimit(eventKeys, 16, async (key) => {
    const found = await getOrUndefined(store, key);
    return found ? decodeSlot(key, layout.seqFromKey(name, key)!, found.body) : undefined;
  });
  return entries.filter((e): e is LogEntry => e !== undefined).sort((a, b) => a.seq - b.seq);
}

/** Reads every event after `afterSeq`, in order (`DATA_CORRUPTED` naming the key of a damaged one). */
export async function readEventsAfter(store: ObjectStore, layout: RegistryLayout, name: string, afterSeq: number): Promise<RegistryEvent[]> {
  return strict(await readLogAfter(store, layout, name, afterSeq));
}

/**
 * Reads the log slots after `afterSeq` by fetching the following sequence numbers directly, `batch`
 * at a time, until one is missing. Numbers are contiguous, so this needs no listing: on a file
 * store a listing reads the whole (ever-growing) directory, while a short tail is a few GETs.
 */
export async function readLogTail(store: ObjectStore, layout: RegistryLayout, name: string, afterSeq: number, batch = 16): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for (let next = afterSeq + 1; ; next += batch) {
    const found = await Promise.all(
      Array.from({ length: batch }, async (_, i) => {
        const key = layout.eventKey(name, next + i);
        const object = await getOrUndefined(store, key);
        return object ? decodeSlot(key, next + i, object.body) : undefined;
      }),
    );
    for (const entry of found) {
      if (!entry) return entries;
      entries.push(entry);
    }
  }
}

/** {@link readLogTail}, failing with `DATA_CORRUPTED` on a damaged event. */
export async function readEventTail(store: ObjectStore, layout: RegistryLayout, name: string, afterSeq: number, batch = 16): Promise<RegistryEvent[]> {
  return strict(await readLogTail(store, layout, name, afterSeq, batch));
}
