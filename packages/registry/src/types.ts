import type { Readable } from 'node:stream';

/** A scalar stored in params and compared by the search filter. */
export type ParamValue = string | number | boolean;

/** One input or output of a model signature: a named column or tensor. */
export interface SignatureField {
  /** Column or tensor name. */
  name: string;
  /** Element type, e.g. `float32`, `int64`, `string`, `bool`. */
  dtype: string;
  /** Tensor shape; `-1` marks a variable dimension (MLflow tensor-spec convention). Omit for scalar columns. */
  shape?: number[];
  /** Whether the value may be missing. */
  optional?: boolean;
}

/** What a model takes and returns (like the MLflow MLmodel `signature`). */
export interface ModelSignature {
  /** What the model takes. */
  inputs: SignatureField[];
  /** What the model returns. */
  outputs: SignatureField[];
  /** Inference-time parameters and their defaults. */
  params?: Record<string, ParamValue>;
}

/** A training dataset the version was built from. */
export interface DatasetRef {
  /** Where the data lives, e.g. `s3://lake/fraud/2026-11.parquet`. */
  uri: string;
  /** Hex sha256 of the data (of the file, or of a manifest describing it). */
  sha256?: string;
  /** Free-form role, e.g. `train`, `validation`. */
  role?: string;
}

/** Where a model version came from. */
export interface Lineage {
  /** Training (and evaluation) datasets with their content hashes. */
  datasets?: DatasetRef[];
  /** Source code that produced the model. */
  code?: { repo: string; commit: string; path?: string };
  /** Id of the training run (an experiment tracker run id, a CI job URL...). */
  parentRun?: string;
  /** Who trained the model. */
  author?: string;
}

/** One file of a version, as recorded in its manifest. */
export interface ArtifactEntry {
  /** Relative `/`-separated path inside the version, e.g. `model.onnx` or `tokenizer/vocab.txt`. */
  path: string;
  /** Hex sha256 of the bytes; checked on every download. */
  sha256: string;
  /** Size in bytes. */
  size: number;
  /** Store key of the bytes (content-addressed, shared by every version holding the same bytes). */
  blob: string;
}

/**
 * Lifecycle state of a version. Archived versions stay readable but are skipped by `@latest`;
 * deleted versions are tombstones: their number stays taken, their files and metadata are gone.
 */
export type VersionStatus = 'READY' | 'ARCHIVED' | 'DELETED';

/** A registered model version (its manifest, plus the current tags and status). */
export interface ModelVersion {
  /** Model name. */
  name: string;
  /** Version number, from 1, contiguous per model. */
  version: number;
  /** Milliseconds since the epoch when the version was committed. */
  createdAt: number;
  /** Milliseconds since the epoch of the last change (tags, status). */
  updatedAt: number;
  /** Who registered it (the registry's `actor`). */
  createdBy: string;
  /** Free-text description given at registration. */
  description: string;
  /** `READY`, `ARCHIVED` once archived, `DELETED` for a tombstone. */
  status: VersionStatus;
  /** The version's files, sorted by path. */
  artifacts: ArtifactEntry[];
  /** Inputs and outputs, when given at registration. */
  signature?: ModelSignature;
  /** Evaluation metrics. */
  metrics: Record<string, number>;
  /** Training parameters. */
  params: Record<string, ParamValue>;
  /** Current tags (changed by `setTags` / `deleteTag`). */
  tags: Record<string, string>;
  /** Datasets, code, run and author that produced the version. */
  lineage: Lineage;
  /** Incremented by every change to tags or status; the manifest is replaced by compare-and-swap. */
  revision: number;
}

/**
 * One artifact to register: bytes, a stream (Node, web, or async iterable of bytes), or a local file or
 * directory path, given as a string or as `{ file }`. Directories are walked. A stream's chunks are
 * handed to the store as they are, so the rule of `PutBody` in `@mlops/storage` applies: do not reuse
 * a yielded chunk's buffer.
 */
export type ArtifactSource =
  | Uint8Array
  | string
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | { file: string };

