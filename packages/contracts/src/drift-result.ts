import type { Schema } from 'apache-arrow';
import { contractSchema } from './contract-schema.js';
import type { TableContract } from './table-contract.js';
import { defineTableContract } from './table-contract.js';

/**
 * The **DriftResult** contract: one row per column compared by a drift check.
 *
 * | column | type | null | unit | meaning |
 * |---|---|---|---|---|
 * | `column` | Utf8-like | no | | the compared column |
 * | `method` | Utf8-like | no | | e.g. `ks`, `wasserstein_normed`, `psi`, `chi_square`, `jensen_shannon` |
 * | `statistic` | Float64 | no | method's own | the test statistic or distance |
 * | `p_value` | Float64 | yes | probability | null for distances without a p-value |
 * | `threshold` | Float64 | no | as p_value or statistic | p-value threshold for tests, distance threshold for distances |
 * | `drifted` | Bool | no | | `p_value < threshold` for tests; `statistic >= threshold` for distances |
 * | `reference_size` | Int64 | no | rows | non-null values in the reference |
 * | `current_size` | Int64 | no | rows | non-null values in the current data |
 * | `estimate` | Bool | yes | | true when computed from sketches (profiles) rather than raw data |
 * | `status` | Utf8-like | no | | `ok`, or `insufficient_data` when a side had too few values (then `drifted` is false and the column is left out of the drifted share) |
 */
export const driftResultContract: TableContract = defineTableContract({
  name: 'DriftResult',
  description: 'One row per column compared by a drift check.',
  fields: [
    { name: 'column', type: 'utf8-like', arrowType: 'utf8', nullable: false, description: 'The compared column.' },
    { name: 'method', type: 'utf8-like', arrowType: 'utf8', nullable: false, description: 'Test or distance: ks, wasserstein_normed, psi, chi_square, jensen_shannon...' },
    { name: 'statistic', type: 'float64', nullable: false, description: 'The test statistic or distance.' },
    { name: 'p_value', type: 'float64', nullable: true, unit: 'probability', description: 'p-value; null for distances without one.' },
    { name: 'threshold', type: 'float64', nullable: false, description: 'p-value threshold for tests, distance threshold for distances.' },
    { name: 'drifted', type: 'bool', nullable: false, description: 'p_value < threshold for tests; statistic >= threshold for distances.' },
    { name: 'reference_size', type: 'int64', nullable: false, unit: 'rows', description: 'Non-null values in the reference.' },
    { name: 'current_size', type: 'int64', nullable: false, unit: 'rows', description: 'Non-null values in the current data.' },
    { name: 'estimate', type: 'bool', nullable: true, description: 'True when computed from sketches (profiles) rather than raw data.' },
    { name: 'status', type: 'utf8-like', arrowType: 'utf8', nullable: false, allowedValues: ['ok', 'insufficient_data'], description: 'ok, or insufficient_data when a side had too few values (drifted is then false and the column is not counted in the drifted share).' },
  ],
});

/** The Arrow schema of a DriftResult table (see {@link driftResultContract}). */
export function driftResultSchema(): Schema {
  return contractSchema(driftResultContract);
}
