import { Table } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { InvalidArgumentError } from '@mlops/contracts';
import { dictionaryVector, float64Vector, int64Vector, timestampVector } from './arrow-columns.js';
import type { ArrowTableLike, Categories } from './arrow-columns.js';
import { readCostTable } from './cost-table.js';
import type { CostColumns } from './cost-table.js';
import { KeyIndex } from './key-index.js';

/** Group value of idle rows for label keys. */
export const IDLE_GROUP = '__idle__';
/** Group value of workload rows that lack the label. */
export const UNLABELED_GROUP = '__unlabeled__';
/** Group value of rows merged by `top`. */
export const OTHER_GROUP = '__other__';
/** Group value of a built-in dimension that is null (e.g. `node` of node-less usage). */
export const NONE_GROUP = '__none__';

/** Dimensions every cost row has; any other `groupBy` key is a label (`team` or `label_team`). */
export const COST_DIMENSIONS = ['node', 'instance_type', 'region', 'pricing_model', 'resource_kind', 'sku', 'allocation'] as const;

/** Time buckets for aggregation (UTC). `all` is one bucket over the whole table. */
export type AggregationWindow = 'hour' | 'day' | 'week' | 'month' | 'all';

/** Options for {@link aggregateCosts}. */
export interface AggregateCostsOptions {
  /** Label keys (`team`, `label_team`) and/or dimensions (`node`, `resource_kind`, `pricing_model`, ...). */
  groupBy: readonly string[];
  /** Time bucket. Default `all`. */
  window?: AggregationWindow;
  /** Keep the `top` most expensive groups per window; merge the rest into one `__other__` row. */
  top?: number;
}

/** Grouped sums, struct-of-arrays (one slot per group), as `groupCosts` returns them. */
export interface GroupedCosts {
  /** Group key names (label keys without `label_`). */
  names: string[];
  /** Number of groups. */
  count: number;
  windowStart: Float64Array;
  windowEnd: Float64Array;
  /** Per key: the group's value code into `values[k]`. */
  keyCodes: Int32Array[];
  /** Per key: the values the codes point into (special `__idle__` etc. included). */
  values: string[][];
  totalMicros: Float64Array;
  allocatedMicros: Float64Array;
  idleMicros: Float64Array;
  sharedMicros: Float64Array;
  listMicros: Float64Array;
  gpuHours: Float64Array;
  vcpuHours: Float64Array;
  memoryGiBHours: Float64Array;
}

