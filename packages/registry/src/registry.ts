import { userInfo } from 'node:os';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, InvalidArgumentError, MlopsError, NotFoundError, PreconditionFailedError } from '@mlops/contracts/errors';
import type { ObjectStore, OpenStoreOptions } from '@mlops/storage';
import { collectArtifacts } from './artifact-sources.js';
import { openVerified, uploadArtifact } from './blobs.js';
import { createHashWorker } from './hash-worker.js';
import {
  decodeAliasPointer,
  decodeBlobPointer,
  decodeIndex,
  decodeCatalogSnapshot,
  decodeManifest,
  encodeCatalogSnapshot,
  encodeJson,
  encodeManifest,
  type AliasPointer,
} from './codec.js';
import { downloadVersion } from './download.js';
import { appendEvent, highestAfter, readEventsAfter, readEventTail } from './event-log.js';
import { compareRows, compileFilter, parseFilter, parseOrderBy } from './filter.js';
import type { GateDecision, PromotionGate } from './gates.js';
import { createLayout, type RegistryLayout } from './layout.js';
import { renderCard } from './model-card.js';
import { applyEvent, emptyIndex, historyOf, liveAliases, rollbackTarget, summarize, upsertSummary, type ModelIndexState } from './model-index.js';
import { parseModelRef, validateAlias, validateModelName, validateTag, validateVersion } from './names.js';
import { isObjectStore, openRegistryStore } from './open-store.js';
import { getOrUndefined, isPreconditionFailed, listKeys, mapLimit } from './store-ops.js';
import type {
  AliasChange,
  ArtifactSource,
  Lineage,
  ModelSignature,
  ModelVersion,
  ParamValue,
  RegisteredModel,
  RegistryEvent,
  VersionSummary,
} from './types.js';
import { validateRegistration } from './validate-input.js';

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /**
   * Where the registry lives: an `ObjectStore`, or a URL/path (`./.mlops`, `file:///srv/models`,
   * `memory://`, `s3://bucket/prefix`, `gs://bucket/prefix`). Default: `$MLOPS_REGISTRY_URL`, else `./.mlops`.
   */
  store?: ObjectStore | string;
  /** Driver settings used when `store` is a URL: `{ s3: { clientConfig } }`, `{ gcs: { options } }`, `{ file: {...} }`. */
  storeOptions?: OpenStoreOptions;
  /** Key prefix inside the store, e.g. `registry/` (default: the store's root). */
  prefix?: string;
  /** Who is making changes, recorded in manifests and the event log (default: the OS user name). */
  actor?: string;
  /** Milliseconds since the epoch; injectable for tests (default `Date.now`). */
  clock?: () => number;
  /** Write an index checkpoint once this many events accumulated since the last one (default 64). */
  checkpointInterval?: number;
  /**
   * Rewrite the registry-wide catalog snapshot (every model's index in one object, read by searches
   * without a `name` filter and by `listModels`) once this many events happened since it was
   * written, counted over all models (default 256).
   */
  catalogCheckpointInterval?: number;
  /** Artifacts uploaded or downloaded at the same time (default 4). */
  transferConcurrency?: number;
}

/** What {@link Registry.registerModelVersion} takes. */
export interface RegisterModelVersionInput {
  /** Model name: letters, digits, `_`, `-`. Created with its first version. */
  name: string;
  /**
   * The files: relative path -> bytes (`Uint8Array`), a stream, or a local file/directory path
   * string (directories are walked, their files land under that path). A string instead of a map
   * is a directory whose contents become the version's files.
   */
  artifacts: Record<string, ArtifactSource> | string;
  /** Model inputs and outputs. */
  signature?: ModelSignature;
  /** Evaluation metrics (finite numbers), searchable as `metrics.<k>`. */
  metrics?: Record<string, number>;
  /** Training parameters, searchable as `params.<k>`. */
  params?: Record<string, ParamValue>;
  /** Initial tags, searchable as `tags.<k>`. */
  tags?: Record<string, string>;
  /** Datasets (URI + sha256), code (repo, commit), parent run and author. */
  lineage?: Lineage;
  /** Free text for people, shown under `## Description` in {@link Registry.renderModelCard} (not searchable). */
  description?: string;
  /** Why this version is registered (event log). */
  reason?: string;
  /** Cancels the upload; nothing becomes visible. */
  signal?: AbortSignal;
}

/** A version as listed and searched (from the index, without artifact details). */
export interface ModelVersionInfo extends VersionSummary {
  /** Model name. */
  name: string;
  /** Aliases currently pointing at this version. */
  aliases: string[];
}

/** Options of {@link Registry.searchModelVersions}. */
export interface SearchOptions {
  /**
   * Clauses joined by `AND`: `name`, `version`, `created_at`, `updated_at`, `run_id`, `status`,
   * `tags.<k>`, `metrics.<k>`, `params.<k>` compared with `= != < <= > >= LIKE ILIKE IN`.
   * Example: `"name = 'fraud' AND metrics.auc >= 0.9 AND tags.stage IN ('prod', 'canary')"`.
   */
  filter?: string;
  /** Sort keys like `"metrics.auc DESC"`; ties (and the default) are newest version first. */
  orderBy?: string | string[];
  /** Page size (default 1000, at most 10000). */
  limit?: number;
  /** The `nextPageToken` of the previous page of the same search. */
  pageToken?: string;
}

/** One page of search results. */
export interface SearchResult {
  /** This page of matching versions, in order. */
  versions: ModelVersionInfo[];
  /** Pass back as `pageToken` for the next page; absent on the last page. */
  nextPageToken?: string;
}

