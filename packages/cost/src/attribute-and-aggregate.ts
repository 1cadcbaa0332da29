import type { Table } from 'apache-arrow';
import { CostGrouper, bucketCount, checkAggregateOptions, finishAggregate } from './aggregate-costs.js';
import type { AggregateCostsOptions } from './aggregate-costs.js';
import { stepOf } from './attribute-options.js';
import type { AttributeCostsOptions } from './attribute-options.js';
import { attributeWindows, rowsSchema } from './attribute-window.js';
import { planAttribution } from './attribution-plan.js';
import { CostRows } from './cost-rows.js';

/** Cost dimensions a lean row batch leaves unwritten (see `CostRows`). */
const LEAN_SKIPS: readonly string[] = ['node', 'instance_type', 'region', 'pricing_model', 'sku'];

/** Options for {@link attributeAndAggregate}: those of `attributeCosts` plus the aggregation. */
export interface AttributeAndAggregateOptions extends AttributeCostsOptions {
  /** How to aggregate the attributed costs (as `aggregateCosts` takes it). */
  aggregate: AggregateCostsOptions;
}

/**
 * `aggregateCosts(attributeCosts(options), options.aggregate)` in one step, for when only the
 * aggregate is wanted: each window's cost rows are summed into the groups as soon as they are
 * computed, so the per-row cost table never exists (a window's rows at a time, in typed arrays).
 * Same result, same errors, same exact conservation as the two calls.
 */
export function attributeAndAggregate(options: AttributeAndAggregateOptions): Table {
  const window = checkAggregateOptions(stepOf(options.window).stepMs, options.aggregate);
  const plan = planAttribution(options);
  const lean = !options.aggregate.groupBy.some((k) => LEAN_SKIPS.includes(k));
  const rows = new CostRows(rowsSchema(plan), 1 << 12, lean);
  const all: [number, number] = [plan.rangeStart, plan.rangeEnd];
  const hint = { buckets: bucketCount(window, plan.rangeStart, plan.rangeEnd), rows: plan.pieces.rec.length + plan.cells.size };
  const grouper = new CostGrouper(rows.columns(), options.aggregate.groupBy, window, all, hint);
  attributeWindows(plan, rows, () => {
    grouper.add(rows.columns());
    rows.n = 0;
  });
  return finishAggregate(grouper.result(), options.aggregate);
}