/** The value of key `k` for group `g`. */
export function groupKey(grouped: GroupedCosts, g: number, k: number): string {
  return grouped.values[k]![grouped.keyCodes[k]![g]!]!;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Start and end (ms) of the bucket holding `t`. */
export function bucketOf(t: number, window: AggregationWindow, all: [number, number]): [number, number] {
  switch (window) {
    case 'hour': {
      const s = Math.floor(t / HOUR) * HOUR;
      return [s, s + HOUR];
    }
    case 'day': {
      const s = Math.floor(t / DAY) * DAY;
      return [s, s + DAY];
    }
    case 'week': {
      // ISO weeks start on Monday; 1970-01-01 was a Thursday.
      const s = Math.floor((t - 4 * DAY) / (7 * DAY)) * 7 * DAY + 4 * DAY;
      return [s, s + 7 * DAY];
    }
    case 'month': {
      const d = new Date(t);
      return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
    }
    default:
      return all;
  }
}

/**
 * The categories behind a cost dimension (`region`, ...) or a label (`team` or `label_team`), or
 * undefined when `key` is neither; callers phrase their own error.
 */
export function findKeyColumn(cols: CostColumns, key: string): { cats: Categories; isLabel: boolean; name: string } | undefined {
  if ((COST_DIMENSIONS as readonly string[]).includes(key)) {
    const map: Record<(typeof COST_DIMENSIONS)[number], Categories> = {
      node: cols.node,
      instance_type: cols.instanceType,
      region: cols.region,
      pricing_model: cols.pricingModel,
      resource_kind: cols.resourceKind,
      sku: cols.sku,
      allocation: cols.allocation,
    };
    return { cats: map[key as (typeof COST_DIMENSIONS)[number]], isLabel: false, name: key };
  }
  const bare = key.startsWith('label_') ? key.slice(6) : key;
  const l = cols.labels.find((x) => x.key === bare);
  return l ? { cats: l.cats, isLabel: true, name: bare } : undefined;
}

function keyColumn(cols: CostColumns, key: string): { cats: Categories; isLabel: boolean; name: string } {
  const found = findKeyColumn(cols, key);
  if (!found) {
    throw new InvalidArgumentError(
      `Cannot group by "${key}": it is neither a cost dimension (${COST_DIMENSIONS.join(', ')}) nor a label in this cost table ` +
        `(labels: ${cols.labels.map((x) => x.key).join(', ') || 'none'}).`,
    );
  }
  return found;
}

const SUMS = ['totalMicros', 'allocatedMicros', 'idleMicros', 'sharedMicros', 'listMicros', 'gpuHours', 'vcpuHours', 'memoryGiBHours'] as const;

function emptyGroups(names: string[], values: string[][], capacity: number): GroupedCosts {
  const f = () => new Float64Array(capacity);
  return {
    names,
    count: 0,
    windowStart: f(),
    windowEnd: f(),
    keyCodes: names.map(() => new Int32Array(capacity)),
    values,
    totalMicros: f(),
    allocatedMicros: f(),
    idleMicros: f(),
    sharedMicros: f(),
    listMicros: f(),
    gpuHours: f(),
    vcpuHours: f(),
    memoryGiBHours: f(),
  };
}

function growGroups(g: GroupedCosts, need: number): GroupedCosts {
  if (need <= g.windowStart.length) return g;
  const cap = Math.max(need, g.windowStart.length * 2);
  const out = emptyGroups(g.names, g.values, cap);
  out.count = g.count;
  out.windowStart.set(g.windowStart);
  out.windowEnd.set(g.windowEnd);
  g.keyCodes.forEach((c, k) => out.keyCodes[k]!.set(c));
  for (const f of SUMS) out[f].set(g[f]);
  return out;
}

/**
 * Sums cost rows into groups (keys x time bucket), fed one batch of rows at a time. Composite
 * numeric keys while they stay exact (they almost always do), text keys past 2^52. When the key
 * space is modest, each bucket gets a dense `Int32Array` block mapping keys to groups directly (no
 * hash probe, whose cache misses dominated the profile).
 */
export class CostGrouper {
  private readonly keyNames: string[];
  private readonly isLabel: boolean[];
  private readonly widths: number[];
  private readonly width: number;
  private readonly exact: boolean;
  private readonly dense: boolean;
  private readonly blocks: (Int32Array | undefined)[] = [];
  private readonly index = new KeyIndex(1 << 12);
  private readonly byText = new Map<string, number>();
  private readonly bucketIdx = new KeyIndex(1 << 10);
  private readonly buckets: [number, number][] = [];
  private readonly codesNow: Int32Array;
  private out: GroupedCosts;

  /**
   * @param schema - any batch of the rows (for key dictionaries; every batch must share them)
   * @param hint - expected number of time buckets and rows, to choose dense or hashed keys
   */
  constructor(
    schema: CostColumns,
    groupBy: readonly string[],
    private readonly window: AggregationWindow,
    private readonly all: [number, number],
    hint: { buckets: number; rows: number },
  ) {
    this.keyNames = [...groupBy];
    const keys = groupBy.map((k) => keyColumn(schema, k));
    this.isLabel = keys.map((k) => k.isLabel);
    // Key value codes: 0 = __idle__ (idle rows, label keys), 1 = __unlabeled__ / __none__, 2.. = values.
    const values = keys.map((k) => [IDLE_GROUP, k.isLabel ? UNLABELED_GROUP : k.name === 'allocation' ? 'idle' : NONE_GROUP, ...k.cats.values]);
    this.widths = keys.map((k) => k.cats.values.length + 2);
    this.width = this.widths.reduce((p, w) => p * w, 1);
    this.exact = this.width * 1e7 < 2 ** 52;
    this.dense = this.exact && this.width <= 1 << 22 && hint.buckets * this.width <= Math.max(1 << 22, 4 * hint.rows);
    this.codesNow = new Int32Array(keys.length);
    this.out = emptyGroups(keys.map((k) => k.name), values, 1024);
  }

  /** Adds rows `[0, cols.n)` of a batch (those `keep` accepts). */
  add(cols: CostColumns, keep?: (row: number) => boolean): void {
    const K = this.keyNames.length;
    const codeCols = this.keyNames.map((k) => keyColumn(cols, k).cats.codes);
    const labelKey = this.isLabel;
    const widths = this.widths;
    const exact = this.exact;
    const idleCode = cols.allocation.values.indexOf('idle');
    const idleCodes = cols.allocation.codes;
    const kindCodes = cols.resourceKind.values.map((v) => ['gpu', 'cpu', 'memory'].indexOf(v));
    const codesNow = this.codesNow;
    const { totalMicros: totalM, allocatedMicros: allocM, idleMicros: idleM, sharedMicros: sharedM, listMicros: listM, quantityHours: qty, windowStart: wsCol } = cols;
    const kindCol = cols.resourceKind.codes;
    let out = this.out;
    let lastStart = NaN;
    let bucket = -1;
    let block: Int32Array | undefined;
    for (let i = 0; i < cols.n; i++) {
      if (keep && !keep(i)) continue;
      const ws = wsCol[i]!;
      if (ws !== lastStart) {
        // Rows come window by window, so the bucket rarely changes.
        const b = bucketOf(ws, this.window, this.all);
        bucket = this.bucketIdx.slot(b[0] + 1e13);
        if (bucket === this.buckets.length) this.buckets.push(b);
        lastStart = ws;
        if (this.dense) {
          block = this.blocks[bucket];
          if (!block) this.blocks[bucket] = block = new Int32Array(this.width).fill(-1);
        }
      }
      const isIdle = idleCodes[i] === idleCode;
      let key = 0;
      let text = exact ? '' : String(bucket);
      for (let k = 0; k < K; k++) {
        const c = codeCols[k]![i]!;
        const v = c >= 0 ? c + 2 : labelKey[k] && isIdle ? 0 : 1;
        codesNow[k] = v;
        if (exact) key = key * widths[k]! + v;
        else text += `,${v}`;
      }
      let g: number;
      if (block) {
        g = block[key]!;
        if (g < 0) block[key] = g = out.count;
      } else if (exact) g = this.index.slot(bucket * this.width + key);
      else {
        g = this.byText.get(text) ?? this.byText.size;
        this.byText.set(text, g);
      }
      if (g === out.count) {
        out = growGroups(out, g + 1);
        const b = this.buckets[bucket]!;
        out.windowStart[g] = b[0];
        out.windowEnd[g] = b[1];
        for (let k = 0; k < K; k++) out.keyCodes[k]![g] = codesNow[k]!;
        out.count++;
      }
      out.totalMicros[g]! += totalM[i]!;
      out.allocatedMicros[g]! += allocM[i]!;
      out.idleMicros[g]! += idleM[i]!;
      out.sharedMicros[g]! += sharedM[i]!;
      out.listMicros[g]! += listM[i]!;
      const kc = kindCol[i]!;
      const kind = kc >= 0 ? kindCodes[kc]! : -1;
      if (kind === 0) out.gpuHours[g]! += qty[i]!;
      else if (kind === 1) out.vcpuHours[g]! += qty[i]!;
      else if (kind === 2) out.memoryGiBHours[g]! += qty[i]!;
    }
    this.out = out;
  }

  /** The groups so far. */
  result(): GroupedCosts {
    return this.out;
  }
}

/** Upper bound of the number of `window` buckets in [lo, hi). */
export function bucketCount(window: AggregationWindow, lo: number, hi: number): number {
  if (!(hi > lo)) return 1;
  const size = window === 'hour' ? HOUR : window === 'day' ? DAY : window === 'week' ? 7 * DAY : window === 'month' ? 28 * DAY : Infinity;
  return Math.ceil((hi - lo) / size) + 1;
}

/** Groups a cost table's rows (optionally filtered) by keys and time bucket. Internal engine of the aggregations. */
export function groupCosts(cols: CostColumns, groupBy: readonly string[], window: AggregationWindow, keep?: (row: number) => boolean): GroupedCosts {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < cols.n; i++) {
    if (cols.windowStart[i]! < lo) lo = cols.windowStart[i]!;
    if (cols.windowEnd[i]! > hi) hi = cols.windowEnd[i]!;
  }
  const all: [number, number] = [cols.meta?.start ?? lo, cols.meta?.end ?? hi];
  const grouper = new CostGrouper(cols, groupBy, window, all, { buckets: bucketCount(window, lo, hi), rows: cols.n });
  grouper.add(cols, keep);
  return grouper.result();
}

