import type { Table } from 'apache-arrow';
import { aggregateCostColumns } from './aggregate-costs.js';
import type { AggregateCostsOptions } from './aggregate-costs.js';
import { computeCostColumns } from './attribute-costs.js';
import type { AttributeCostsOptions } from './attribute-costs.js';

/** Options for {@link attributeAndAggregate}: those of `attributeCosts` plus the aggregation. */
export interface AttributeAndAggregateOptions extends AttributeCostsOptions {
  /** How to aggregate the attributed costs (as `aggregateCosts` takes it). */
  aggregate: AggregateCostsOptions;
}

/**
 * `aggregateCosts(attributeCosts(options), options.aggregate)` in one step, for when only the
 * aggregate is wanted: the per-cell cost table stays in typed arrays and is never built as Arrow,
 * which saves a large share of the time and memory on big inputs. Same result, same errors, same
 * exact conservation as the two calls.
 */
export function attributeAndAggregate(options: AttributeAndAggregateOptions): Table {
  return aggregateCostColumns(computeCostColumns(options), options.aggregate);
}
