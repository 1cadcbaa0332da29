import type { CostColumns, CostTableMetadata } from './cost-table.js';
import { KIND_UNITS, PRICING_MODELS, RESOURCE_KINDS } from './usage-input.js';

function grownF64(a: Float64Array, cap: number, keep: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a.subarray(0, keep));
  return b;
}

function grownI32(a: Int32Array, cap: number, keep: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a.subarray(0, keep));
  return b;
}

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
  windowStart: Float64Array;
  windowEnd: Float64Array;
  node: Int32Array;
  instanceType: Int32Array;
  region: Int32Array;
  pricingModel: Int32Array;
  sku: Int32Array;
  kind: Int32Array;
  allocation: Int32Array;
  labels: Int32Array[];
  quantityHours: Float64Array;
  usageHours: Float64Array;
  allocatedMicros: Float64Array;
  idleMicros: Float64Array;
  sharedMicros: Float64Array;
  totalMicros: Float64Array;
  listMicros: Float64Array;

  /**
   * @param lean - rows only for aggregation by labels, resource kind or allocation: skip writing
   *   window ends, node, instance type, region, pricing model, sku and usage hours (left stale).
   */
  constructor(
    readonly schema: CostRowsSchema,
    capacity: number,
    readonly lean = false,
  ) {
    const cap = Math.max(16, capacity);
    const f = () => new Float64Array(cap);
    const i = () => new Int32Array(cap);
    this.windowStart = f();
    this.windowEnd = f();
    this.node = i();
    this.instanceType = i();
    this.region = i();
    this.pricingModel = i();
    this.sku = i();
    this.kind = i();
    this.allocation = i();
    this.labels = schema.labels.map(() => i());
    this.quantityHours = f();
    this.usageHours = f();
    this.allocatedMicros = f();
    this.idleMicros = f();
    this.sharedMicros = f();
    this.totalMicros = f();
    this.listMicros = f();
  }

  /** Makes room for `more` rows after the current ones. */
  reserve(more: number): void {
    const need = this.n + more;
    if (need <= this.windowStart.length) return;
    const cap = Math.max(need, this.windowStart.length * 2);
    const k = this.n;
    this.windowStart = grownF64(this.windowStart, cap, k);
    this.windowEnd = grownF64(this.windowEnd, cap, k);
    this.node = grownI32(this.node, cap, k);
    this.instanceType = grownI32(this.instanceType, cap, k);
    this.region = grownI32(this.region, cap, k);
    this.pricingModel = grownI32(this.pricingModel, cap, k);
    this.sku = grownI32(this.sku, cap, k);
    this.kind = grownI32(this.kind, cap, k);
    this.allocation = grownI32(this.allocation, cap, k);
    this.labels = this.labels.map((l) => grownI32(l, cap, k));
    this.quantityHours = grownF64(this.quantityHours, cap, k);
    this.usageHours = grownF64(this.usageHours, cap, k);
    this.allocatedMicros = grownF64(this.allocatedMicros, cap, k);
    this.idleMicros = grownF64(this.idleMicros, cap, k);
    this.sharedMicros = grownF64(this.sharedMicros, cap, k);
    this.totalMicros = grownF64(this.totalMicros, cap, k);
    this.listMicros = grownF64(this.listMicros, cap, k);
  }

  /** The rows as cost columns: views of exactly `n` rows (no copy). */
  columns(): CostColumns {
    const n = this.n;
    const s = this.schema;
    const i32 = (a: Int32Array) => a.subarray(0, n);
    const f64 = (a: Float64Array) => a.subarray(0, n);
    const cat = (codes: Int32Array, values: readonly string[]) => ({ codes: i32(codes), values: [...values] });
    const kind = i32(this.kind);
    return {
      n,
      windowStart: f64(this.windowStart),
      windowEnd: f64(this.windowEnd),
      node: cat(this.node, s.node),
      instanceType: cat(this.instanceType, s.instanceType),
      region: cat(this.region, s.region),
      pricingModel: cat(this.pricingModel, PRICING_MODELS),
      resourceKind: { codes: kind, values: [...RESOURCE_KINDS] },
      unit: { codes: kind, values: [...KIND_UNITS] },
      sku: cat(this.sku, s.sku),
      allocation: { codes: i32(this.allocation), values: ['workload', 'idle'] },
      labels: s.labels.map((l, k) => ({ key: l.key, column: l.column, cats: { codes: i32(this.labels[k]!), values: l.values } })),
      quantityHours: f64(this.quantityHours),
      usageHours: f64(this.usageHours),
      allocatedMicros: f64(this.allocatedMicros),
      idleMicros: f64(this.idleMicros),
      sharedMicros: f64(this.sharedMicros),
      totalMicros: f64(this.totalMicros),
      listMicros: f64(this.listMicros),
      meta: s.meta,
    };
  }
}