/** Group order: by window, then cost descending, then key codes (deterministic). */
function sortedOrder(g: GroupedCosts): Int32Array {
  const order = new Int32Array(g.count);
  for (let i = 0; i < g.count; i++) order[i] = i;
  const codes = g.keyCodes;
  const ws = g.windowStart;
  const total = g.totalMicros;
  const byCost = (a: number, b: number): number => {
    const d = total[b]! - total[a]!;
    if (d) return d;
    for (const c of codes) if (c[a] !== c[b]) return c[a]! - c[b]!;
    return a - b;
  };
  let inWindowOrder = true;
  for (let i = 1; i < g.count && inWindowOrder; i++) if (ws[i]! < ws[i - 1]!) inWindowOrder = false;
  if (!inWindowOrder) return order.sort((a, b) => ws[a]! - ws[b]! || byCost(a, b));
  // Groups made window by window (the usual case) are already in window order: sort each
  // window's run on its own, which is several times cheaper than one sort of everything.
  for (let from = 0; from < g.count; ) {
    let to = from + 1;
    while (to < g.count && ws[to] === ws[from]) to++;
    order.subarray(from, to).sort(byCost);
    from = to;
  }
  return order;
}

/** Keeps the `top` costliest groups per window and merges the rest into `__other__`. */
function applyTop(g: GroupedCosts, top: number): GroupedCosts {
  const order = sortedOrder(g);
  const values = g.values.map((v) => [...v, OTHER_GROUP]);
  let out = emptyGroups(g.names, values, Math.max(16, g.count));
  let rank = 0;
  let other = -1;
  for (let k = 0; k < order.length; k++) {
    const s = order[k]!;
    if (k === 0 || g.windowStart[s] !== g.windowStart[order[k - 1]!]) {
      rank = 0;
      other = -1;
    }
    let d: number;
    if (rank++ < top) {
      d = out.count++;
      g.keyCodes.forEach((c, j) => (out.keyCodes[j]![d] = c[s]!));
    } else if (other < 0) {
      d = other = out.count++;
      values.forEach((v, j) => (out.keyCodes[j]![d] = v.length - 1));
    } else d = other;
    out = growGroups(out, out.count);
    out.windowStart[d] = g.windowStart[s]!;
    out.windowEnd[d] = g.windowEnd[s]!;
    for (const f of SUMS) out[f][d]! += g[f][s]!;
  }
  return out;
}

