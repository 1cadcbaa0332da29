import { Table } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import type { ArrowTableLike } from '@mlops/contracts';
import { InvalidArgumentError, NotFoundError, SchemaMismatchError } from '@mlops/contracts';
import type { ObjectStore, OpenStoreOptions } from '@mlops/storage';
import { createArrowEngine } from './arrow-engine.js';
import { appendRows, castColumn } from './cast-column.js';
import type { Catalog } from './catalog.js';
import { buildCatalog, joinKeysOf, keyValueType, sourceSchemaProblems } from './catalog.js';
import type { Entity, FeatureService, FeatureView, OnDemandFeatureView } from './definitions.js';
import { isFileSource } from './definitions.js';
import { createDuckDbEngine } from './duckdb-engine.js';
import { entityRowsTable } from './entity-rows.js';
import type { HistoricalFeaturesRequest } from './historical.js';
import { getHistoricalFeatures } from './historical.js';
import type { HistoricalEngine } from './join-plan.js';
import { createMemoryOnlineStore } from './memory-online-store.js';
import type { MaterializeIncrementalOptions, MaterializeOptions, MaterializeResult, OnlineContext, OnlineFeaturesRequest, OnlineFeaturesResult, PushTarget } from './online.js';
import { getOnlineFeatures, materialize, materializeIncremental, pushOnline } from './online.js';
import type { OnlineStoreV1 } from './online-store.js';
import type { SourceContext } from './source-reader.js';
import { formatOf, localPath, readViewSource, readViewSourceBatches } from './source-reader.js';
import { pushOffline } from './offline-push.js';
import type { SqlOptions } from './sql.js';
import { toSql } from './sql.js';

const SLICE_ROWS = 65_536;

/** Options of {@link createFeatureStore}. */
export interface FeatureStoreOptions {
  /** Entities made by `defineEntity`. */
  entities: readonly Entity[];
  /** Feature views made by `defineFeatureView`. */
  views: readonly FeatureView[];
  /** Feature services made by `defineFeatureService`. */
  services?: readonly FeatureService[];
  /** On-demand views made by `defineOnDemandFeatureView`. */
  onDemand?: readonly OnDemandFeatureView[];
  /** Online store. Default: a new in-memory store. */
  online?: OnlineStoreV1;
  /** Offline settings: where file sources are read from (and offline pushes written to). */
  offline?: {
    /** The store that file sources given as plain keys are read from. */
    store?: ObjectStore;
    /**
     * Client settings for the stores opened for sources given as URLs (`s3://` endpoint, region and
     * credentials; `gs://` project and endpoint), passed to `openStore` of `@mlops/storage`.
     * Default: the SDKs' own defaults (environment, credential chain).
     */
    storeOptions?: OpenStoreOptions;
  };
  /** Current time in epoch ms, for TTL checks on online reads. Default `Date.now`. */
  clock?: () => number;
}

/** Options of {@link FeatureStore.push}. */
export interface PushOptions {
  /**
   * `online` (default), `offline` or `both`. Offline rows of a file-backed view (Parquet or Arrow
   * IPC) are written into its file on its ObjectStore, atomically (a reader sees the old file or
   * the new one), in the file's format and column types; they are appended in memory for a view
   * whose source is an Arrow table. `both` writes offline first.
   */
  to?: PushTarget;
}

/** Result of {@link FeatureStore.push}. */
export interface PushResult {
  /** Rows received. */
  rows: number;
  /** Online rows written (latest per key, newer than stored). */
  written: number;
  /** Online rows ignored (older than or as old as stored). */
  skipped: number;
}

/** A feature store: definitions plus offline retrieval, online store, materialization and push. */
export interface FeatureStore {
  /** The validated definitions. */
  readonly catalog: Catalog;
  /** The online store in use. */
  readonly online: OnlineStoreV1;
  /** A point-in-time-correct training set; see `HistoricalFeaturesRequest`. */
  getHistoricalFeatures(request: HistoricalFeaturesRequest): Promise<Table>;
  /** The same join as portable SQL for a warehouse; see `SqlOptions`. */
  toSql(request: { features: string | readonly string[]; fullFeatureNames?: boolean }, options: SqlOptions): string;
  /** Writes the latest values in [start, end] to the online store. */
  materialize(options: MaterializeOptions): Promise<MaterializeResult>;
  /** Materializes each view from its watermark up to `end`. */
  materializeIncremental(options: MaterializeIncrementalOptions): Promise<MaterializeResult>;
  /** Streams rows of a view in (Arrow table or plain columns); rows older than what is stored are ignored online. */
  push(viewName: string, rows: ArrowTableLike | Readonly<Record<string, readonly unknown[]>>, options?: PushOptions): Promise<PushResult>;
  /** Latest values per entity row with statuses (TTL enforced on read). */
  getOnlineFeatures(request: OnlineFeaturesRequest): Promise<OnlineFeaturesResult>;
  /** Closes the online store and any engine opened by the store. */
  close(): Promise<void>;
}

/**
 * Creates a feature store. Every definition is checked up front (duplicate names, unknown
 * entities or features, join keys, timestamps and features missing from or mistyped in the
 * in-memory sources): one `INVALID_ARGUMENT` error lists every problem (`details.problems`).
 * File sources are checked when read.
 */
