import type { CostColumns, CostTableMetadata } from './cost-table.js';
import { KIND_UNITS, PRICING_MODELS, RESOURCE_KINDS } from './usage-input.js';

/** A copy of `a`'s first `keep` values in a new array of `cap` (`make` allocates). */
export function grown<T extends Float64Array | Int32Array>(a: T | undefined, make: (n: number) => T, cap: number, keep: number): T {
  const b = make(cap);
  if (a) b.set(a.subarray(0, keep));
  return b;
}

const F64_FIELDS = ['windowStart', 'windowEnd', 'quantityHours', 'usageHours', 'allocatedMicros', 'idleMicros', 'sharedMicros', 'totalMicros', 'listMicros'] as const;
const I32_FIELDS = ['node', 'instanceType', 'region', 'pricingModel', 'sku', 'kind', 'allocation'] as const;

/** Dictionaries and label columns a {@link CostRows} writes codes into. */
export interface CostRowsSchema {
  node: string[];
  instanceType: string[];
  region: string[];
  sku: string[];
  labels: { key: string; column: string; values: string[] }[];
  meta: CostTableMetadata;
}

/**
 * Cost-table rows under construction, struct-of-arrays with spare capacity: filled window by
 * window, either kept whole (`attributeCosts`) or emptied after each window has been aggregated
 * (`attributeAndAggregate`).
 */
export class CostRows {
  n = 0;
  /** Number columns, named as in `CostColumns`. */
  readonly f64 = {} as Record<(typeof F64_FIELDS)[number], Float64Array>;
  /** Code columns: node, instance type, region, pricing model, sku, resource kind, allocation. */
  readonly i32 = {} as Record<(typeof I32_FIELDS)[number], Int32Array>;
  /** Label code columns, in `schema.labels` order. */
  labels: Int32Array[];
  private capacity = 0;

  /**
   * @param lean - rows only for aggregation by labels, resource kind or allocation: skip writing
   *   window ends, node, instance type, region, pricing model, sku and usage hours (left stale).
   */
  constructor(
    readonly schema: CostRowsSchema,
    capacity: number,
    readonly lean = false,
  ) {
    this.labels = schema.labels.map(() => new Int32Array(0));
    this.resize(Math.max(16, capacity));
  }

  private resize(cap: number): void {
    const f = (n: number) => new Float64Array(n);
    const i = (n: number) => new Int32Array(n);
    for (const k of F64_FIELDS) this.f64[k] = grown(this.f64[k], f, cap, this.n);
    for (const k of I32_FIELDS) this.i32[k] = grown(this.i32[k], i, cap, this.n);
    this.labels = this.labels.map((l) => grown(l, i, cap, this.n));
    this.capacity = cap;
  }

  /** Makes room for `more` rows after the current ones. */
  reserve(more: number): void {
    const need = this.n + more;
    if (need > this.capacity) this.resize(Math.max(need, this.capacity * 2));
  }

  /** The rows as cost columns: views of exactly `n` rows (no copy). */
  columns(): CostColumns {
    const n = this.n;
    const s = this.schema;
    const { f64, i32: c } = this;
    const i32 = (a: Int32Array) => a.subarray(0, n);
    const num = (a: Float64Array) => a.subarray(0, n);
    const cat = (codes: Int32Array, values: readonly string[]) => ({ codes: i32(codes), values: [...values] });
    const kind = i32(c.kind);
    return {
      n,
      windowStart: num(f64.windowStart),
      windowEnd: num(f64.windowEnd),
      node: cat(c.node, s.node),
      instanceType: cat(c.instanceType, s.instanceType),
      region: cat(c.region, s.region),
      pricingModel: cat(c.pricingModel, PRICING_MODELS),
      resourceKind: { codes: kind, values: [...RESOURCE_KINDS] },
      unit: { codes: kind, values: [...KIND_UNITS] },
      sku: cat(c.sku, s.sku),
      allocation: { codes: i32(c.allocation), values: ['workload', 'idle'] },
      labels: s.labels.map((l, k) => ({ key: l.key, column: l.column, cats: { codes: i32(this.labels[k]!), values: l.values } })),
      quantityHours: num(f64.quantityHours),
      usageHours: num(f64.usageHours),
      allocatedMicros: num(f64.allocatedMicros),
      idleMicros: num(f64.idleMicros),
      sharedMicros: num(f64.sharedMicros),
      totalMicros: num(f64.totalMicros),
      listMicros: num(f64.listMicros),
      meta: s.meta,
    };
  }
}