/** Builds the aggregate Arrow table from groups (sorted by window, then cost descending). */
export function groupsToTable(g: GroupedCosts): Table {
  const order = sortedOrder(g);
  const pick = (a: Float64Array, scale = 1) => {
    const out = new Float64Array(order.length);
    for (let i = 0; i < order.length; i++) out[i] = a[order[i]!]! * scale;
    return out;
  };
  const columns: Record<string, Vector> = {
    window_start: timestampVector(pick(g.windowStart)),
    window_end: timestampVector(pick(g.windowEnd)),
  };
  g.names.forEach((name, k) => {
    const codes = new Int32Array(order.length);
    for (let i = 0; i < order.length; i++) codes[i] = g.keyCodes[k]![order[i]!]!;
    columns[name] = dictionaryVector(codes, g.values[k]!);
  });
  Object.assign(columns, {
    cost: float64Vector(pick(g.totalMicros, 1e-6)),
    total_micros: int64Vector(pick(g.totalMicros)),
    allocated_micros: int64Vector(pick(g.allocatedMicros)),
    idle_micros: int64Vector(pick(g.idleMicros)),
    shared_micros: int64Vector(pick(g.sharedMicros)),
    list_micros: int64Vector(pick(g.listMicros)),
    gpu_hours: float64Vector(pick(g.gpuHours)),
    vcpu_hours: float64Vector(pick(g.vcpuHours)),
    memory_gib_hours: float64Vector(pick(g.memoryGiBHours)),
  });
  return new Table(columns);
}

/**
 * Sums a cost table by groups and time buckets. Label keys group idle rows under `__idle__` and
 * workload rows without the label under `__unlabeled__`, so the groups always add up to the
 * whole table: nothing is dropped. Returns an Arrow table: `window_start`, `window_end`, one string
 * column per `groupBy` key (label keys without the `label_` prefix), `cost` (currency units),
 * `total_micros`, `allocated_micros`, `idle_micros`, `shared_micros`, `list_micros`, `gpu_hours`,
 * `vcpu_hours`, `memory_gib_hours`; sorted by window, then cost descending.
 *
 * @throws InvalidArgumentError for an unknown key or a bucket finer than the attribution step.
 */
export function aggregateCosts(costs: ArrowTableLike, options: AggregateCostsOptions): Table {
  return aggregateCostColumns(readCostTable(costs), options);
}

/** {@link aggregateCosts} over cost columns already in typed arrays. */
export function aggregateCostColumns(cols: CostColumns, options: AggregateCostsOptions): Table {
  const window = checkAggregateOptions(cols.meta?.stepMs ?? null, options);
  const grouped = groupCosts(cols, options.groupBy, window);
  return finishAggregate(grouped, options);
}

/** Validates aggregation options against the attribution step; returns the bucket kind. */
export function checkAggregateOptions(stepMs: number | null, options: AggregateCostsOptions): AggregationWindow {
  const window = options.window ?? 'all';
  const minBucket = window === 'hour' ? HOUR : window === 'day' ? DAY : window === 'week' ? 7 * DAY : window === 'month' ? 28 * DAY : Infinity;
  if (stepMs !== null && stepMs > minBucket) {
    throw new InvalidArgumentError(`Cannot aggregate by ${window}: the costs were attributed in ${stepMs / HOUR} h windows. Attribute with a finer window.step.`);
  }
  if (options.top !== undefined && !(Number.isInteger(options.top) && options.top >= 1)) {
    throw new InvalidArgumentError(`top should be an integer >= 1, found ${options.top}.`);
  }
  return window;
}

/** The aggregate table of grouped sums (applying `top`). */
export function finishAggregate(grouped: GroupedCosts, options: AggregateCostsOptions): Table {
  return groupsToTable(options.top ? applyTop(grouped, options.top) : grouped);
}
