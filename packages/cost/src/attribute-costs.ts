import { Table } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { dictionaryVector, float64Vector, int64Vector, timestampVector } from './arrow-columns.js';
import type { AttributeCostsOptions } from './attribute-options.js';
import { attributeWindows, rowsSchema } from './attribute-window.js';
import { planAttribution } from './attribution-plan.js';
import { CostRows } from './cost-rows.js';
import { COST_METADATA_KEY, rememberCostColumns } from './cost-table.js';
import type { CostColumns } from './cost-table.js';

export type { AttributeCostsOptions, IdleOptions, SharedOptions, UnitPrices, WindowOptions } from './attribute-options.js';

/**
 * Turns usage into cost, exactly: every usage interval is intersected with each window (hourly by
 * default), each node's price per window is split across GPU, CPU and memory by `method`, and each
 * workload is charged its share of what it held (`max(request, usage)` by default; fractional GPUs
 * charge their fraction). What no workload held is idle, reported as `__idle__` rows or shared
 * back. Money is integer micro-units, so for every window, node and resource the rows' `total_micros`
 * add up to the asset cost exactly (with cluster-scoped sharing: per window and resource).
 *
 * Returns a cost table (Arrow): one row per window x workload group (node, resource, sku, labels)
 * plus idle rows; columns are listed in the README. Feed it to `aggregateCosts`, `spotSavings`,
 * `toFocus`, `evaluateBudgets` and `renderCostReport`.
 *
 * @throws MlopsError `INVALID_USAGE`, `UNKNOWN_NODE`, `UNKNOWN_INSTANCE_TYPE`, `AMBIGUOUS_PRICE`,
 *   `USAGE_OUTSIDE_ASSET`, `DUPLICATE_USAGE`, `OVERCOMMITTED`, `INVALID_ARGUMENT`, each listing every
 *   offending row kind or name; nothing is charged when any is thrown.
 */
export function attributeCosts(options: AttributeCostsOptions): Table {
  return costColumnsTable(computeCostColumns(options));
}

/**
 * The work of {@link attributeCosts}, up to typed arrays (no Arrow). Windows are attributed one by
 * one (see `attributeWindow`); rows come window by window: that window's workload rows, ordered by
 * node, resource and workload, then its idle rows.
 */
export function computeCostColumns(options: AttributeCostsOptions): CostColumns {
  const plan = planAttribution(options);
  // Rows are at most one per piece plus one idle row per asset cell, so this never regrows.
  const rows = new CostRows(rowsSchema(plan), plan.pieces.rec.length + plan.cells.size);
  attributeWindows(plan, rows);
  return rows.columns();
}

/** The Arrow cost table of computed columns; remembers the typed arrays so later steps skip reading them back. */
function costColumnsTable(c: CostColumns): Table {
  const usd = new Float64Array(c.n);
  for (let i = 0; i < c.n; i++) usd[i] = c.totalMicros[i]! / 1e6;
  const columns: Record<string, Vector> = {
    window_start: timestampVector(c.windowStart),
    window_end: timestampVector(c.windowEnd),
    node: dictionaryVector(c.node.codes, c.node.values),
    instance_type: dictionaryVector(c.instanceType.codes, c.instanceType.values),
    region: dictionaryVector(c.region.codes, c.region.values),
    pricing_model: dictionaryVector(c.pricingModel.codes, c.pricingModel.values),
    resource_kind: dictionaryVector(c.resourceKind.codes, c.resourceKind.values),
    unit: dictionaryVector(c.unit.codes, c.unit.values),
    sku: dictionaryVector(c.sku.codes, c.sku.values),
    allocation: dictionaryVector(c.allocation.codes, c.allocation.values),
  };
  for (const l of c.labels) columns[l.column] = dictionaryVector(l.cats.codes, l.cats.values);
  Object.assign(columns, {
    quantity_hours: float64Vector(c.quantityHours),
    usage_hours: float64Vector(c.usageHours),
    allocated_micros: int64Vector(c.allocatedMicros),
    idle_micros: int64Vector(c.idleMicros),
    shared_micros: int64Vector(c.sharedMicros),
    total_micros: int64Vector(c.totalMicros),
    list_micros: int64Vector(c.listMicros),
    cost: float64Vector(usd),
  });
  const table = new Table(columns);
  table.schema.metadata.set(COST_METADATA_KEY, JSON.stringify(c.meta));
  rememberCostColumns(table, c);
  return table;
}
