import { ErrorCode, MlopsError, NotFoundError } from '@mlops/contracts/errors';
import type { ObjectStore } from '@mlops/storage';
import { LOST, progressPolicy, retryCas } from './cas.js';
import { decodeAliasPointer, decodeCatalogSnapshot, decodeIndex, decodeManifest, decodePendingUpdate, encodeCatalogSnapshot, encodeJson, type AliasPointer, type PendingUpdate } from './codec.js';
import type { EventDraft, RegistryContext } from './context.js';
import { appendEvent, isDamaged, putEventAt, readLogAfter, readLogTail, type LogEntry } from './event-log.js';
import { applyEvent, applyPointer, emptyIndex, summarize, upsertSummary, type ModelIndexState } from './model-index.js';

import { getOrUndefined, isPreconditionFailed, listKeys, mapLimit } from './store-ops.js';
import type { ModelVersion, RegistryEvent } from './types.js';

/** How long an alias move or manifest update may stay unlogged before a reader logs it for its (presumably dead) writer. */
export const RECOVERY_GRACE_MS = 5_000;

/** The `unlogged` entry of a manifest update shown from its manifest (alias entries are `alias#revision`; aliases never hold `:`). */
function manifestMark(version: number, revision: number): string {
  return `manifest:${version}#${revision}`;
}

interface CachedIndex {
  state: ModelIndexState;
  /** Etag of each alias pointer as last reconciled with the log. */
  aliasEtags?: Map<string, string>;
  /**
   * `alias#revision` of moves shown from their pointer, and `manifest:version#revision` of manifest
   * updates shown from their manifest, not logged yet (never checkpointed or snapshotted).
   */
  unlogged?: Set<string>;
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
    // Moves shown only from their pointer must not reach a checkpoint other readers trust as logged.
    if (entry.unlogged?.size) return;
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

  /** Folds log entries; a damaged one is recorded on the model (its place in the log is passed). */
  function fold(state: ModelIndexState, entries: LogEntry[], unlogged?: Set<string>): void {
    for (const entry of entries) {
      // A manifest update shown from its manifest: the event carries the same summary, so only the mark goes.
      if (!isDamaged(entry) && entry.summary !== undefined) unlogged?.delete(manifestMark(entry.summary.version, entry.summary.revision));
      if (!isDamaged(entry) && entry.alias !== undefined && entry.aliasRevision !== undefined && unlogged?.delete(`${entry.alias}#${entry.aliasRevision}`)) {
        // Its writer logged it after all: the event replaces the entry shown from the pointer.
        state.aliasHistory = state.aliasHistory.filter((c) => !(c.alias === entry.alias && c.revision === entry.aliasRevision));
      }
      if (!isDamaged(entry)) applyEvent(state, entry);
      else if (entry.seq > state.lastSeq) {
        noteDamage(state, entry.key, entry.message);
        state.lastSeq = entry.seq;
      }
    }
  }

  /** Folds manifests found by listing; a damaged one is recorded on the model, the others still count. */
  async function foldManifests(store: ObjectStore, state: ModelIndexState, keys: string[]): Promise<void> {
    await mapLimit(keys, 16, async (key) => {
      if (layout.versionFromKey(state.name, key) === undefined) return;
      const found = await getOrUndefined(store, key);
      if (!found) return;
      try {
        upsertSummary(state, summarize(decodeManifest(key, found.body)));
      } catch (error) {
        if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
        noteDamage(state, key, error.message);
        // The number is taken even if its manifest cannot be read: the next version comes after it.
        state.lastVersion = Math.max(state.lastVersion, layout.versionFromKey(state.name, key)!);
      }
    });
  }

