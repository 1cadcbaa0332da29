import type { ArrowTableLike, ArrowVectorLike, TypeKind } from '@mlops/contracts';
import { InvalidArgumentError, TYPE_KINDS } from '@mlops/contracts';
import type { ObjectStore } from '@mlops/storage';

/** The type of an entity's join key values. */
export type EntityValueType = 'string' | 'int32' | 'int64';

/** Options of {@link defineEntity}. */
export interface EntityOptions {
  /** Unique entity name, e.g. `driver`. */
  name: string;
  /** Columns that identify one entity, e.g. `['driver_id']`. Default `[name]`. */
  joinKeys?: readonly string[];
  /** Type of the join key values; when set, sources and entity rows are checked against it. */
  valueType?: EntityValueType;
  /** Free text for people. */
  description?: string;
}

/** An entity: what features describe (a driver, a customer), identified by its join keys. */
export interface Entity {
  /** Discriminator. */
  readonly kind: 'entity';
  /** Unique entity name. */
  readonly name: string;
  /** Join key columns, in order. */
  readonly joinKeys: readonly string[];
  /** Declared key type, if any. */
  readonly valueType: EntityValueType | undefined;
  /** Free text for people. */
  readonly description: string | undefined;
}

/** A feature column: its name, and optionally the type family the source column must have. */
export interface FeatureField {
  /** Column name in the source (and feature name in refs `view:feature`). */
  readonly name: string;
  /** Required type family (`float64`, `int64`, `numeric`, `utf8-like`, `bool`...). Default: any scalar. */
  readonly type: TypeKind | undefined;
}

/** File formats a file source can hold. */
export type SourceFormat = 'parquet' | 'ipc' | 'csv';

/**
 * A source file on an `ObjectStore`. `path` is a key of `store` when given, else a key of the
 * feature store's `offline.store`, else a URL (`file://`, `s3://`, `gs://`) or local path.
 */
export interface FileSource {
  /** Key in the store, URL or local path, e.g. `s3://bucket/features/driver_stats.parquet`. */
  readonly path: string;
  /** Default: from the extension (`.parquet`, `.arrow`/`.ipc`/`.feather`, `.csv`). */
  readonly format?: SourceFormat;
  /** The store holding `path`. */
  readonly store?: ObjectStore;
}

/** Where a feature view's rows come from: an in-memory Arrow table, or a file. */
export type FeatureSource = ArrowTableLike | FileSource;

/** Options of {@link defineFeatureView}. */
export interface FeatureViewOptions {
  /** Unique view name; feature refs are `name:feature`. */
  name: string;
  /** Entities (objects or names) whose join keys key this view's rows. At least one. */
  entities: readonly (Entity | string)[];
  /** The rows: an Arrow table or a file source. */
  source: FeatureSource;
  /** How long a value stays valid after its event time, in ms. 0 or omitted: forever (as in Feast). */
  ttlMs?: number;
  /** Feature columns: names, or `{ name, type }`. */
  features: readonly (string | { name: string; type?: TypeKind })[];
  /** Event time column of the source. Default `event_timestamp`. */
  timestampColumn?: string;
  /** Column that breaks ties between equal event times (later wins), e.g. `created_timestamp`. */
  createdTimestampColumn?: string;
  /** Free-form labels. */
  tags?: Readonly<Record<string, string>>;
  /** Whether `materialize` writes this view to the online store. Default true. */
  online?: boolean;
}

/** A feature view: features of some entities, read from one source, valid for `ttlMs`. */
export interface FeatureView {
  /** Discriminator. */
  readonly kind: 'featureView';
  /** Unique view name. */
  readonly name: string;
  /** Entity names. */
  readonly entities: readonly string[];
  /** Where the rows come from. */
  readonly source: FeatureSource;
  /** Validity of a value after its event time, ms; 0 = forever. */
  readonly ttlMs: number;
  /** Feature columns. */
  readonly features: readonly FeatureField[];
  /** Event time column of the source. */
  readonly timestampColumn: string;
  /** Tie-break column (later created wins), if any. */
  readonly createdTimestampColumn: string | undefined;
  /** Free-form labels. */
  readonly tags: Readonly<Record<string, string>>;
  /** Whether `materialize` writes this view online. */
  readonly online: boolean;
}

/** Options of {@link defineFeatureService}. */
export interface FeatureServiceOptions {
  /** Unique service name; pass it as `features` to retrieve all its features. */
  name: string;
  /** Feature refs `view:feature`, or whole views (objects or `view:*`). */
  features: readonly (string | FeatureView | OnDemandFeatureView)[];
  /** Free text for people. */
  description?: string;
}

/** A named list of features that a model uses. */
export interface FeatureService {
  /** Discriminator. */
  readonly kind: 'featureService';
  /** Unique service name. */
  readonly name: string;
  /** Normalised refs `view:feature` or `view:*`. */
  readonly features: readonly string[];
  /** Free text for people. */
  readonly description: string | undefined;
}