/** Options of alias changes. */
export interface AliasChangeOptions {
  /**
   * The version the alias must point at right now (`null`: the alias must not exist). If the alias
   * moved meanwhile, the change fails with `PRECONDITION_FAILED` and nothing is written.
   */
  expectedVersion?: number | null;
  /** Why (event log). */
  reason?: string;
}

/** Options of {@link Registry.promote}. */
export interface PromoteOptions {
  /** Model name. */
  name: string;
  /** Alias (or `latest`, or a version number) whose version is the candidate, e.g. `challenger`. */
  from: string | number;
  /** Alias to move to the candidate, e.g. `champion`. */
  to: string;
  /** Decides whether the candidate may replace the incumbent; no gate means always pass. */
  gate?: PromotionGate;
  /** Why (event log). */
  reason: string;
}

/** What {@link Registry.promote} decided. */
export interface PromotionResult {
  /** Whether the alias moved. */
  promoted: boolean;
  /** The version `from` named. */
  candidate: ModelVersion;
  /** The version `to` pointed at before, if any. */
  incumbent?: ModelVersion;
  /** The gate's answer (or a note when there was no gate / nothing to do). */
  decision: GateDecision;
  /** The event recorded (alias change or rejection); absent when the alias already pointed at the candidate. */
  event?: RegistryEvent;
}

/** Options of {@link Registry.gc}. */
export interface GcOptions {
  /** Only report what would be deleted (default `true`). */
  dryRun?: boolean;
  /**
   * Leave blobs younger than this alone (default one hour), so uploads of registrations still in
   * flight, which no manifest references yet, are never collected.
   */
  minAgeMs?: number;
}

/** What {@link Registry.gc} found (and deleted unless `dryRun`). */
export interface GcResult {
  /** Whether this was only a report. */
  dryRun: boolean;
  /** Blob keys referenced by some manifest. */
  referencedBlobs: number;
  /** Unreferenced objects: blob data and their content-address pointers. */
  unreferenced: { key: string; size: number }[];
  /** Bytes the unreferenced objects hold. */
  unreferencedBytes: number;
  /** Keys deleted (empty on a dry run). */
  deleted: string[];
}

/** A change seen by {@link Registry.watchAlias}. */
export interface AliasWatchEvent {
  /** Model name. */
  name: string;
  /** The watched alias. */
  alias: string;
  /** New target, `null` when the alias was deleted. */
  version: number | null;
  /** Previous target seen by the watcher (`null` if none). */
  previous: number | null;
  /** Alias pointer revision. */
  revision: number;
}