  function noteDamage(state: ModelIndexState, key: string, message: string): void {
    const damage = (state.damage ??= []);
    if (!damage.some((d) => d.key === key)) damage.push({ key, message });
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
      fold(state, state.lastSeq === 0 ? await readLogAfter(store, layout, name, 0) : await readLogTail(store, layout, name, state.lastSeq), entry.unlogged);
    }
    // A writer that crashed between its manifest and its log entry still has a visible version.
    const newer = nextVersion
      ? await listKeys(store, layout.versionsPrefix(name), state.lastVersion > 0 ? layout.versionKey(name, state.lastVersion) : undefined)
      : [];
    await foldManifests(store, state, newer);
    await reconcileAliases(store, name, entry);
    await reconcilePending(store, name, entry);
    if (state.lastSeq - entry.checkpointSeq >= ctx.checkpointInterval) await checkpoint(store, name, entry);
    return state;
  }

  /**
   * The alias pointer is the commit point of an alias move; its log entry follows. A writer that
   * died in between leaves a pointer ahead of the log, so every read that loads an index compares
   * the pointers (one listing; only changed etags are read) and logs any move the log lacks, marked
   * `recovered`. Re-logging a move its writer is still about to log is harmless: folding
   * deduplicates by pointer revision. So `@alias`, listings, searches and history agree at once.
   */
  async function reconcileAliases(store: ObjectStore, name: string, entry: CachedIndex): Promise<void> {
    const prefix = layout.aliasesPrefix(name);
    const seen = (entry.aliasEtags ??= new Map());
    let recovered = false;
    for await (const page of store.list({ prefix })) {
      for (const object of page.objects) {
        if (!object.key.endsWith('.json') || seen.get(object.key) === object.etag) continue;
        const found = await getOrUndefined(store, object.key);
        if (!found) continue;
        let pointer: AliasPointer;
        try {
          pointer = decodeAliasPointer(object.key, found.body);
        } catch (error) {
          if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
          noteDamage(entry.state, object.key, error.message);
          continue;
        }
        const alias = object.key.slice(prefix.length, -'.json'.length);
        const unlogged = (entry.unlogged ??= new Set());
        const logged = Math.max(0, ...entry.state.aliasHistory.filter((c) => c.alias === alias && !unlogged.has(`${alias}#${c.revision}`)).map((c) => c.revision));
        if (pointer.revision > logged && ctx.now() - pointer.updatedAt < RECOVERY_GRACE_MS) {
          // Its writer may still be about to log it: show it now, log it only if it stays unlogged.
          applyPointer(entry.state, alias, pointer);
          unlogged.add(`${alias}#${pointer.revision}`);
          continue;
        }
        if (pointer.revision > logged) {
          const draft: EventDraft = { type: pointer.version === null ? 'alias_deleted' : 'alias_set', alias, from: pointer.from, to: pointer.version, aliasRevision: pointer.revision, recovered: true };
          if (pointer.version !== null) draft.version = pointer.version;
          if (pointer.reason !== undefined) draft.reason = pointer.reason;
          if (pointer.rollback) draft.rollback = true;
          await appendEvent(await ctx.writableStore(), layout, { name, at: pointer.updatedAt, actor: pointer.actor, ...draft }, entry.state.lastSeq, ctx.retry);
          unlogged.delete(`${alias}#${pointer.revision}`);
          // The history entry shown from the pointer is replaced by the logged one.
          entry.state.aliasHistory = entry.state.aliasHistory.filter((c) => !(c.alias === alias && c.revision === pointer.revision));
          recovered = true;
        }
        seen.set(object.key, found.etag);
      }
    }
    if (recovered) fold(entry.state, await readLogTail(store, layout, name, entry.state.lastSeq), entry.unlogged);
  }

  /**
   * A manifest update (tags, archive, delete) commits with its manifest's compare-and-swap; its log
   * entry follows, and a `pending/` marker written before the swap names the event. A writer that
   * died in between leaves the marker: the first read that loads the index sees the manifest ahead
   * of the index and shows it at once (so getModelVersion, listings and searches agree); once the
   * marker is older than the grace period, that read logs the event for its writer, marked
   * `recovered`, exactly once (each append attempt first folds the log up to the slot it takes).
   */
  async function reconcilePending(store: ObjectStore, name: string, entry: CachedIndex): Promise<void> {
    const prefix = layout.pendingPrefix(name);
    const markers: { key: string; etag: string; pending: PendingUpdate }[] = [];
    for (const key of await listKeys(store, prefix)) {
      const found = await getOrUndefined(store, key);
      if (!found) continue;
      try {
        markers.push({ key, etag: found.etag, pending: decodePendingUpdate(key, found.body) });
      } catch (error) {
        if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
        noteDamage(entry.state, key, error.message);
      }
    }
    // Logged in the order they were written.
    markers.sort((a, b) => a.pending.at - b.pending.at || (a.key < b.key ? -1 : 1));
    for (const { key, etag, pending } of markers) {
      const { version, revision } = pending;
      const stale = ctx.now() - pending.at >= RECOVERY_GRACE_MS;
      const manifestKey = layout.versionKey(name, version);
      const current = await getOrUndefined(store, manifestKey);
      let landed = false;
      if (current) {
        try {
          const manifest = decodeManifest(manifestKey, current.body);
          landed = manifest.revision === revision && JSON.stringify(summarize(manifest)) === JSON.stringify(pending.event.summary);
        } catch (error) {
          if (!MlopsError.isInstance(error, ErrorCode.DataCorrupted)) throw error;
        }
      }
      const mark = manifestMark(version, revision);
      const unlogged = (entry.unlogged ??= new Set());
      // Shown before means it landed, even if a later update has superseded it since.
      landed ||= unlogged.has(mark);
      const indexed = entry.state.versions.find((v) => v.version === version);
      const logged = (indexed?.revision ?? 0) >= revision && !unlogged.has(mark);
      if (landed && !logged) {
        upsertSummary(entry.state, pending.event.summary);
        unlogged.add(mark);
        // Its writer may still be about to log it: shown now, logged only if it stays unlogged.
        if (!stale) continue;
        const draft: Omit<RegistryEvent, 'seq'> = { ...pending.event, name, at: pending.at, actor: pending.actor, recovered: true };
        const writable = await ctx.writableStore();
        await retryCas(progressPolicy(ctx.retry), `logging the unlogged update of ${name}/${version}`, async () => {
          fold(entry.state, await readLogTail(store, layout, name, entry.state.lastSeq), unlogged);
          if (!unlogged.has(mark)) return undefined; // its writer, or another reader, logged it
          try {
            const event = await putEventAt(writable, layout, draft, entry.state.lastSeq + 1);
            fold(entry.state, [event], unlogged);
            ctx.emit(event);
            return undefined;
          } catch (error) {
            if (!isPreconditionFailed(error)) throw error;
            return LOST;
          }
        });
      }
      // Logged, lost its race, or superseded: nothing left to recover once its writer is surely gone.
      if (stale && !unlogged.has(mark)) {
        const writable = await ctx.writableStore();
        await writable.delete(key, { ifMatch: etag }).catch((error: unknown) => {
          if (!isPreconditionFailed(error) && !MlopsError.isInstance(error, ErrorCode.NotFound)) throw error;
        });
      }
    }
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
    // Changes shown from a pointer or manifest but not logged yet must not reach a snapshot other readers trust as logged.
    const unlogged = names.some((name) => (cache.get(name)?.unlogged?.size ?? 0) > 0);
    if (drift >= ctx.catalogInterval && !snapshotWrite && !unlogged) {
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
    // Built aside and swapped in only when complete: a failed rebuild leaves the previous index in use.
    const entry: CachedIndex = { state: emptyIndex(name), etag: existing?.etag ?? previous?.etag ?? null, checkpointSeq: 0 };
    fold(entry.state, await readLogAfter(store, layout, name, 0));
    await foldManifests(store, entry.state, await listKeys(store, layout.versionsPrefix(name)));
    await reconcileAliases(store, name, entry);
    await reconcilePending(store, name, entry);
    cache.set(name, entry);
    await checkpoint(await ctx.writableStore(), name, entry);
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