/** What the event log records. */
export type RegistryEventType =
  | 'version_registered'
  | 'alias_set'
  | 'alias_deleted'
  | 'tags_set'
  | 'tag_deleted'
  | 'version_archived'
  | 'version_unarchived'
  | 'version_deleted'
  | 'model_deleted'
  | 'event_quarantined'
  | 'promotion_rejected';

/** One entry of a model's append-only event log: who, when, what, from -> to, why. */
export interface RegistryEvent {
  /** Position in the model's log, from 1, contiguous; never rewritten. */
  seq: number;
  /** What happened. */
  type: RegistryEventType;
  /** Model name. */
  name: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** Who made the change. */
  actor: string;
  /** Why (free text given by the caller). */
  reason?: string;
  /** The version concerned (the one registered, tagged, archived; the new alias target). */
  version?: number;
  /** For alias events: the alias name. */
  alias?: string;
  /** For alias events: the previous target (`null` if the alias did not exist). */
  from?: number | null;
  /** For alias events: the new target (`null` when deleted or when a promotion was rejected). */
  to?: number | null;
  /** For alias events: the alias pointer's revision after the change; orders the alias history. */
  aliasRevision?: number;
  /** For `tags_set`: the tags written. */
  tags?: Record<string, string>;
  /** For `tag_deleted`: the key removed. */
  tagKey?: string;
  /** For version events: the version's summary after the change, so the index can be rebuilt from the log. */
  summary?: VersionSummary;
  /** For promotions: the gate's decision and reasons. */
  gate?: { passed: boolean; reasons: string[] };
  /** For alias events: true when the change was a rollback. */
  rollback?: boolean;
  /** For promotions: the alias the candidate came from. */
  promotedFrom?: string;
  /** True when a reader logged this alias move from its pointer because the writer died before logging it. */
  recovered?: boolean;
  /** Hex sha256 of the previous event's stored bytes (64 zeros for the first): tamper evidence checked by `verifyEventLog`. */
  prevHash?: string;
}

/** What the per-model index keeps of every version: enough to list, search and sort without reading manifests. */
export interface VersionSummary {
  /** Version number. */
  version: number;
  /** Registration time, ms since the epoch. */
  createdAt: number;
  /** Last change (tags, status), ms since the epoch. */
  updatedAt: number;
  /** Who registered it. */
  createdBy: string;
  /** Description given at registration. */
  description: string;
  /** `READY`, `ARCHIVED` or `DELETED`. */
  status: VersionStatus;
  /** Evaluation metrics. */
  metrics: Record<string, number>;
  /** Training parameters. */
  params: Record<string, ParamValue>;
  /** Current tags. */
  tags: Record<string, string>;
  /** Training run id from the lineage, searchable as `run_id`. */
  runId?: string;
  /** The version's lineage, searchable as `lineage.dataset.sha256`, `lineage.code.commit`... (absent in indexes written before 0.1; `rebuildIndex()` adds it). */
  lineage?: Lineage;
  /** Manifest revision this summary reflects. */
  revision: number;
}

/** One registered model, as listed by `listModels`. */
export interface RegisteredModel {
  /** Model name. */
  name: string;
  /** Number of versions (including archived ones). */
  versionCount: number;
  /** Highest version number. */
  latestVersion: number;
  /** Alias -> version. */
  aliases: Record<string, number>;
  /** When version 1 was registered (ms since epoch). */
  createdAt: number;
  /** When anything last changed (ms since epoch). */
  updatedAt: number;
  /** Objects of this model that could not be read (`DATA_CORRUPTED`, by key); run `repair()`. */
  damage?: { key: string; message: string }[];
}

/** One entry of an alias's history, oldest first. */
export interface AliasChange {
  /** The alias moved. */
  alias: string;
  /** Previous target (`null`: the alias did not exist). */
  from: number | null;
  /** New target (`null`: the alias was deleted). */
  to: number | null;
  /** When, ms since the epoch. */
  at: number;
  /** Who. */
  actor: string;
  /** Why, as given by the caller. */
  reason?: string;
  /** Alias pointer revision after this change (1 for the first set). */
  revision: number;
  /** The event-log sequence number of this change. */
  seq: number;
  /** True when the change was a rollback. */
  rollback?: boolean;
  /** True when a reader logged the change from the alias pointer because its writer died before logging it. */
  recovered?: boolean;
}
