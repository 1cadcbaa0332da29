import type { Schema } from 'apache-arrow';
import { readEpochMillisColumn, readFloat64Column } from './column-readers.js';
import { contractSchema } from './contract-schema.js';
import type { ColumnSpecInput } from './model-columns.js';
import { namedColumnFields } from './model-columns.js';
import type { TableContract } from './table-contract.js';
import { defineTableContract } from './table-contract.js';

/** Allowed `resource_kind` values of a UsageRecord. */
export const RESOURCE_KINDS = ['gpu', 'cpu', 'memory', 'storage', 'network'] as const;
/** A UsageRecord `resource_kind` (one of {@link RESOURCE_KINDS}). */
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
/** Allowed `unit` values of a UsageRecord. */
export const USAGE_UNITS = ['gpu', 'vcpu', 'GiB'] as const;
/** Allowed `pricing_model` values of a UsageRecord. */
export const PRICING_MODELS = ['on-demand', 'spot', 'reserved', 'committed'] as const;
/** How a node is billed: a UsageRecord `pricing_model` (one of {@link PRICING_MODELS}). Spot is cheaper and can be interrupted. */
export type PricingModel = (typeof PRICING_MODELS)[number];
/** Conventional `label_<key>` columns of a UsageRecord. */
export const CONVENTIONAL_LABELS = ['team', 'project', 'model', 'job'] as const;

/**
 * The **UsageRecord** contract: one row per resource held over an interval. The GPU
 * scheduler emits it; cost attribution reads it.
 *
 * | column | type | null | unit | meaning |
 * |---|---|---|---|---|
 * | `interval_start` | Timestamp (ms, UTC) | no | ms since epoch, UTC | start of the usage interval (inclusive) |
 * | `interval_end` | Timestamp (ms, UTC) | no | ms since epoch, UTC | end of the usage interval (exclusive), after `interval_start` |
 * | `resource_kind` | Utf8-like | no | | `gpu`, `cpu`, `memory`, `storage` or `network` |
 * | `quantity` | Float64 | no | `unit` | amount held during the interval (>= 0): GPUs (0.25 = a quarter GPU), vCPUs, GiB of memory/storage; for `network`, GiB transferred in the interval |
 * | `unit` | Utf8-like | no | | `gpu`, `vcpu` or `GiB` |
 * | `request_quantity` | Float64 | yes | `unit` | amount requested when `quantity` is measured usage (cost charges max(request, usage)) |
 * | `sku` | Utf8-like | yes | | accelerator or product SKU, e.g. `A100-80GB` |
 * | `instance_type` | Utf8-like | yes | | e.g. `p4d.24xlarge` |
 * | `node` | Utf8-like | yes | | node / machine id the resource was on |
 * | `pricing_model` | Utf8-like | no | | `on-demand`, `spot`, `reserved` or `committed` |
 * | `region` | Utf8-like | yes | | cloud region |
 * | `label_team`, `label_project`, `label_model`, `label_job` | Utf8-like | yes | | conventional labels (optional columns) |
 * | `label_<key>` | Utf8-like | yes | | any other free-form label |
 *
 * `request_quantity`, `sku`, `instance_type`, `node` and `region` are optional columns: a producer
 * that knows none of them may leave the column out instead of writing an all-null one.
 *
 * Row rules: `interval_end > interval_start`; `quantity >= 0` and `request_quantity >= 0`.
 * String columns are `Dictionary<Int32, Utf8>` in built schemas (few distinct values, many rows).
 */