/** What an on-demand transform receives: input columns by name. */
export interface OnDemandInput {
  /** Number of rows. */
  readonly numRows: number;
  /**
   * Input columns by name: source features as `view__feature`, request data under their own
   * names. Numeric, Bool and timestamp columns as `Float64Array` (NaN = null; bools 0/1;
   * timestamps epoch ms), strings as `(string | null)[]`.
   */
  readonly columns: Readonly<Record<string, Float64Array | readonly (string | null)[]>>;
  /**
   * The same inputs as the Arrow vectors they came from (original types: Int64, Timestamp,
   * Utf8, dictionary...), for transforms that want Arrow's own types or null bitmaps.
   */
  readonly vectors: Readonly<Record<string, ArrowVectorLike>>;
}

/** One output column of a transform: numbers (NaN = null), strings, booleans or nulls. */
export type OnDemandColumn = Float64Array | readonly (number | string | boolean | null)[];

/** Options of {@link defineOnDemandFeatureView}. */
export interface OnDemandFeatureViewOptions {
  /** Unique name (shares the namespace of feature views); refs are `name:feature`. */
  name: string;
  /** Input features: refs `view:feature` of feature views. */
  sources: readonly string[];
  /** Names of request-time inputs (columns of the entity rows offline, `requestData` online). */
  requestData?: readonly string[];
  /** Output features: names, or `{ name, type }` with type `float64` (default), `int64`, `bool` or `utf8`. */
  features: readonly (string | { name: string; type?: OnDemandFeatureType })[];
  /** Vectorised transform: columns in, one column per output feature out. */
  transform: (input: OnDemandInput) => Record<string, OnDemandColumn>;
}

/** Output types of an on-demand feature. */
export type OnDemandFeatureType = 'float64' | 'int64' | 'bool' | 'utf8';

/** A feature view computed at request time from other views' features and request data. */
export interface OnDemandFeatureView {
  /** Discriminator. */
  readonly kind: 'onDemandFeatureView';
  /** Unique name (shared namespace with feature views). */
  readonly name: string;
  /** Input refs `view:feature`. */
  readonly sources: readonly string[];
  /** Request-time input column names. */
  readonly requestData: readonly string[];
  /** Output features with their types. */
  readonly features: readonly { readonly name: string; readonly type: OnDemandFeatureType }[];
  /** The vectorised transform. */
  readonly transform: (input: OnDemandInput) => Record<string, OnDemandColumn>;
}

function requireName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || /[:\s]/.test(value) || value.includes('__')) {
    throw new InvalidArgumentError(`${what}: expected a non-empty name without ':', '__' or spaces, found ${JSON.stringify(value)}. Use e.g. "driver_stats".`);
  }
  return value;
}

function requireStringList(value: unknown, what: string, allowEmpty = false): string[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0) || value.some((v) => typeof v !== 'string' || v.length === 0)) {
    throw new InvalidArgumentError(`${what}: expected ${allowEmpty ? 'a' : 'a non-empty'} list of non-empty strings, found ${JSON.stringify(value)}.`);
  }
  return [...(value as string[])];
}

/** Defines an entity. Throws `INVALID_ARGUMENT` for a malformed definition. */
export function defineEntity(options: EntityOptions): Entity {
  const name = requireName(options?.name, 'defineEntity name');
  const joinKeys = options.joinKeys === undefined ? [name] : requireStringList(options.joinKeys, `defineEntity "${name}" joinKeys`);
  if (new Set(joinKeys).size !== joinKeys.length) throw new InvalidArgumentError(`defineEntity "${name}": joinKeys ${JSON.stringify(joinKeys)} name a column twice; list each once.`);
  if (options.valueType !== undefined && !['string', 'int32', 'int64'].includes(options.valueType)) {
    throw new InvalidArgumentError(`defineEntity "${name}": valueType must be "string", "int32" or "int64", found ${JSON.stringify(options.valueType)}.`);
  }
  return Object.freeze({ kind: 'entity', name, joinKeys: Object.freeze(joinKeys), valueType: options.valueType, description: options.description });
}

/** True when `source` is a {@link FileSource} rather than an Arrow table. */
export function isFileSource(source: FeatureSource): source is FileSource {
  return typeof (source as FileSource).path === 'string' && typeof (source as ArrowTableLike).getChild !== 'function';
}

