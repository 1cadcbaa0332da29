import type { Readable } from 'node:stream';
import type { ObjectStore, OpenStoreOptions } from '@mlops/storage';
import type { RetryOptions } from './cas.js';
import type { DeleteOptions } from './manifest-updates.js';
import type { DownloadOptions } from './download.js';
import type { GateDecision, PromotionGate } from './gates.js';
import type { AliasChange, ArtifactSource, Lineage, ModelSignature, ModelVersion, ParamValue, RegisteredModel, RegistryEvent, VersionSummary } from './types.js';

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
  /**
   * How compare-and-swap loops retry (alias moves, manifest updates, log appends, version
   * numbers): `{ maxAttempts: 16, baseDelayMs: 5, maxDelayMs: 500 }` by default, with full jitter.
   * Past the cap a call fails with `CONFLICT` (`retryable: true`) and has written nothing.
   */
  retry?: RetryOptions;
  /**
   * Skip the conditional-write check. Before its first write a registry checks once that the store
   * refuses a second create-if-absent and a stale compare-and-swap, and refuses to write
   * (`UNSUPPORTED`, naming the missing feature) on stores that do not, such as s3rver. Set this
   * only when exactly one process ever writes to the registry: concurrent writers on such a store
   * lose versions silently.
   */
  singleWriter?: boolean;
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
   * MLflow's filter grammar (clauses joined by `AND`) plus `OR` and parentheses (`AND` binds
   * tighter). Fields: `name`, `version`, `created_at`, `updated_at`, `run_id`, `status`, `alias`
   * (any alias on the version), `tags.<k>`, `metrics.<k>`, `params.<k>`, and lineage:
   * `lineage.dataset.sha256`, `lineage.dataset.uri`, `lineage.dataset.role` (any dataset),
   * `lineage.code.commit`, `lineage.code.repo`, `lineage.code.path`, `lineage.parent_run`,
   * `lineage.author`. Operators: `= != < <= > >= LIKE ILIKE IN`, `IS NULL`, `IS NOT NULL`.
   * Example: `"name = 'fraud' AND (metrics.auc >= 0.9 OR alias = 'champion') AND lineage.code.commit = 'abc123'"`.
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

/** What {@link Registry.repair} found and did. */
export interface RepairResult {
  /** Whether this was only a report. */
  dryRun: boolean;
  /** Each damaged object: its key, what was wrong, what was (or would be) done. */
  fixed: { key: string; problem: string; action: string }[];
}

/** What {@link Registry.verifyEventLog} found. */
export interface EventLogVerification {
  /** Model name. */
  name: string;
  /** Events checked before the first break (all of them when intact). */
  verified: number;
  /** True when the whole log is contiguous and hash-chained. */
  intact: boolean;
  /** The first break: its sequence number, key and what is wrong. */
  firstBreak?: { seq: number; key: string; reason: string };
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
  /** Keys deleted (empty on a dry run, and while any manifest is damaged). */
  deleted: string[];
  /**
   * Leftovers of killed uploads older than `minAgeMs` (removed unless `dryRun`): temp files on the
   * file store, incomplete multipart uploads on S3 (aborted). Stores without a sweep report none.
   */
  incompleteWrites: { key: string; size: number; startedAt: number }[];
  /** What gc could not do on this store (e.g. a server without ListMultipartUploads). */
  notes?: string[];
  /** Objects gc could not read (`DATA_CORRUPTED`), with the reason; fix them with `repair()`. */
  damaged?: { key: string; message: string }[];
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

/** Options of {@link Registry.watch}. */
export interface WatchOptions {
  /** Only this model's events (default: every model, found through the catalog on each poll). */
  name?: string;
  /** Replay from after this sequence number (per model); default: only events written after the watch started. */
  afterSeq?: number;
  /** Polling interval, default 1000 ms: changes from other processes arrive within about one interval; changes through this instance at once. */
  intervalMs?: number;
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
  /**
   * Deletes a version: its manifest becomes a tombstone (number kept, files, metrics, params, tags,
   * lineage and description removed), a `version_deleted` event is logged, and the next `gc`
   * reclaims bytes no live version references. Refused while an alias points at it unless `force`
   * (then those aliases are deleted first, each logged). Earlier events keep the metadata they
   * recorded; the bytes are what a deletion removes.
   */
  deleteModelVersion(name: string, version: number, options?: DeleteOptions): Promise<ModelVersion>;
  /** Deletes every version of a model (see {@link Registry.deleteModelVersion}) and logs `model_deleted`; refused while aliases are set unless `force`. */
  deleteModel(name: string, options?: DeleteOptions): Promise<{ name: string; deletedVersions: number[] }>;
  /** Returns an archived version to `READY` (logged as `version_unarchived`). */
  unarchiveModelVersion(name: string, version: number, options?: { reason?: string }): Promise<ModelVersion>;
  /** Every model with its version count and aliases. */
  listModels(): Promise<RegisteredModel[]>;
  /** Every version of a model, ascending (`NOT_FOUND` for an unknown model). */
  listModelVersions(name: string): Promise<ModelVersionInfo[]>;
  /** Searches versions with the filter language (see {@link SearchOptions.filter}). */
  searchModelVersions(options?: SearchOptions): Promise<SearchResult>;
  /**
   * Downloads a version's files into `dir`, all or nothing: every sha256 is verified in a staging
   * directory that then replaces `dir` in one rename. `dir` must be missing or empty unless
   * `{ replace: true }`; on failure it is left as it was.
   */
  downloadArtifacts(ref: string, dir: string, options?: DownloadOptions): Promise<string[]>;
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
  /**
   * Change notifications across processes: yields every event appended to the event logs (of one
   * model, or all), from any process, by polling the logs every `intervalMs` (default 1000 ms).
   */
  watch(options?: WatchOptions): AsyncIterableIterator<RegistryEvent>;
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
  /**
   * Finds damaged registry objects (each read elsewhere as `DATA_CORRUPTED` naming its key) and fixes
   * or quarantines them: a copy goes to `quarantine/<key>`; an event becomes an `event_quarantined`
   * marker, an alias pointer is restored from the log, a manifest becomes a deleted-version
   * tombstone, a blob pointer is removed. Then every index is rebuilt. `dryRun` only reports.
   */
  repair(options?: { dryRun?: boolean }): Promise<RepairResult>;
  /**
   * Checks a model's event log: contiguous sequence numbers, decodable events, and each event's
   * `prevHash` equal to the sha256 of the previous event as stored. Reports the first break.
   */
  verifyEventLog(name: string): Promise<EventLogVerification>;
  /** Closes the store if the registry opened it from a URL. */
  close(): Promise<void>;
}
