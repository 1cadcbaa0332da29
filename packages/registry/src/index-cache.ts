import { ErrorCode, MlopsError, NotFoundError } from '@mlops/contracts/errors';
import type { ObjectStore } from '@mlops/storage';
import { LOST, retryCas } from './cas.js';
import { decodeAliasPointer, decodeCatalogSnapshot, decodeIndex, decodeManifest, encodeCatalogSnapshot, encodeJson, type AliasPointer } from './codec.js';
import type { EventDraft, RegistryContext } from './context.js';
import { appendEvent, readEventsAfter, readEventTail } from './event-log.js';
import { applyEvent, emptyIndex, summarize, upsertSummary, type ModelIndexState } from './model-index.js';
import { getOrUndefined, isPreconditionFailed, listKeys, mapLimit } from './store-ops.js';
import type { ModelVersion, RegistryEvent } from './types.js';

interface CachedIndex {
  state: ModelIndexState;
  /** Etag of the checkpoint object, `null` when none exists. */
  etag: string | null;
  checkpointSeq: number;
}

/** The per-model index cache, the registry-wide catalog snapshot, and the reads and log writes that keep them current. */
export interface IndexCache {
  /** The index as cached (a hint: may lag other writers), or undefined. */
  cached(name: string): ModelIndexState | undefined;
  /** Loads the index (checkpoint + log tail + manifests not logged yet). Always current as of the call. */
  loadIndex(name: string): Promise<ModelIndexState>;
  /** Every named model's current index, via the catalog snapshot; refreshes the snapshot when it drifted. */
  loadIndexes(names: string[]): Promise<ModelIndexState[]>;
  /** Every model with a catalog marker. */
  modelNames(): Promise<string[]>;
  /** Rebuilds one model's index from its whole log and every manifest, and checkpoints it. */
  rebuildModel(name: string): Promise<ModelIndexState>;
  /** Writes a snapshot that must land (after a rebuild). */
  forceSnapshot(states: ModelIndexState[], replace: boolean): Promise<void>;
  /** Appends an event to the model's log, folds it into the cache when next in line, tells listeners. */
  logEvent(name: string, draft: EventDraft, at: number): Promise<RegistryEvent>;
  readManifest(name: string, version: number): Promise<{ manifest: ModelVersion; etag: string }>;
  readAliasPointer(name: string, alias: string): Promise<{ pointer?: AliasPointer; etag?: string }>;
  /** Waits for a background snapshot write. */
  settle(): Promise<void>;
}