/** Options of {@link Registry.watchAlias}. */
export interface WatchAliasOptions {
  /** Polling interval (default 1000 ms). Changes made through this registry instance wake the watcher at once. */
  intervalMs?: number;
  /** Also yield the alias's current state first (default false). */
  emitCurrent?: boolean;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

/** A model registry on an object store. All methods are safe with concurrent writers in other processes. */
export interface Registry {
  /** The store underneath. */
  readonly store: Promise<ObjectStore>;
  /** Uploads artifacts (content-addressed) and commits the next version number with a create-if-absent manifest write. */
  registerModelVersion(input: RegisterModelVersionInput): Promise<ModelVersion>;
  /** Reads a version by `name/3`, `name@alias` or `name@latest` (newest non-archived). */
  getModelVersion(ref: string): Promise<ModelVersion>;
  /** Points `alias` at `version` by compare-and-swap on the alias pointer. */
  setAlias(name: string, alias: string, version: number, options?: AliasChangeOptions): Promise<AliasChange>;
  /** Removes an alias (its history stays). */
  deleteAlias(name: string, alias: string, options?: AliasChangeOptions): Promise<AliasChange>;
  /** Every change of one alias (or all aliases) of a model, oldest first; each `from` is the previous `to`. */
  getAliasHistory(name: string, alias?: string): Promise<AliasChange[]>;
  /** Adds or replaces tags on a version. */
  setTags(name: string, version: number, tags: Record<string, string>, options?: { reason?: string }): Promise<ModelVersion>;
  /** Removes one tag from a version (`NOT_FOUND` if absent). */
  deleteTag(name: string, version: number, key: string, options?: { reason?: string }): Promise<ModelVersion>;
  /** Archives a version: still readable by number, skipped by `@latest`; refused while an alias points at it. */
  archiveModelVersion(name: string, version: number, options?: { reason?: string }): Promise<ModelVersion>;
  /** Every model with its version count and aliases. */
  listModels(): Promise<RegisteredModel[]>;
  /** Every version of a model, ascending (`NOT_FOUND` for an unknown model). */
  listModelVersions(name: string): Promise<ModelVersionInfo[]>;
  /** Searches versions with the filter language (see {@link SearchOptions.filter}). */
  searchModelVersions(options?: SearchOptions): Promise<SearchResult>;
  /** Downloads a version's files into `dir`, verifying every sha256; nothing partial is left on failure. */
  downloadArtifacts(ref: string, dir: string): Promise<string[]>;
  /** Streams one file of a version; the stream errors with `DATA_CORRUPTED` if the bytes do not match. */
  openArtifact(ref: string, path: string): Promise<Readable>;
  /** Moves alias `to` to the version `from` names if the gate passes; logs the decision either way. */
  promote(options: PromoteOptions): Promise<PromotionResult>;
  /** Points the alias back at the target it had before its last (non-rollback) move. */
  rollback(name: string, alias: string, options: { reason: string }): Promise<AliasChange>;
  /** Finds (and unless `dryRun`, deletes) blobs no manifest references. */
  gc(options?: GcOptions): Promise<GcResult>;
  /** Calls `listener` for every event this registry instance writes; returns an unsubscribe function. */
  onEvent(listener: (event: RegistryEvent) => void | Promise<void>): () => void;
  /** Polls an alias and yields each change. */
  watchAlias(name: string, alias: string, options?: WatchAliasOptions): AsyncIterableIterator<AliasWatchEvent>;
  /** A Markdown model card: description, metrics, params, signature, lineage, alias history. */
  renderModelCard(ref: string): Promise<string>;
  /** The model's event log (audit trail), oldest first. */
  getEvents(name: string, options?: { afterSeq?: number }): Promise<RegistryEvent[]>;
  /**
   * Rebuilds the model's index from its log and manifests and writes a fresh checkpoint. Without a
   * name, rebuilds every model's index and the registry-wide catalog snapshot.
   */
  rebuildIndex(name?: string): Promise<void>;
  /** Closes the store if the registry opened it from a URL. */
  close(): Promise<void>;
}

interface CachedIndex {
  state: ModelIndexState;
  /** Etag of the checkpoint object, `null` when none exists. */
  etag: string | null;
  checkpointSeq: number;
}

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;
const RECOVERY_GRACE_MS = 60_000;

function defaultActor(): string {
  try {
    return process.env.MLOPS_ACTOR ?? userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * Opens a model registry on an object store: the bucket is the database. Versions are committed
 * with create-if-absent writes, aliases move by compare-and-swap, every change is appended to a
 * per-model event log, so any number of processes can share one bucket safely.
 */
export function createRegistry(options: RegistryOptions = {}): Registry {
  const target = options.store ?? (process.env.MLOPS_REGISTRY_URL || './.mlops');
  if (!isObjectStore(target) && typeof target !== 'string') {
    throw new InvalidArgumentError('Expected the store option to be an ObjectStore or a URL/path string such as "./.mlops" or "s3://bucket/prefix".');
  }
  const ownsStore = typeof target === 'string';
  // Large artifacts are hashed on a second core while the main thread writes them.
  const hasher = createHashWorker();
  const storePromise: Promise<ObjectStore> = isObjectStore(target) ? Promise.resolve(target) : openRegistryStore(target, options.storeOptions);
  // Surfaced on first use instead; avoid an unhandled rejection before that.
  storePromise.catch(() => undefined);
  const prefix = options.prefix ?? '';
  if (prefix !== '' && !prefix.endsWith('/')) throw new InvalidArgumentError(`The prefix option must end with "/", found ${JSON.stringify(prefix)}.`);
  const layout: RegistryLayout = createLayout(prefix);
  const actor = options.actor ?? defaultActor();
  const now = options.clock ?? Date.now;
  const checkpointInterval = options.checkpointInterval ?? 64;
  const catalogInterval = options.catalogCheckpointInterval ?? 256;
  for (const [option, value] of [
    ['checkpointInterval', checkpointInterval],
    ['catalogCheckpointInterval', catalogInterval],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`Expected ${option} to be a whole number >= 1, found ${JSON.stringify(value)}.`);
  }
  /** The catalog snapshot as last read or written: its etag and each model's `lastSeq` in it. */
  let snapshot: { etag: string | null; seqs: Map<string, number> } | undefined;
  let snapshotWrite: Promise<void> | undefined;
  const concurrency = options.transferConcurrency ?? 4;
  const cache = new Map<string, CachedIndex>();
  const listeners = new Set<(event: RegistryEvent) => void | Promise<void>>();
  const wakers = new Set<() => void>();

  const emit = (event: RegistryEvent) => {
    for (const listener of listeners) {
      try {
        const result = listener(event);
        if (result && typeof (result as Promise<void>).catch === 'function') (result as Promise<void>).catch(() => undefined);
      } catch {
        // A failing hook must not fail the registry call that already committed.
      }
    }
    for (const wake of wakers) wake();
  };

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

  /** Loads the index (checkpoint + log tail + manifests not logged yet). Always current as of the call. */
  async function loadIndex(name: string): Promise<ModelIndexState> {
    const store = await storePromise;
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
    const newer =
      nextVersion
        ? await listKeys(store, layout.versionsPrefix(name), state.lastVersion > 0 ? layout.versionKey(name, state.lastVersion) : undefined)
        : [];
    await mapLimit(newer, 16, async (key) => {
      if (layout.versionFromKey(name, key) === undefined) return;
      upsertSummary(state, summarize(decodeManifest(key, (await store.get(key)).body)));
    });
    if (state.lastSeq - entry.checkpointSeq >= checkpointInterval) await checkpoint(store, name, entry);
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
      const body = encodeCatalogSnapshot(states, now());
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
  async function forceSnapshot(store: ObjectStore, states: ModelIndexState[], replace: boolean): Promise<void> {
    const key = layout.catalogSnapshotKey;
    for (;;) {
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
        const body = encodeCatalogSnapshot(models, now());
        const result = await store.put(key, body, found ? { ifMatch: found.etag, contentType: 'application/json' } : { ifNoneMatch: '*', contentType: 'application/json' });
        snapshot = { etag: result.etag, seqs: new Map(models.map((state) => [state.name, state.lastSeq])) };
        return;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
      }
    }
  }

  /** Every named model's current index, via the catalog snapshot; refreshes the snapshot when it drifted. */
  async function loadIndexes(names: string[]): Promise<ModelIndexState[]> {
    const store = await storePromise;
    await seedFromSnapshot(store, names);
    const states = await mapLimit(names, 16, (name) => loadIndex(name));
    const seqs = snapshot?.seqs ?? new Map<string, number>();
    let drift = 0;
    for (const state of states) drift += state.lastSeq - (seqs.get(state.name) ?? 0);
    if (drift >= catalogInterval && !snapshotWrite) {
      // Off the caller's path: the snapshot only speeds up later cold reads. close() waits for it.
      snapshotWrite = writeSnapshot(store, states)
        .catch(() => undefined)
        .finally(() => {
          snapshotWrite = undefined;
        });
    }
    return states;
  }

  /** Rebuilds one model's index from its whole log and every manifest, and checkpoints it. */
  async function rebuildModel(store: ObjectStore, name: string): Promise<void> {
    const previous = cache.get(name);
    const existing = await getOrUndefined(store, layout.indexKey(name));
    cache.set(name, { state: emptyIndex(name), etag: existing?.etag ?? previous?.etag ?? null, checkpointSeq: 0 });
    const entry = cache.get(name)!;
    for (const event of await readEventsAfter(store, layout, name, 0)) applyEvent(entry.state, event);
    const keys = (await listKeys(store, layout.versionsPrefix(name))).filter((k) => layout.versionFromKey(name, k) !== undefined);
    await mapLimit(keys, 16, async (key) => upsertSummary(entry.state, summarize(decodeManifest(key, (await store.get(key)).body))));
    await checkpoint(store, name, entry);
  }

  async function readManifest(name: string, version: number): Promise<{ manifest: ModelVersion; etag: string }> {
    const store = await storePromise;
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
    const store = await storePromise;
    const key = layout.aliasKey(name, alias);
    const found = await getOrUndefined(store, key);
    return found ? { pointer: decodeAliasPointer(key, found.body), etag: found.etag } : {};
  }

  async function logEvent(name: string, draft: Omit<RegistryEvent, 'seq' | 'name' | 'at' | 'actor'>, at: number): Promise<RegistryEvent> {
    const store = await storePromise;
    const entry = cache.get(name);
    const event = await appendEvent(store, layout, { name, at, actor, ...draft }, entry?.state.lastSeq ?? 0);
    // Fold our own event only when it is next in line: folding past an event another writer is
    // still appending would make the cache skip that event forever.
    if (entry) {
      if (event.seq === entry.state.lastSeq + 1) {
        applyEvent(entry.state, event);
        // Writers checkpoint too, so a write-only process never leaves readers a long log tail.
        if (entry.state.lastSeq - entry.checkpointSeq >= checkpointInterval) await checkpoint(store, name, entry);
      } else if (event.summary) upsertSummary(entry.state, event.summary);
    }
    emit(event);
    return event;
  }

  async function moveAlias(
    name: string,
    alias: string,
    to: number | null,
    opts: AliasChangeOptions & { rollback?: boolean; gate?: GateDecision; promotedFrom?: string },
  ): Promise<{ change: AliasChange; event: RegistryEvent }> {
    const store = await storePromise;
    if (to !== null) {
      const { manifest } = await readManifest(name, to);
      if (manifest.status === 'ARCHIVED') {
        throw new InvalidArgumentError(`Cannot point alias "${alias}" at ${name}/${to}: that version is archived. Choose a READY version.`, {
          details: { name, alias, version: to },
        });
      }
    }
    const key = layout.aliasKey(name, alias);
    for (;;) {
      const { pointer, etag } = await readAliasPointer(name, alias);
      const current = pointer?.version ?? null;
      if (opts.expectedVersion !== undefined && current !== opts.expectedVersion) {
        const show = (v: number | null | undefined) => (v === null || v === undefined ? 'unset' : `v${v}`);
        throw new PreconditionFailedError(
          `Alias ${name}@${alias} moved meanwhile: expected it at ${show(opts.expectedVersion)}, found it at ${show(current)} ` +
            `(revision ${pointer?.revision ?? 0}, set by ${pointer?.actor ?? 'nobody'}). Re-read the alias and decide again.`,
          { details: { name, alias, expectedVersion: opts.expectedVersion, actualVersion: current } },
        );
      }
      if (to === null && current === null) {
        throw new NotFoundError(`Alias ${name}@${alias} is not set, so there is nothing to delete.`, { details: { name, alias } });
      }
      const at = now();
      const next: AliasPointer = { formatVersion: 1, name, alias, version: to, revision: (pointer?.revision ?? 0) + 1, from: current, updatedAt: at, actor };
      if (opts.reason !== undefined) next.reason = opts.reason;
      if (opts.rollback) next.rollback = true;
      try {
        await store.put(key, encodeJson(next), etag ? { ifMatch: etag, contentType: 'application/json' } : { ifNoneMatch: '*', contentType: 'application/json' });
      } catch (error) {
        if (isPreconditionFailed(error)) continue; // someone moved it: re-read (and re-check expectedVersion)
        throw error;
      }
      const draft: Omit<RegistryEvent, 'seq' | 'name' | 'at' | 'actor'> = {
        type: to === null ? 'alias_deleted' : 'alias_set',
        alias,
        from: current,
        to,
        aliasRevision: next.revision,
      };
      if (to !== null) draft.version = to;
      if (opts.reason !== undefined) draft.reason = opts.reason;
      if (opts.rollback) draft.rollback = true;
      if (opts.gate) draft.gate = opts.gate;
      if (opts.promotedFrom !== undefined) draft.promotedFrom = opts.promotedFrom;
      const event = await logEvent(name, draft, at);
      const change: AliasChange = { alias, from: current, to, at, actor, revision: next.revision, seq: event.seq };
      if (opts.reason !== undefined) change.reason = opts.reason;
      if (opts.rollback) change.rollback = true;
      return { change, event };
    }
  }

  async function updateManifest(
    name: string,
    version: number,
    type: 'tags_set' | 'tag_deleted' | 'version_archived',
    mutate: (m: ModelVersion) => ModelVersion,
    extra: Partial<RegistryEvent>,
    reason: string | undefined,
  ): Promise<ModelVersion> {
    const store = await storePromise;
    for (;;) {
      const { manifest, etag } = await readManifest(name, version);
      const at = now();
      const next = { ...mutate(manifest), revision: manifest.revision + 1, updatedAt: at };
      try {
        await store.put(layout.versionKey(name, version), encodeManifest(next), { ifMatch: etag, contentType: 'application/json' });
      } catch (error) {
        if (isPreconditionFailed(error)) continue;
        throw error;
      }
      const draft: Omit<RegistryEvent, 'seq' | 'name' | 'at' | 'actor'> = { type, version, summary: summarize(next), ...extra };
      if (reason !== undefined) draft.reason = reason;
      await logEvent(name, draft, at);
      return next;
    }
  }

  function toInfo(name: string, summary: VersionSummary, aliases: Record<string, number>): ModelVersionInfo {
    return {
      name,
      ...summary,
      aliases: Object.entries(aliases)
        .filter(([, v]) => v === summary.version)
        .map(([a]) => a)
        .sort(),
    };
  }

  async function modelNames(): Promise<string[]> {
    const store = await storePromise;
    const names: string[] = [];
    for (const key of await listKeys(store, layout.catalogPrefix)) {
      const name = layout.nameFromCatalogKey(key);
      if (name !== undefined) names.push(name);
    }
    return names;
  }

  async function resolveVersion(ref: string): Promise<ModelVersion> {
    const parsed = parseModelRef(ref);
    if (parsed.kind === 'version') return (await readManifest(parsed.name, parsed.version)).manifest;
    if (parsed.kind === 'alias') {
      const { pointer } = await readAliasPointer(parsed.name, parsed.alias);
      if (!pointer || pointer.version === null) {
        throw new NotFoundError(
          `Alias ${parsed.name}@${parsed.alias} is not set${pointer ? ' (it was deleted)' : ''}. Set it with setAlias("${parsed.name}", "${parsed.alias}", <version>).`,
          { details: { name: parsed.name, alias: parsed.alias } },
        );
      }
      return (await readManifest(parsed.name, pointer.version)).manifest;
    }
    const state = await loadIndex(parsed.name);
    for (let i = state.versions.length - 1; i >= 0; i--) {
      const v = state.versions[i]!;
      if (v.status !== 'ARCHIVED') return (await readManifest(parsed.name, v.version)).manifest;
    }
    throw new NotFoundError(
      state.versions.length === 0
        ? `Model "${parsed.name}" has no versions. Register one with registerModelVersion({ name: "${parsed.name}", ... }).`
        : `Model "${parsed.name}" has no non-archived version, so "${ref}" names nothing.`,
      { details: { name: parsed.name } },
    );
  }

  async function aliasHistory(name: string, alias?: string): Promise<AliasChange[]> {
    validateModelName(name);
    if (alias !== undefined) validateAlias(alias);
    const store = await storePromise;
    const state = await loadIndex(name);
    // A writer that crashed after moving a pointer but before logging it: after a grace period
    // (a slow writer would have logged by then), record the change from the pointer itself.
    const aliases = alias !== undefined ? [alias] : Object.keys(state.aliases);
    if (alias === undefined) {
      for (const key of await listKeys(store, layout.aliasesPrefix(name))) {
        const a = key.slice(layout.aliasesPrefix(name).length, -'.json'.length);
        if (!aliases.includes(a)) aliases.push(a);
      }
    }
    let recovered = false;
    for (const a of aliases) {
      const { pointer } = await readAliasPointer(name, a);
      const logged = state.aliases[a]?.revision ?? 0;
      if (pointer && pointer.revision > logged && now() - pointer.updatedAt > RECOVERY_GRACE_MS) {
        const draft: Omit<RegistryEvent, 'seq' | 'name' | 'at' | 'actor'> = {
          type: pointer.version === null ? 'alias_deleted' : 'alias_set',
          alias: a,
          from: pointer.from,
          to: pointer.version,
          aliasRevision: pointer.revision,
          reason: `${pointer.reason ?? ''} (recovered from the alias pointer: the writer did not log it)`.trim(),
        };
        if (pointer.version !== null) draft.version = pointer.version;
        await appendEvent(store, layout, { name, at: pointer.updatedAt, actor: pointer.actor, ...draft }, state.lastSeq);
        recovered = true;
      }
    }
    return historyOf(recovered ? await loadIndex(name) : state, alias);
  }

  const registry: Registry = {
    store: storePromise,

    async registerModelVersion(input) {
      const store = await storePromise;
      const checked = validateRegistration(input);
      const name = checked.name;
      const pending = await collectArtifacts(input.artifacts);
      // The model's index and (for a new model) its catalog marker do not depend on the artifacts:
      // they are prepared while the artifacts upload, so a cold registry pays no extra round trips after them.
      const prepared = (async () => {
        // A warm cache is only a hint for the next number: create-if-absent catches a stale one, and
        // skipping the refresh keeps a registration O(1) requests however long the history is.
        const known = cache.get(name)?.state ?? (await loadIndex(name));
        if (known.lastVersion === 0) {
          // First version (as far as we know): make sure the model is in the catalog before it has a
          // version, so a listed model may have no version yet but a version never lacks its listing.
          try {
            await store.put(layout.catalogKey(name), encodeJson({ formatVersion: 1, name, createdAt: now(), createdBy: actor }), {
              ifNoneMatch: '*',
              contentType: 'application/json',
            });
          } catch (error) {
            if (!isPreconditionFailed(error)) throw error;
          }
        }
        return known;
      })();
      // Awaited below; a failed upload must not leave it unhandled.
      prepared.catch(() => undefined);
      const controller = new AbortController();
      const onAbort = () => controller.abort(input.signal?.reason);
      input.signal?.addEventListener('abort', onAbort, { once: true });
      let entries;
      try {
        input.signal?.throwIfAborted();
        entries = await mapLimit(pending, concurrency, async (artifact) => {
          try {
            return await uploadArtifact(store, layout, artifact, now(), controller.signal, hasher);
          } catch (error) {
            controller.abort(error);
            throw error;
          }
        });
      } catch (error) {
        // Nothing of this call may still be writing once it has failed.
        await prepared.catch(() => undefined);
        throw error;
      } finally {
        input.signal?.removeEventListener('abort', onAbort);
      }
      entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      const state = await prepared;
      let version = state.lastVersion + 1;
      let manifest: ModelVersion;
      for (;;) {
        const at = now();
        manifest = {
          name,
          version,
          createdAt: at,
          updatedAt: at,
          createdBy: actor,
          description: checked.description,
          status: 'READY',
          artifacts: entries,
          metrics: checked.metrics,
          params: checked.params,
          tags: checked.tags,
          lineage: checked.lineage,
          revision: 0,
        };
        if (checked.signature) manifest.signature = checked.signature;
        try {
          input.signal?.throwIfAborted();
          // The commit point: the manifest is written last and only if this number is still free.
          await store.put(layout.versionKey(name, version), encodeManifest(manifest), { ifNoneMatch: '*', contentType: 'application/json' });
          break;
        } catch (error) {
          if (!isPreconditionFailed(error)) throw error;
          version = (await highestAfter(store, layout.versionsPrefix(name), layout.versionKey(name, version), (k) => layout.versionFromKey(name, k), version)) + 1;
        }
      }
      upsertSummary(state, summarize(manifest));
      const draft: Omit<RegistryEvent, 'seq' | 'name' | 'at' | 'actor'> = { type: 'version_registered', version, summary: summarize(manifest) };
      if (input.reason !== undefined) draft.reason = input.reason;
      await logEvent(name, draft, manifest.createdAt);
      return manifest;
    },

    getModelVersion: resolveVersion,

    async setAlias(name, alias, version, opts = {}) {
      validateModelName(name);
      validateAlias(alias);
      validateVersion(version);
      return (await moveAlias(name, alias, version, opts)).change;
    },

    async deleteAlias(name, alias, opts = {}) {
      validateModelName(name);
      validateAlias(alias);
      return (await moveAlias(name, alias, null, opts)).change;
    },

    getAliasHistory: aliasHistory,

    async setTags(name, version, tags, opts = {}) {
      validateModelName(name);
      validateVersion(version);
      if (typeof tags !== 'object' || tags === null) throw new InvalidArgumentError('Expected tags to be an object of string keys to string values.');
      for (const [k, v] of Object.entries(tags)) validateTag(k, v);
      return updateManifest(name, version, 'tags_set', (m) => ({ ...m, tags: { ...m.tags, ...tags } }), { tags: { ...tags } }, opts.reason);
    },

    async deleteTag(name, version, key, opts = {}) {
      validateModelName(name);
      validateVersion(version);
      validateTag(key);
      return updateManifest(
        name,
        version,
        'tag_deleted',
        (m) => {
          if (!(key in m.tags)) {
            throw new NotFoundError(`Version ${name}/${version} has no tag "${key}". Its tags are: ${Object.keys(m.tags).join(', ') || '(none)'}.`);
          }
          const { [key]: _removed, ...rest } = m.tags;
          return { ...m, tags: rest };
        },
        { tagKey: key },
        opts.reason,
      );
    },

    async archiveModelVersion(name, version, opts = {}) {
      validateModelName(name);
      validateVersion(version);
      const state = await loadIndex(name);
      const holding = Object.entries(liveAliases(state))
        .filter(([, v]) => v === version)
        .map(([a]) => a);
      if (holding.length > 0) {
        throw new InvalidArgumentError(
          `Cannot archive ${name}/${version}: alias${holding.length > 1 ? 'es' : ''} ${holding.map((a) => `@${a}`).join(', ')} point${holding.length > 1 ? '' : 's'} at it. ` +
            'Move or delete the alias first (setAlias / deleteAlias / rollback).',
          { details: { name, version, aliases: holding } },
        );
      }
      return updateManifest(
        name,
        version,
        'version_archived',
        (m) => {
          if (m.status === 'ARCHIVED') throw new InvalidArgumentError(`Version ${name}/${version} is already archived.`);
          return { ...m, status: 'ARCHIVED' };
        },
        {},
        opts.reason,
      );
    },

    async listModels() {
      const states = await loadIndexes(await modelNames());
      const models = states.map((state): RegisteredModel | undefined => {
        const name = state.name;
        if (state.versions.length === 0) return undefined;
        return {
          name,
          versionCount: state.versions.length,
          latestVersion: state.lastVersion,
          aliases: liveAliases(state),
          createdAt: state.createdAt,
          updatedAt: state.updatedAt,
        };
      });
      return models.filter((m): m is RegisteredModel => m !== undefined);
    },

    async listModelVersions(name) {
      validateModelName(name);
      const state = await loadIndex(name);
      if (state.versions.length === 0) {
        throw new NotFoundError(`Model "${name}" does not exist. Register a version first, or check the name with listModels().`, { details: { name } });
      }
      const aliases = liveAliases(state);
      return state.versions.map((v) => toInfo(name, v, aliases));
    },

    async searchModelVersions(opts = {}) {
      const filterText = opts.filter ?? '';
      const clauses = parseFilter(filterText);
      const order = parseOrderBy(opts.orderBy);
      const limit = opts.limit ?? DEFAULT_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new InvalidArgumentError(`Expected limit to be a whole number from 1 to ${MAX_LIMIT}, found ${JSON.stringify(opts.limit)}.`);
      }
      const query = JSON.stringify([filterText, opts.orderBy ?? null]);
      let offset = 0;
      if (opts.pageToken !== undefined) {
        let decoded: unknown;
        try {
          decoded = JSON.parse(Buffer.from(opts.pageToken, 'base64url').toString('utf8'));
        } catch {
          decoded = undefined;
        }
        const token = decoded as { o?: unknown; q?: unknown } | undefined;
        if (!token || typeof token.o !== 'number' || token.q !== query) {
          throw new InvalidArgumentError('Invalid pageToken: pass the nextPageToken returned by the previous page of the same search (same filter and orderBy).');
        }
        offset = token.o;
      }
      // `name = 'x'` / `name IN (...)` narrow the models read; otherwise every model is searched.
      let names: string[] | undefined;
      for (const c of clauses) {
        if (c.field.kind === 'name' && (c.op === '=' || c.op === 'IN')) {
          const these = c.values.map(String).filter((n) => /^[A-Za-z0-9_-]+$/.test(n));
          names = names ? names.filter((n) => these.includes(n)) : these;
        }
      }
      // Without a name, every model is searched through the catalog snapshot.
      const states = names ? await mapLimit(names, 16, (name) => loadIndex(name)) : await loadIndexes(await modelNames());
      const predicate = compileFilter(clauses);
      const rows: [string, VersionSummary, Record<string, number>][] = [];
      for (const state of states) {
        const aliases = liveAliases(state);
        for (const v of state.versions) if (predicate(state.name, v)) rows.push([state.name, v, aliases]);
      }
      const cmp = compareRows(order);
      rows.sort((a, b) => cmp([a[0], a[1]], [b[0], b[1]]));
      const page = rows.slice(offset, offset + limit);
      const result: SearchResult = { versions: page.map(([name, v, aliases]) => toInfo(name, v, aliases)) };
      if (offset + limit < rows.length) result.nextPageToken = Buffer.from(JSON.stringify({ o: offset + limit, q: query })).toString('base64url');
      return result;
    },

    async downloadArtifacts(ref, dir) {
      if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('Expected dir to be a directory path string.');
      const version = await resolveVersion(ref);
      return downloadVersion(await storePromise, version, dir, concurrency);
    },

    async openArtifact(ref, path) {
      const version = await resolveVersion(ref);
      const entry = version.artifacts.find((a) => a.path === path);
      if (!entry) {
        throw new NotFoundError(
          `Version ${version.name}/${version.version} has no artifact "${path}". Its files are: ${version.artifacts.map((a) => a.path).join(', ')}.`,
          { details: { ref, path } },
        );
      }
      return openVerified(await storePromise, entry, `${version.name}/${version.version}`);
    },

    async promote(opts) {
      if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('promote needs { name, from, to, gate?, reason }.');
      const { name, from, to, gate, reason } = opts;
      validateModelName(name);
      validateAlias(to);
      if (typeof reason !== 'string' || reason.trim() === '') {
        throw new InvalidArgumentError('promote needs a reason (a non-empty string); it is recorded in the event log for the audit trail.');
      }
      const candidate = await resolveVersion(typeof from === 'number' ? `${name}/${from}` : `${name}@${from}`);
      const { pointer } = await readAliasPointer(name, to);
      const incumbentVersion = pointer?.version ?? null;
      const incumbent = incumbentVersion === null ? undefined : (await readManifest(name, incumbentVersion)).manifest;
      if (incumbentVersion === candidate.version) {
        const result: PromotionResult = { promoted: false, candidate, decision: { passed: true, reasons: [`${name}@${to} already points at v${candidate.version}`] } };
        if (incumbent) result.incumbent = incumbent;
        return result;
      }
      let decision: GateDecision = { passed: true, reasons: ['no gate configured'] };
      if (gate) {
        const answer = await gate(candidate, incumbent);
        decision = typeof answer === 'boolean' ? { passed: answer, reasons: [answer ? 'gate passed' : 'gate failed'] } : { passed: !!answer.passed, reasons: [...answer.reasons] };
      }
      const result: PromotionResult = { promoted: false, candidate, decision };
      if (incumbent) result.incumbent = incumbent;
      if (!decision.passed) {
        result.event = await logEvent(
          name,
          { type: 'promotion_rejected', alias: to, from: incumbentVersion, to: null, version: candidate.version, gate: decision, reason, promotedFrom: String(from) },
          now(),
        );
        return result;
      }
      const moved = await moveAlias(name, to, candidate.version, { expectedVersion: incumbentVersion, reason, gate: decision, promotedFrom: String(from) });
      result.promoted = true;
      result.event = moved.event;
      return result;
    },

    async rollback(name, alias, opts) {
      validateModelName(name);
      validateAlias(alias);
      const history = await aliasHistory(name, alias);
      const last = history[history.length - 1];
      const target = rollbackTarget(history);
      if (!last || target === null) {
        throw new InvalidArgumentError(
          `Cannot roll back ${name}@${alias}: its history has no earlier target to return to${last ? '' : ' (the alias was never set)'}. Use setAlias to point it explicitly.`,
          { details: { name, alias } },
        );
      }
      return (await moveAlias(name, alias, target, { expectedVersion: last.to, reason: opts?.reason, rollback: true })).change;
    },

    async gc(opts = {}) {
      const dryRun = opts.dryRun ?? true;
      const minAgeMs = opts.minAgeMs ?? 3_600_000;
      const store = await storePromise;
      const referencedBlobs = new Set<string>();
      const referencedSha = new Set<string>();
      // Every manifest under models/, found by listing rather than from the catalog: a missing
      // catalog marker must never make a referenced blob look collectable.
      const manifestKeys = (await listKeys(store, layout.modelsPrefix)).filter((key) => {
        const name = key.slice(layout.modelsPrefix.length).split('/', 1)[0]!;
        return layout.versionFromKey(name, key) !== undefined;
      });
      await mapLimit(manifestKeys, 16, async (key) => {
        for (const a of decodeManifest(key, (await store.get(key)).body).artifacts) {
          referencedBlobs.add(a.blob);
          referencedSha.add(a.sha256);
        }
      });
      const cutoff = now() - minAgeMs;
      const unreferenced: { key: string; size: number }[] = [];
      const keptBlobs = new Set<string>();
      for await (const page of store.list({ prefix: layout.blobPointersPrefix })) {
        for (const object of page.objects) {
          const sha = object.key.slice(object.key.lastIndexOf('/') + 1, -'.json'.length);
          const pointer = decodeBlobPointer(object.key, (await store.get(object.key)).body);
          if (referencedSha.has(sha) || object.lastModified.getTime() > cutoff) keptBlobs.add(pointer.blob);
          else unreferenced.push({ key: object.key, size: object.size });
        }
      }
      for await (const page of store.list({ prefix: layout.blobDataPrefix })) {
        for (const object of page.objects) {
          if (referencedBlobs.has(object.key) || keptBlobs.has(object.key) || object.lastModified.getTime() > cutoff) continue;
          unreferenced.push({ key: object.key, size: object.size });
        }
      }
      const deleted: string[] = [];
      if (!dryRun) {
        // Pointers first: a pointer must never name a deleted blob for longer than necessary.
        for (const { key } of unreferenced) {
          await store.delete(key);
          deleted.push(key);
        }
      }
      return { dryRun, referencedBlobs: referencedBlobs.size, unreferenced, unreferencedBytes: unreferenced.reduce((s, u) => s + u.size, 0), deleted };
    },

    onEvent(listener) {
      if (typeof listener !== 'function') throw new InvalidArgumentError('onEvent needs a function.');
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    watchAlias(name, alias, opts = {}) {
      validateModelName(name);
      validateAlias(alias);
      const intervalMs = opts.intervalMs ?? 1000;
      if (!(intervalMs > 0)) throw new InvalidArgumentError(`Expected intervalMs > 0, found ${intervalMs}.`);
      const signal = opts.signal;
      let wake: (() => void) | undefined;
      const waker = () => wake?.();
      async function* generate(): AsyncGenerator<AliasWatchEvent> {
        wakers.add(waker);
        try {
          const store = await storePromise;
          const key = layout.aliasKey(name, alias);
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
            const local = new AbortController();
            wake = () => local.abort();
            const onAbort = () => local.abort();
            signal?.addEventListener('abort', onAbort, { once: true });
            try {
              await sleep(intervalMs, undefined, { signal: local.signal });
            } catch {
              // Woken early (a local change or the caller's signal): poll now.
            } finally {
              signal?.removeEventListener('abort', onAbort);
              wake = undefined;
            }
          }
        } finally {
          wakers.delete(waker);
        }
      }
      return generate();
    },

    async renderModelCard(ref) {
      const version = await resolveVersion(ref);
      const state = await loadIndex(version.name);
      return renderCard(version, liveAliases(state), historyOf(state));
    },

    async getEvents(name, opts = {}) {
      validateModelName(name);
      return readEventsAfter(await storePromise, layout, name, opts.afterSeq ?? 0);
    },

    async rebuildIndex(name) {
      const store = await storePromise;
      await snapshotWrite;
      if (name === undefined) {
        const names = await modelNames();
        for (const model of names) await rebuildModel(store, model);
        await forceSnapshot(store, names.map((model) => cache.get(model)!.state), false);
        return;
      }
      validateModelName(name);
      await rebuildModel(store, name);
      // The snapshot may hold the same stale copy the per-model index had.
      await forceSnapshot(store, [cache.get(name)!.state], true);
    },

    async close() {
      await snapshotWrite;
      await hasher.close();
      if (ownsStore) await (await storePromise).close();
    },
  };
  return registry;
}
