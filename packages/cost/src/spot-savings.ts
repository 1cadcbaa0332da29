import { InvalidArgumentError } from '@mlops/contracts';
import type { ArrowTableLike } from './arrow-columns.js';
import { groupCosts, groupKey } from './aggregate-costs.js';
import { readCostTable } from './cost-table.js';

/** Options for {@link spotSavings}. */
export interface SpotSavingsOptions {
  /** Label keys / dimensions to group by. Default: no grouping (one total). */
  groupBy?: readonly string[];
  /** Include reserved / committed rows too (their discount against on-demand). Default false: spot only. */
  includeCommitted?: boolean;
}

/** Savings of one group. */
export interface SpotSavingsRow {
  /** Group key values, by `groupBy` key (label keys without `label_`). */
  group: Record<string, string>;
  /** What the usage cost (spot price), in currency units. */
  cost: number;
  /** What the same usage would have cost on demand. */
  onDemandCost: number;
  /** `onDemandCost - cost`. */
  savings: number;
  /** `savings / onDemandCost` (0 when nothing was on discount). */
  savingsRatio: number;
  /** `cost` in integer micros. */
  costMicros: number;
  /** `onDemandCost` in integer micros. */
  onDemandMicros: number;
  /** `savings` in integer micros. */
  savingsMicros: number;
}

/**
 * What spot usage (optionally also reserved / committed) would have cost on demand, per group, from
 * the `list_micros` column `attributeCosts` writes (catalog on-demand price, or an asset's
 * `listHourlyCost`). Sorted by savings, largest first.
 */
export function spotSavings(costs: ArrowTableLike, options: SpotSavingsOptions = {}): SpotSavingsRow[] {
  const cols = readCostTable(costs);
  const wanted = new Set(options.includeCommitted ? ['spot', 'reserved', 'committed'] : ['spot']);
  const codes = cols.pricingModel.values.map((v) => wanted.has(v));
  const groupBy = options.groupBy ?? [];
  if (!Array.isArray(groupBy)) throw new InvalidArgumentError('spotSavings groupBy should be an array of keys.');
  const g = groupCosts(cols, groupBy, 'all', (i) => {
    const c = cols.pricingModel.codes[i]!;
    return c >= 0 && codes[c]!;
  });
  const out: SpotSavingsRow[] = [];
  for (let k = 0; k < g.count; k++) {
    const total = g.totalMicros[k]!;
    const list = g.listMicros[k]!;
    const savingsMicros = list - total;
    out.push({
      group: Object.fromEntries(g.names.map((n, j) => [n, groupKey(g, k, j)])),
      cost: total / 1e6,
      onDemandCost: list / 1e6,
      savings: savingsMicros / 1e6,
      savingsRatio: list > 0 ? savingsMicros / list : 0,
      costMicros: total,
      onDemandMicros: list,
      savingsMicros,
    });
  }
  return out.sort((a, b) => b.savingsMicros - a.savingsMicros);
}
