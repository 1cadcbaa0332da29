import { Table } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import type { ArrowTableLike } from '@mlops/contracts';
import { InvalidArgumentError } from '@mlops/contracts';
import type { Catalog } from './catalog.js';
import { joinKeysOf, keyValueType } from './catalog.js';
import type { EntityValueType } from './definitions.js';
import type { EntityRowsInput } from './entity-rows.js';
import { entityRowsTable, entityTimes } from './entity-rows.js';
import type { ResolvedRequest } from './feature-refs.js';
import { fullName, resolveFeatureRefs } from './feature-refs.js';
import type { HistoricalEngine, JoinPlan, JoinPlanView } from './join-plan.js';
import { runOnDemand } from './on-demand.js';

/** A request for a point-in-time-correct training set. */
export interface HistoricalFeaturesRequest {
  /** Entity rows: join keys, the timestamp column (label time), and any request data columns. */
  entityRows: EntityRowsInput;
  /** Feature refs `view:feature` (or `view:*`), or a feature service name. */
  features: string | readonly string[];
  /** Output names `view__feature` (default true); false gives `feature`, and a name collision throws `INVALID_ARGUMENT`. */
  fullFeatureNames?: boolean;
  /** `arrow` (default, in-process), `duckdb` (needs `@duckdb/node-api`), or an engine object. */
  engine?: 'arrow' | 'duckdb' | HistoricalEngine;
  /** Entity timestamp column. Default `event_timestamp`. */
  timestampColumn?: string;
}

/** What the historical path needs from the store. */
export interface HistoricalContext {
  catalog: Catalog;
  readSource(viewName: string, columns: readonly string[]): Promise<ArrowTableLike>;
  /** The local Parquet path of a view read exactly from that file, else undefined. */
  parquetPath(viewName: string): string | undefined;
  /** Batches of a file source, or undefined when the view must be read whole. */
  sourceBatches(viewName: string, columns: readonly string[]): (() => AsyncIterable<ArrowTableLike>) | undefined;
  engine(name: 'arrow' | 'duckdb'): Promise<HistoricalEngine>;
}

/** Join keys by column, with the declared entity value types, across the requested views. */
export function requestKeyTypes(catalog: Catalog, resolved: ResolvedRequest): Map<string, EntityValueType | undefined> {
  const types = new Map<string, EntityValueType | undefined>();
  for (const viewName of resolved.views.keys()) {
    const view = catalog.views.get(viewName)!;
    for (const key of joinKeysOf(catalog, view)) if (!types.has(key) || types.get(key) === undefined) types.set(key, keyValueType(catalog, view, key));
  }
  return types;
}

/**
 * Point-in-time-correct features for each entity row (Feast semantics): per row and view, the
 * source row with the same keys and the greatest event time `<=` the row's time, no older than
 * the view's TTL; ties go to the greatest created time; no match gives null. Entity rows keep
 * their order and duplicates; output columns are the entity columns, then one per feature.
 */
export async function getHistoricalFeatures(context: HistoricalContext, request: HistoricalFeaturesRequest): Promise<Table> {
  if (!request || typeof request !== 'object') throw new InvalidArgumentError('getHistoricalFeatures: expected { entityRows, features }.');
  const { catalog } = context;
  const timestampColumn = request.timestampColumn ?? 'event_timestamp';
  const fullFeatureNames = request.fullFeatureNames ?? true;
  // Resolve first without reserved names to learn the key types, then build the rows and check collisions.
  const preliminary = resolveFeatureRefs(catalog, request.features, fullFeatureNames);
  const rows = entityRowsTable(request.entityRows, timestampColumn, requestKeyTypes(catalog, preliminary));
  const entityColumns = rows.schema.fields.map((f) => f.name);
  const resolved = resolveFeatureRefs(catalog, request.features, fullFeatureNames, entityColumns);
  const times = entityTimes(rows, timestampColumn);
  const missingKeys = new Set<string>();
  const views: JoinPlanView[] = [];
  for (const [viewName, features] of resolved.views) {
    const view = catalog.views.get(viewName)!;
    const joinKeys = joinKeysOf(catalog, view);
    for (const k of joinKeys) if (!rows.getChild(k)) missingKeys.add(k);
    views.push({ view, joinKeys, features });
  }
  if (missingKeys.size > 0) {
    throw new InvalidArgumentError(
      `entity rows: join key column${missingKeys.size === 1 ? '' : 's'} [${[...missingKeys].join(', ')}] expected by the requested views, found columns [${entityColumns.join(', ')}]. Add ${missingKeys.size === 1 ? 'it' : 'them'}.`,
      { details: { missing: [...missingKeys] } },
    );
  }
  const engine = typeof request.engine === 'object' && request.engine !== null ? request.engine : await context.engine(request.engine ?? 'arrow');
  const plannedViews: JoinPlanView[] = [];
  for (const part of views) {
    const v = part.view;
    const columns = [...part.joinKeys, v.timestampColumn, ...(v.createdTimestampColumn ? [v.createdTimestampColumn] : []), ...part.features];
    const batches = engine.readsBatches ? context.sourceBatches(v.name, columns) : undefined;
    const parquetPath = context.parquetPath(v.name);
    plannedViews.push(batches ? { ...part, batches } : { ...part, source: await context.readSource(v.name, columns), ...(parquetPath ? { parquetPath } : {}) });
  }
  const plan: JoinPlan = { entityRows: rows, timestampColumn, entityTimes: times, views: plannedViews };
  const joined = await engine.join(plan);
  const columns: Record<string, Vector> = {};
  for (const name of entityColumns) columns[name] = rows.getChild(name) as unknown as Vector;
  const onDemandOut = new Map<string, Vector>();
  for (const odfv of resolved.onDemand) {
    const out = runOnDemand(odfv, rows.numRows, (name) => joined.get(name) ?? rows.getChild(name) ?? undefined);
    for (const [f, v] of out) onDemandOut.set(fullName(odfv.name, f), v);
  }
  for (const f of resolved.features) {
    const internal = fullName(f.view, f.feature);
    columns[f.outputName] = (f.onDemand ? onDemandOut.get(internal) : joined.get(internal))!;
  }
  return new Table(columns);
}