export const usageRecordContract: TableContract = defineTableContract({
  name: 'UsageRecord',
  description: 'One row per resource held over an interval.',
  fields: [
    { name: 'interval_start', type: 'timestamp-like', arrowType: 'timestamp-ms', nullable: false, unit: 'ms since epoch, UTC', description: 'Start of the usage interval (inclusive).' },
    { name: 'interval_end', type: 'timestamp-like', arrowType: 'timestamp-ms', nullable: false, unit: 'ms since epoch, UTC', description: 'End of the usage interval (exclusive), after interval_start.' },
    { name: 'resource_kind', type: 'utf8-like', arrowType: 'dictionary-utf8', nullable: false, allowedValues: RESOURCE_KINDS, description: 'Kind of resource: gpu, cpu, memory, storage or network.' },
    { name: 'quantity', type: 'float64', nullable: false, unit: 'unit column', description: 'Amount held during the interval (>= 0), in `unit`; for network, GiB transferred in the interval.' },
    { name: 'unit', type: 'utf8-like', arrowType: 'dictionary-utf8', nullable: false, allowedValues: USAGE_UNITS, description: 'Unit of quantity: gpu, vcpu or GiB.' },
    { name: 'request_quantity', optional: true, type: 'float64', nullable: true, unit: 'unit column', description: 'Amount requested, when quantity is measured usage (cost charges max(request, usage)).' },
    { name: 'sku', optional: true, type: 'utf8-like', arrowType: 'dictionary-utf8', nullable: true, description: 'Accelerator or product SKU, e.g. A100-80GB.' },
    { name: 'instance_type', optional: true, type: 'utf8-like', arrowType: 'dictionary-utf8', nullable: true, description: 'Instance type, e.g. p4d.24xlarge.' },
    { name: 'node', optional: true, type: 'utf8-like', arrowType: 'dictionary-utf8', nullable: true, description: 'Node / machine id the resource was on.' },
    { name: 'pricing_model', type: 'utf8-like', arrowType: 'dictionary-utf8', nullable: false, allowedValues: PRICING_MODELS, description: 'on-demand, spot, reserved or committed.' },
    { name: 'region', optional: true, type: 'utf8-like', arrowType: 'dictionary-utf8', nullable: true, description: 'Cloud region.' },
    ...namedColumnFields('Label', 'label_', CONVENTIONAL_LABELS, { type: 'utf8-like', nullable: true, description: (n) => `Conventional label "${n}".` }).map((f) => ({
      ...f,
      optional: true,
      arrowType: 'dictionary-utf8' as const,
    })),
  ],
  families: [{ prefix: 'label_', type: 'utf8-like', nullable: true, description: 'Free-form label label_<key>.' }],
  rowChecks: [
    {
      rule: 'interval_end > interval_start',
      columns: ['interval_start', 'interval_end'],
      fix: 'Intervals are [start, end): drop empty intervals and swap reversed ones.',
      run: (table) => {
        const start = readEpochMillisColumn(table, 'interval_start');
        const end = readEpochMillisColumn(table, 'interval_end');
        return violations(start.length, (i) => !(end[i]! > start[i]!));
      },
    },
    {
      rule: 'quantity >= 0 and request_quantity >= 0',
      columns: ['quantity'],
      fix: 'Quantities are amounts held or requested; a negative one is a producer bug (clamp or drop the row).',
      run: (table) => {
        const quantity = readFloat64Column(table, 'quantity');
        const request = table.getChild('request_quantity') ? readFloat64Column(table, 'request_quantity') : null;
        return violations(quantity.length, (i) => quantity[i]! < 0 || (request !== null && request[i]! < 0));
      },
    },
  ],
});

function violations(length: number, bad: (i: number) => boolean): { count: number; firstRow: number } | null {
  let count = 0;
  let firstRow = -1;
  for (let i = 0; i < length; i++) {
    if (bad(i)) {
      if (firstRow < 0) firstRow = i;
      count++;
    }
  }
  return count > 0 ? { count, firstRow } : null;
}

/** Options of {@link usageRecordSchema}. */
export interface UsageRecordSchemaOptions {
  /** Extra label keys (without `label_`) to add as `Dictionary<Int32, Utf8>` columns after the conventional ones. */
  labels?: readonly ColumnSpecInput[];
}

/**
 * The Arrow schema of a UsageRecord table: every column of {@link usageRecordContract}
 * (including the conventional labels) plus `label_<key>` for each extra label.
 */
export function usageRecordSchema(options: UsageRecordSchemaOptions = {}): Schema {
  const extra = namedColumnFields('Label', 'label_', options.labels ?? [], { type: 'utf8-like', nullable: true, description: () => '' });
  return contractSchema(usageRecordContract, {
    extraColumns: Object.fromEntries(extra.map((f) => [f.name, f.arrowType ?? 'dictionary-utf8'])),
  });
}
