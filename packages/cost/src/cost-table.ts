import { MlopsError } from '@mlops/contracts';
import { columnNames, readCategories, readNumbers } from './arrow-columns.js';
import type { ArrowTableLike, Categories } from './arrow-columns.js';
import { CostErrorCode } from './error-codes.js';

/** Schema metadata key under which a cost table records how it was computed (JSON). */
export const COST_METADATA_KEY = 'mlops.cost';

/** How a cost table was computed; stored as JSON in its schema metadata. */
export interface CostTableMetadata {
  /** Layout version of the cost table. */
  version: 1;
  /** ISO 4217 currency of every amount. */
  currency: string;
  /** Split method id (`aws-split-9-1`, `opencost-ratio`, or a custom id). */
  method: string;
  /** Custom per-unit weights, when the method is custom. */
  weights: { gpu: number; cpu: number; memory: number } | null;
  /** Charge basis. */
  basis: 'max' | 'request' | 'usage';
  /** Idle handling. */
  idle: { mode: 'separate' | 'share'; by: 'proportional' | 'even'; scope: 'node' | 'cluster'; level: 'resource' | 'node' };
  /** Shared-overhead handling. */
  shared: { labels: Record<string, readonly string[]>; by: 'proportional' | 'even'; scope: 'node' | 'cluster' } | null;
  /** Window step, ms. */
  stepMs: number;
  /** Attributed range start, epoch ms. */
  start: number;
  /** Attributed range end, epoch ms. */
  end: number;
  /** Price catalog source. */
  priceSource: string | null;
  /** Price catalog date. */
  pricesAsOf: string | null;
}

/** A cost table read into typed arrays. */
export interface CostColumns {
  n: number;
  windowStart: Float64Array;
  windowEnd: Float64Array;
  node: Categories;
  instanceType: Categories;
  region: Categories;
  pricingModel: Categories;
  resourceKind: Categories;
  unit: Categories;
  sku: Categories;
  allocation: Categories;
  labels: { key: string; column: string; cats: Categories }[];
  quantityHours: Float64Array;
  usageHours: Float64Array;
  allocatedMicros: Float64Array;
  idleMicros: Float64Array;
  sharedMicros: Float64Array;
  totalMicros: Float64Array;
  listMicros: Float64Array;
  meta: CostTableMetadata | null;
}

const REQUIRED = [
  'window_start', 'window_end', 'node', 'resource_kind', 'pricing_model', 'allocation',
  'allocated_micros', 'idle_micros', 'shared_micros', 'total_micros', 'list_micros',
] as const;

// Tables made by attributeCosts keep their typed arrays here, so aggregations over a fresh cost
// table skip decoding it again. Keyed by object identity; a table from elsewhere is decoded.
const decoded = new WeakMap<object, CostColumns>();

/** Remembers the decoded columns of a cost table built in this process. */
export function rememberCostColumns(table: object, cols: CostColumns): void {
  decoded.set(table, cols);
}

/** Reads a cost table written by `attributeCosts` (or the same columns from elsewhere, e.g. read back from Parquet). */
export function readCostTable(table: ArrowTableLike): CostColumns {
  const known = decoded.get(table);
  if (known) return known;
  const names = columnNames(table);
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length) {
    throw new MlopsError(
      CostErrorCode.InvalidCostTable,
      `Expected a cost table from attributeCosts(), but the columns ${missing.join(', ')} are missing (found: ${names.join(', ')}). ` +
        'Pass the table attributeCosts() returned, not the usage table or an aggregate.',
      { details: { missing } },
    );
  }
  const n = table.numRows;
  const cats = (name: string): Categories => {
    const v = table.getChild(name);
    return v ? readCategories(v, name) : { codes: new Int32Array(n).fill(-1), values: [] };
  };
  const nums = (name: string): Float64Array => {
    const v = table.getChild(name);
    return v ? readNumbers(v, name, 'number') : new Float64Array(n);
  };
  const rawMeta = table.schema.metadata?.get(COST_METADATA_KEY);
  let meta: CostTableMetadata | null = null;
  if (rawMeta) {
    try {
      meta = JSON.parse(rawMeta) as CostTableMetadata;
    } catch {
      meta = null;
    }
  }
  return {
    n,
    windowStart: readNumbers(table.getChild('window_start')!, 'window_start', 'time'),
    windowEnd: readNumbers(table.getChild('window_end')!, 'window_end', 'time'),
    node: cats('node'),
    instanceType: cats('instance_type'),
    region: cats('region'),
    pricingModel: cats('pricing_model'),
    resourceKind: cats('resource_kind'),
    unit: cats('unit'),
    sku: cats('sku'),
    allocation: cats('allocation'),
    labels: names.filter((c) => c.startsWith('label_')).map((column) => ({ key: column.slice(6), column, cats: cats(column) })),
    quantityHours: nums('quantity_hours'),
    usageHours: nums('usage_hours'),
    allocatedMicros: nums('allocated_micros'),
    idleMicros: nums('idle_micros'),
    sharedMicros: nums('shared_micros'),
    totalMicros: nums('total_micros'),
    listMicros: nums('list_micros'),
    meta,
  };
}

/** The string at row `i` of a category column, or null. */
export function categoryAt(c: Categories, i: number): string | null {
  const k = c.codes[i]!;
  return k < 0 ? null : c.values[k]!;
}