/** Defines a feature view. Shape problems throw `INVALID_ARGUMENT` here; cross-checks happen in `createFeatureStore`. */
export function defineFeatureView(options: FeatureViewOptions): FeatureView {
  const name = requireName(options?.name, 'defineFeatureView name');
  if (!Array.isArray(options.entities) || options.entities.length === 0) {
    throw new InvalidArgumentError(`defineFeatureView "${name}": expected entities (at least one entity or entity name), found ${JSON.stringify(options.entities)}.`);
  }
  const entities = options.entities.map((e) => (typeof e === 'string' ? e : e?.name));
  if (entities.some((e) => typeof e !== 'string' || e.length === 0)) throw new InvalidArgumentError(`defineFeatureView "${name}": every entity must be an entity object or a name.`);
  const source = options.source;
  const isTable = typeof (source as ArrowTableLike | undefined)?.getChild === 'function';
  if (!source || (!isTable && typeof (source as FileSource).path !== 'string')) {
    throw new InvalidArgumentError(`defineFeatureView "${name}": expected source to be an Arrow table or { path, format?, store? }, found ${typeof source}.`);
  }
  const ttlMs = options.ttlMs ?? 0;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new InvalidArgumentError(`defineFeatureView "${name}": ttlMs must be a finite number >= 0 (0 = no TTL), found ${options.ttlMs}.`);
  if (!Array.isArray(options.features) || options.features.length === 0) throw new InvalidArgumentError(`defineFeatureView "${name}": expected at least one feature, found none.`);
  const features: FeatureField[] = options.features.map((f) => {
    const fname = typeof f === 'string' ? f : f?.name;
    if (typeof fname !== 'string' || fname.length === 0 || fname.includes(':')) throw new InvalidArgumentError(`defineFeatureView "${name}": feature names must be non-empty strings without ':', found ${JSON.stringify(f)}.`);
    const type = typeof f === 'string' ? undefined : f.type;
    if (type !== undefined && !(TYPE_KINDS as readonly string[]).includes(type)) {
      throw new InvalidArgumentError(`defineFeatureView "${name}": feature "${fname}" has type ${JSON.stringify(type)}; expected one of ${TYPE_KINDS.join(', ')}.`);
    }
    return Object.freeze({ name: fname, type });
  });
  const format = isTable ? undefined : (source as FileSource).format;
  if (format !== undefined && !['parquet', 'ipc', 'csv'].includes(format)) throw new InvalidArgumentError(`defineFeatureView "${name}": source format must be parquet, ipc or csv, found ${JSON.stringify(format)}.`);
  return Object.freeze({
    kind: 'featureView',
    name,
    entities: Object.freeze(entities as string[]),
    source,
    ttlMs,
    features: Object.freeze(features),
    timestampColumn: options.timestampColumn ?? 'event_timestamp',
    createdTimestampColumn: options.createdTimestampColumn,
    tags: Object.freeze({ ...(options.tags ?? {}) }),
    online: options.online ?? true,
  });
}

/** Defines a feature service (a named feature list). */
export function defineFeatureService(options: FeatureServiceOptions): FeatureService {
  const name = requireName(options?.name, 'defineFeatureService name');
  if (!Array.isArray(options.features) || options.features.length === 0) throw new InvalidArgumentError(`defineFeatureService "${name}": expected at least one feature ref or view.`);
  const features = options.features.map((f) => {
    if (typeof f === 'string') {
      if (!/^[^:]+:[^:]+$/.test(f)) throw new InvalidArgumentError(`defineFeatureService "${name}": expected refs "view:feature" or "view:*", found ${JSON.stringify(f)}.`);
      return f;
    }
    if (f && (f.kind === 'featureView' || f.kind === 'onDemandFeatureView')) return `${f.name}:*`;
    throw new InvalidArgumentError(`defineFeatureService "${name}": expected refs or views, found ${JSON.stringify(f)}.`);
  });
  return Object.freeze({ kind: 'featureService', name, features: Object.freeze(features), description: options.description });
}

/** Defines an on-demand feature view: a vectorised transform computed at request time. */
export function defineOnDemandFeatureView(options: OnDemandFeatureViewOptions): OnDemandFeatureView {
  const name = requireName(options?.name, 'defineOnDemandFeatureView name');
  const sources = requireStringList(options.sources ?? [], `defineOnDemandFeatureView "${name}" sources`, true);
  for (const s of sources) if (!/^[^:]+:[^:*]+$/.test(s)) throw new InvalidArgumentError(`defineOnDemandFeatureView "${name}": sources must be refs "view:feature", found ${JSON.stringify(s)}.`);
  const requestData = requireStringList(options.requestData ?? [], `defineOnDemandFeatureView "${name}" requestData`, true);
  if (sources.length + requestData.length === 0) throw new InvalidArgumentError(`defineOnDemandFeatureView "${name}": needs at least one source feature or request data column.`);
  if (typeof options.transform !== 'function') throw new InvalidArgumentError(`defineOnDemandFeatureView "${name}": transform must be a function (input columns) => output columns.`);
  if (!Array.isArray(options.features) || options.features.length === 0) throw new InvalidArgumentError(`defineOnDemandFeatureView "${name}": expected at least one output feature.`);
  const features = options.features.map((f) => {
    const fname = typeof f === 'string' ? f : f?.name;
    const type = (typeof f === 'string' ? undefined : f.type) ?? 'float64';
    if (typeof fname !== 'string' || fname.length === 0 || fname.includes(':')) throw new InvalidArgumentError(`defineOnDemandFeatureView "${name}": feature names must be non-empty strings without ':'.`);
    if (!['float64', 'int64', 'bool', 'utf8'].includes(type)) throw new InvalidArgumentError(`defineOnDemandFeatureView "${name}": feature "${fname}" type must be float64, int64, bool or utf8, found ${JSON.stringify(type)}.`);
    return Object.freeze({ name: fname, type });
  });
  return Object.freeze({ kind: 'onDemandFeatureView', name, sources: Object.freeze(sources), requestData: Object.freeze(requestData), features: Object.freeze(features), transform: options.transform });
}
