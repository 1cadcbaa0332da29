import type { Vector } from 'apache-arrow';
import type { ArrowTableLike } from '@mlops/contracts';
import type { FeatureView } from './definitions.js';

/** One feature view's part of a point-in-time join. */
export interface JoinPlanView {
  /** The view (TTL, timestamp columns). */
  readonly view: FeatureView;
  /** Its join keys. */
  readonly joinKeys: readonly string[];
  /** Features to fetch. */
  readonly features: readonly string[];
  /** Its source rows, read and checked; absent only when `batches` is given. */
  readonly source?: ArrowTableLike;
  /**
   * Set instead of `source` for file sources when the engine declares `readsBatches`: the rows
   * as checked record batches, read one at a time, so a source need not fit in memory.
   */
  readonly batches?: () => AsyncIterable<ArrowTableLike>;
  /**
   * When `source` is exactly a local Parquet file (no pushed rows), its path: engines that read
   * Parquet themselves (DuckDB) may query it in place; row i of the file is row i of `source`.
   */
  readonly parquetPath?: string;
}

/** Everything an engine needs for a point-in-time join. */
export interface JoinPlan {
  /** Entity rows (join keys, the timestamp column, anything else). */
  readonly entityRows: ArrowTableLike;
  /** Entity timestamp column name. */
  readonly timestampColumn: string;
  /** Entity times as epoch ms, checked (no nulls, plausible). */
  readonly entityTimes: Float64Array;
  /** Views to join. */
  readonly views: readonly JoinPlanView[];
}

/**
 * A historical retrieval engine: given a plan, one column per `view__feature`, aligned with
 * the entity rows (same order, same length). `arrow` is built in; `@mlops/features/duckdb`
 * provides `createDuckDbEngine`.
 */
export interface HistoricalEngine {
  /** Engine name for messages, e.g. `arrow`, `duckdb`. */
  readonly name: string;
  /** True when the engine accepts `batches` for file sources instead of whole tables. */
  readonly readsBatches?: boolean;
  /** Runs the join. */
  join(plan: JoinPlan): Promise<Map<string, Vector>>;
}