/** Creates the index cache of one registry instance. */
export function createIndexCache(ctx: RegistryContext): IndexCache {
  const { layout } = ctx;
  const cache = new Map<string, CachedIndex>();
  /** The catalog snapshot as last read or written: its etag and each model's `lastSeq` in it. */
  let snapshot: { etag: string | null; seqs: Map<string, number> } | undefined;
  let snapshotWrite: Promise<void> | undefined;

  async function checkpoint(store: ObjectStore, name: string, entry: CachedIndex): Promise<void> {
    const key = layout.indexKey(name);
    try {
      const result = await store.put(key, encodeJson(entry.state), entry.etag ? { ifMatch: entry.etag } : { ifNoneMatch: '*' });
      entry.etag = result.etag;
      entry.checkpointSeq = entry.state.lastSeq;
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      // Another writer checkpointed first; adopt its etag so the next checkpoint can replace it.
      const current = await getOrUndefined(store, key);
      entry.etag = current?.etag ?? null;
      if (current) entry.checkpointSeq = Math.max(entry.checkpointSeq, decodeIndex(key, current.body).lastSeq);
    }
  }

  async function loadIndex(name: string): Promise<ModelIndexState> {
    const store = await ctx.store();
    let entry = cache.get(name);
    if (!entry) {
      const key = layout.indexKey(name);
      const found = await getOrUndefined(store, key);
      let state = emptyIndex(name);
      if (found) {
        try {
          const decoded = decodeIndex(key, found.body);
          if (decoded.name === name) state = decoded;
        } catch (error) {
          // A damaged checkpoint is only a cache: rebuild from the log.
          if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
        }
      }
      entry = { state, etag: found?.etag ?? null, checkpointSeq: state.lastSeq };
      cache.set(name, entry);
    }
    const state = entry.state;
    // Sequence and version numbers are contiguous (each is taken by create-if-absent right after
    // the previous one exists), so one HEAD of the next key says whether anything is new; only
    // then is the tail listed. That keeps a warm read O(1) requests however long the history is.
    const [nextEvent, nextVersion] = await Promise.all([
      store.head(layout.eventKey(name, state.lastSeq + 1)),
      store.head(layout.versionKey(name, state.lastVersion + 1)),
    ]);
    if (nextEvent) {
      // A long tail (no checkpoint yet) is cheaper to list; a short one to fetch directly.
      const tail = state.lastSeq === 0 ? await readEventsAfter(store, layout, name, 0) : await readEventTail(store, layout, name, state.lastSeq);
      for (const event of tail) applyEvent(state, event);
    }
    // A writer that crashed between its manifest and its log entry still has a visible version.
    const newer = nextVersion
      ? await listKeys(store, layout.versionsPrefix(name), state.lastVersion > 0 ? layout.versionKey(name, state.lastVersion) : undefined)
      : [];
    await mapLimit(newer, 16, async (key) => {
      if (layout.versionFromKey(name, key) === undefined) return;
      upsertSummary(state, summarize(decodeManifest(key, (await store.get(key)).body)));
    });
    if (state.lastSeq - entry.checkpointSeq >= ctx.checkpointInterval) await checkpoint(store, name, entry);
    return state;
  }

  /**
   * Seeds the index cache from the registry-wide catalog snapshot (once per instance): one GET
   * instead of a checkpoint GET plus a log tail per model. Each seeded index is then brought up to
   * date by the usual probe in loadIndex, so results are exactly as current as per-model loads.
   */
  async function seedFromSnapshot(store: ObjectStore, names: string[]): Promise<void> {
    if (snapshot !== undefined || names.every((name) => cache.has(name))) return;
    const key = layout.catalogSnapshotKey;
    const found = await getOrUndefined(store, key);
    snapshot = { etag: found?.etag ?? null, seqs: new Map() };
    if (!found) return;
    let models: ModelIndexState[];
    try {
      models = decodeCatalogSnapshot(key, found.body).models;
    } catch (error) {
      // Only a cache: a damaged snapshot is ignored (and replaced by the next write).
      if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
      return;
    }
    const wanted = new Set(names);
    for (const state of models) {
      snapshot.seqs.set(state.name, state.lastSeq);
      // The per-model checkpoint's etag is unknown here; checkpoint() adopts it on its first write.
      if (wanted.has(state.name) && !cache.has(state.name)) cache.set(state.name, { state, etag: null, checkpointSeq: state.lastSeq });
    }
  }

  /** Writes the catalog snapshot by compare-and-swap; losing to another writer only adopts its etag. */
  async function writeSnapshot(store: ObjectStore, states: ModelIndexState[]): Promise<void> {
    const key = layout.catalogSnapshotKey;
    const current = snapshot ?? { etag: (await store.head(key))?.etag ?? null, seqs: new Map<string, number>() };
    snapshot = current;
    const seqs = new Map(states.map((state) => [state.name, state.lastSeq]));
    try {
      const body = encodeCatalogSnapshot(states, ctx.now());
      const result = await store.put(key, body, current.etag ? { ifMatch: current.etag, contentType: 'application/json' } : { ifNoneMatch: '*', contentType: 'application/json' });
      snapshot = { etag: result.etag, seqs };
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
      current.etag = (await store.head(key))?.etag ?? null;
    }
  }

  /**
   * Writes a snapshot that must land (after a rebuild): retried on lost races. `replace` keeps the
   * other models of the stored snapshot and swaps in these states; without it the states are the whole catalog.
   */
  async function forceSnapshot(states: ModelIndexState[], replace: boolean): Promise<void> {
    const store = await ctx.writableStore();
    const key = layout.catalogSnapshotKey;
    await retryCas(ctx.retry, 'rewriting the catalog snapshot', async () => {
      const found = await getOrUndefined(store, key);
      if (!found && replace) return; // no snapshot: nothing stale to fix
      let models = states;
      if (replace && found) {
        let stored: ModelIndexState[] = [];
        try {
          stored = decodeCatalogSnapshot(key, found.body).models;
        } catch (error) {
          if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
        }
        const swapped = new Set(states.map((state) => state.name));
        models = [...stored.filter((state) => !swapped.has(state.name)), ...states];
      }
      try {
        const body = encodeCatalogSnapshot(models, ctx.now());
        const result = await store.put(key, body, found ? { ifMatch: found.etag, contentType: 'application/json' } : { ifNoneMatch: '*', contentType: 'application/json' });
        snapshot = { etag: result.etag, seqs: new Map(models.map((state) => [state.name, state.lastSeq])) };
        return;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        return LOST;
      }
    });
  }

  async function loadIndexes(names: string[]): Promise<ModelIndexState[]> {
    const store = await ctx.store();
    await seedFromSnapshot(store, names);
    const states = await mapLimit(names, 16, (name) => loadIndex(name));
    const seqs = snapshot?.seqs ?? new Map<string, number>();
    let drift = 0;
    for (const state of states) drift += state.lastSeq - (seqs.get(state.name) ?? 0);
    if (drift >= ctx.catalogInterval && !snapshotWrite) {
      // Off the caller's path: the snapshot only speeds up later cold reads. close() waits for it.
      snapshotWrite = writeSnapshot(store, states)
        .catch(() => undefined)
        .finally(() => {
          snapshotWrite = undefined;
        });
    }
    return states;
  }

  async function rebuildModel(name: string): Promise<ModelIndexState> {
    const store = await ctx.store();
    const previous = cache.get(name);
    const existing = await getOrUndefined(store, layout.indexKey(name));
    const entry: CachedIndex = { state: emptyIndex(name), etag: existing?.etag ?? previous?.etag ?? null, checkpointSeq: 0 };
    cache.set(name, entry);
    for (const event of await readEventsAfter(store, layout, name, 0)) applyEvent(entry.state, event);
    const keys = (await listKeys(store, layout.versionsPrefix(name))).filter((k) => layout.versionFromKey(name, k) !== undefined);
    await mapLimit(keys, 16, async (key) => upsertSummary(entry.state, summarize(decodeManifest(key, (await store.get(key)).body))));
    await checkpoint(store, name, entry);
    return entry.state;
  }

  async function readManifest(name: string, version: number): Promise<{ manifest: ModelVersion; etag: string }> {
    const store = await ctx.store();
    const key = layout.versionKey(name, version);
    const found = await getOrUndefined(store, key);
    if (!found) {
      throw new NotFoundError(`Model version ${name}/${version} does not exist. List the versions with listModelVersions("${name}").`, {
        details: { name, version },
      });
    }
    return { manifest: decodeManifest(key, found.body), etag: found.etag };
  }

  async function readAliasPointer(name: string, alias: string): Promise<{ pointer?: AliasPointer; etag?: string }> {
    const store = await ctx.store();
    const key = layout.aliasKey(name, alias);
    const found = await getOrUndefined(store, key);
    return found ? { pointer: decodeAliasPointer(key, found.body), etag: found.etag } : {};
  }

  async function logEvent(name: string, draft: EventDraft, at: number): Promise<RegistryEvent> {
    const store = await ctx.writableStore();
    const entry = cache.get(name);
    const event = await appendEvent(store, layout, { name, at, actor: ctx.actor, ...draft }, entry?.state.lastSeq ?? 0, ctx.retry);
    // Fold our own event only when it is next in line: folding past an event another writer is
    // still appending would make the cache skip that event forever.
    if (entry) {
      if (event.seq === entry.state.lastSeq + 1) {
        applyEvent(entry.state, event);
        // Writers checkpoint too, so a write-only process never leaves readers a long log tail.
        if (entry.state.lastSeq - entry.checkpointSeq >= ctx.checkpointInterval) await checkpoint(store, name, entry);
      } else if (event.summary) upsertSummary(entry.state, event.summary);
    }
    ctx.emit(event);
    return event;
  }

  async function modelNames(): Promise<string[]> {
    const store = await ctx.store();
    const names: string[] = [];
    for (const key of await listKeys(store, layout.catalogPrefix)) {
      const name = layout.nameFromCatalogKey(key);
      if (name !== undefined) names.push(name);
    }
    return names;
  }

  return {
    cached: (name) => cache.get(name)?.state,
    loadIndex,
    loadIndexes,
    modelNames,
    rebuildModel,
    forceSnapshot,
    logEvent,
    readManifest,
    readAliasPointer,
    settle: async () => {
      await snapshotWrite;
    },
  };
}