export function createFeatureStore(options: FeatureStoreOptions): FeatureStore {
  if (!options || typeof options !== 'object') throw new InvalidArgumentError('createFeatureStore: expected { entities, views, services?, onDemand?, online?, offline? }.');
  const catalog = buildCatalog({ entities: options.entities, views: options.views, services: options.services ?? [], onDemand: options.onDemand ?? [] });
  const online = options.online ?? createMemoryOnlineStore();
  const clock = options.clock ?? Date.now;
  // Offline pushes to in-memory sources (no file to write to) are kept here, per view.
  const pushed = new Map<string, ArrowTableLike[]>();
  const sourceContext = (): SourceContext => ({
    ...(options.offline?.store ? { offlineStore: options.offline.store } : {}),
    ...(options.offline?.storeOptions ? { storeOptions: options.offline.storeOptions } : {}),
  });
  const engines = new Map<string, HistoricalEngine & { close?: () => Promise<void> }>();
  const readSource = async (viewName: string, columns: readonly string[]): Promise<ArrowTableLike> => {
    const view = catalog.views.get(viewName)!;
    let table = await readViewSource(catalog, view, sourceContext(), columns);
    for (const extra of pushed.get(viewName) ?? []) table = appendRows(table, extra, columns);
    return table;
  };
  // Materialization reads sources batch by batch: file batches, or slices of an in-memory table.
  const sourceBatches = async function* (viewName: string, columns: readonly string[]): AsyncGenerator<ArrowTableLike, void, undefined> {
    const view = catalog.views.get(viewName)!;
    if (isFileSource(view.source)) {
      yield* readViewSourceBatches(catalog, view, sourceContext(), columns);
      return;
    }
    for (const table of [view.source as ArrowTableLike, ...(pushed.get(viewName) ?? [])]) {
      const slice = (table as { slice?: (begin: number, end: number) => ArrowTableLike }).slice;
      if (typeof slice !== 'function') {
        yield table;
        continue;
      }
      for (let begin = 0; begin < table.numRows; begin += SLICE_ROWS) yield slice.call(table, begin, Math.min(table.numRows, begin + SLICE_ROWS));
    }
  };
  const onlineContext: OnlineContext = { catalog, online, now: () => clock(), sourceBatches };
  const toTable = (view: FeatureView, rows: ArrowTableLike | Readonly<Record<string, readonly unknown[]>>): ArrowTableLike => {
    const keyTypes = new Map(joinKeysOf(catalog, view).map((k) => [k, keyValueType(catalog, view, k)] as const));
    let table = entityRowsTable(rows, view.timestampColumn, keyTypes, view.createdTimestampColumn ? [view.createdTimestampColumn] : []);
    const problems = sourceSchemaProblems(catalog, view, table.schema.fields);
    if (problems.length > 0) throw new SchemaMismatchError(`push to view "${view.name}": the rows do not fit the view:\n- ${problems.join('\n- ')}`, { problems });
    if (!isFileSource(view.source)) {
      // Pushed rows take the in-memory source's exact types, so both read alike later.
      const source = view.source as ArrowTableLike;
      const columns: Record<string, Vector> = {};
      for (const field of source.schema.fields) {
        const column = table.getChild(field.name);
        if (column) columns[field.name] = castColumn(column, field.type, field.name);
      }
      table = new Table(columns);
    }
    return table;
  };
  return {
    catalog,
    online,
    getHistoricalFeatures(request) {
      return getHistoricalFeatures(
        {
          catalog,
          readSource,
          parquetPath(viewName) {
            const view = catalog.views.get(viewName)!;
            if (!isFileSource(view.source) || formatOf(view.source) !== 'parquet') return undefined;
            return localPath(view.source, sourceContext());
          },
          sourceBatches(viewName, columns) {
            const view = catalog.views.get(viewName)!;
            if (!isFileSource(view.source)) return undefined;
            return () => readViewSourceBatches(catalog, view, sourceContext(), columns);
          },
          async engine(name) {
            let engine = engines.get(name);
            if (!engine) {
              if (name === 'arrow') engine = createArrowEngine();
              else if (name === 'duckdb') engine = createDuckDbEngine();
              else throw new InvalidArgumentError(`getHistoricalFeatures: engine must be "arrow", "duckdb" or an engine object, found ${JSON.stringify(name)}.`);
              engines.set(name, engine);
            }
            return engine;
          },
        },
        request,
      );
    },
    toSql(request, sqlOptions) {
      return toSql(catalog, request, sqlOptions);
    },
    materialize: (o) => materialize(onlineContext, o),
    materializeIncremental: (o) => materializeIncremental(onlineContext, o),
    async push(viewName, rows, pushOptions = {}) {
      const view = catalog.views.get(viewName);
      if (!view) throw new NotFoundError(`push: unknown feature view "${viewName}"; known: [${[...catalog.views.keys()].join(', ')}].`, { details: { view: viewName } });
      const to = pushOptions.to ?? 'online';
      if (!['online', 'offline', 'both'].includes(to)) throw new InvalidArgumentError(`push: "to" must be "online", "offline" or "both", found ${JSON.stringify(to)}.`);
      const table = toTable(view, rows);
      let result = { written: 0, skipped: 0 };
      // Offline first: once the rows are durable, a failed online write can be retried.
      if (to !== 'online') {
        if (isFileSource(view.source)) await pushOffline(catalog, view, table, sourceContext());
        else pushed.set(viewName, [...(pushed.get(viewName) ?? []), table]);
      }
      if (to !== 'offline') result = await pushOnline(onlineContext, view, table);
      return { rows: table.numRows, ...result };
    },
    getOnlineFeatures: (request) => getOnlineFeatures(onlineContext, request),
    async close() {
      for (const engine of engines.values()) await engine.close?.();
      await online.close();
    },
  };
}
