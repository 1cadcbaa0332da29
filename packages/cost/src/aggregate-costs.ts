import { Table } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { InvalidArgumentError } from '@mlops/contracts';
import { float64Vector, int64Vector, timestampVector, utf8Vector } from './arrow-columns.js';
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

/** One aggregated group (plain-data form). */
export interface CostGroup {
  windowStart: number;
  windowEnd: number;
  key: string[];
  totalMicros: number;
  allocatedMicros: number;
  idleMicros: number;
  sharedMicros: number;
  listMicros: number;
  gpuHours: number;
  vcpuHours: number;
  memoryGiBHours: number;
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

function keyColumn(cols: CostColumns, key: string): { cats: Categories; isLabel: boolean; name: string } {
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
  if (!l) {
    throw new InvalidArgumentError(
      `Cannot group by "${key}": it is neither a cost dimension (${COST_DIMENSIONS.join(', ')}) nor a label in this cost table ` +
        `(labels: ${cols.labels.map((x) => x.key).join(', ') || 'none'}).`,
    );
  }
  return { cats: l.cats, isLabel: true, name: bare };
}

/** Groups a cost table's rows (optionally filtered) by keys and time bucket. Internal engine of the aggregations. */
export function groupCosts(
  cols: CostColumns,
  groupBy: readonly string[],
  window: AggregationWindow,
  keep?: (row: number) => boolean,
): { names: string[]; groups: CostGroup[] } {
  if (!groupBy.length && window === 'all') groupBy = [];
  const keys = groupBy.map((k) => keyColumn(cols, k));
  const idleCode = cols.allocation.values.indexOf('idle');
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < cols.n; i++) {
    if (cols.windowStart[i]! < lo) lo = cols.windowStart[i]!;
    if (cols.windowEnd[i]! > hi) hi = cols.windowEnd[i]!;
  }
  const all: [number, number] = [cols.meta?.start ?? lo, cols.meta?.end ?? hi];
  // Per key column: code -> group value index (label nulls split into idle / unlabeled).
  const widths = keys.map((k) => k.cats.values.length + 2);
  const index = new KeyIndex(1 << 12);
  const groups: CostGroup[] = [];
  const bucketIdx = new KeyIndex(1 << 10);
  const buckets: [number, number][] = [];
  let lastStart = NaN;
  let lastBucket = -1;
  // Numeric composite keys while they stay exact (they almost always do); text keys past 2^52.
  const exact = widths.reduce((p, w) => p * w, 1) * 1e7 < 2 ** 52;
  const byText = new Map<string, number>();
  const kindCodes = cols.resourceKind.values.map((v) => ['gpu', 'cpu', 'memory'].indexOf(v));
  for (let i = 0; i < cols.n; i++) {
    if (keep && !keep(i)) continue;
    const ws = cols.windowStart[i]!;
    if (ws !== lastStart) {
      const b = bucketOf(ws, window, all);
      const bi = bucketIdx.slot(b[0] + 1e13);
      if (bi === buckets.length) buckets.push(b);
      lastStart = ws;
      lastBucket = bi;
    }
    const isIdle = cols.allocation.codes[i] === idleCode;
    let key = lastBucket;
    let text = exact ? '' : String(lastBucket);
    for (let k = 0; k < keys.length; k++) {
      const c = keys[k]!.cats.codes[i]!;
      const v = c >= 0 ? c + 2 : keys[k]!.isLabel && isIdle ? 0 : 1;
      if (exact) key = key * widths[k]! + v;
      else text += `,${v}`;
    }
    let g: number;
    if (exact) g = index.slot(key);
    else {
      g = byText.get(text) ?? groups.length;
      byText.set(text, g);
    }
    if (g === groups.length) {
      const b = buckets[lastBucket]!;
      groups.push({
        windowStart: b[0],
        windowEnd: b[1],
        key: keys.map((k) => {
          const c = k.cats.codes[i]!;
          return c >= 0 ? k.cats.values[c]! : k.isLabel ? (isIdle ? IDLE_GROUP : UNLABELED_GROUP) : isIdle && k.name === 'allocation' ? 'idle' : NONE_GROUP;
        }),
        totalMicros: 0,
        allocatedMicros: 0,
        idleMicros: 0,
        sharedMicros: 0,
        listMicros: 0,
        gpuHours: 0,
        vcpuHours: 0,
        memoryGiBHours: 0,
      });
    }
    const grp = groups[g]!;
    grp.totalMicros += cols.totalMicros[i]!;
    grp.allocatedMicros += cols.allocatedMicros[i]!;
    grp.idleMicros += cols.idleMicros[i]!;
    grp.sharedMicros += cols.sharedMicros[i]!;
    grp.listMicros += cols.listMicros[i]!;
    const kc = cols.resourceKind.codes[i]!;
    const kind = kc >= 0 ? kindCodes[kc]! : -1;
    if (kind === 0) grp.gpuHours += cols.quantityHours[i]!;
    else if (kind === 1) grp.vcpuHours += cols.quantityHours[i]!;
    else if (kind === 2) grp.memoryGiBHours += cols.quantityHours[i]!;
  }
  return { names: keys.map((k) => k.name), groups };
}

function applyTop(groups: CostGroup[], top: number, width: number): CostGroup[] {
  const byWindow = new Map<number, CostGroup[]>();
  for (const g of groups) {
    const list = byWindow.get(g.windowStart) ?? [];
    list.push(g);
    byWindow.set(g.windowStart, list);
  }
  const out: CostGroup[] = [];
  for (const list of byWindow.values()) {
    list.sort((a, b) => b.totalMicros - a.totalMicros);
    out.push(...list.slice(0, top));
    const rest = list.slice(top);
    if (!rest.length) continue;
    const other: CostGroup = { ...rest[0]!, key: new Array<string>(width).fill(OTHER_GROUP) };
    for (const f of ['totalMicros', 'allocatedMicros', 'idleMicros', 'sharedMicros', 'listMicros', 'gpuHours', 'vcpuHours', 'memoryGiBHours'] as const) {
      other[f] = rest.reduce((s, g) => s + g[f], 0);
    }
    out.push(other);
  }
  return out;
}

/** Builds the aggregate Arrow table from groups (sorted by window, then cost descending). */
export function groupsToTable(names: readonly string[], groups: CostGroup[]): Table {
  groups.sort((a, b) => a.windowStart - b.windowStart || b.totalMicros - a.totalMicros || (a.key.join('\u0000') < b.key.join('\u0000') ? -1 : 1));
  const f = (pick: (g: CostGroup) => number) => Float64Array.from(groups, pick);
  const columns: Record<string, Vector> = {
    window_start: timestampVector(f((g) => g.windowStart)),
    window_end: timestampVector(f((g) => g.windowEnd)),
  };
  names.forEach((name, k) => {
    columns[name] = utf8Vector(groups.map((g) => g.key[k]!));
  });
  Object.assign(columns, {
    cost: float64Vector(f((g) => g.totalMicros / 1e6)),
    total_micros: int64Vector(f((g) => g.totalMicros)),
    allocated_micros: int64Vector(f((g) => g.allocatedMicros)),
    idle_micros: int64Vector(f((g) => g.idleMicros)),
    shared_micros: int64Vector(f((g) => g.sharedMicros)),
    list_micros: int64Vector(f((g) => g.listMicros)),
    gpu_hours: float64Vector(f((g) => g.gpuHours)),
    vcpu_hours: float64Vector(f((g) => g.vcpuHours)),
    memory_gib_hours: float64Vector(f((g) => g.memoryGiBHours)),
  });
  return new Table(columns);
}

/**
 * Sums a cost table by groups and time buckets. Label keys group idle rows under `__idle__` and
 * workload rows without the label under `__unlabeled__`, so the groups always add up to the
 * whole table: nothing is dropped. Returns an Arrow table: `window_start`, `window_end`, one Utf8
 * column per `groupBy` key (label keys without the `label_` prefix), `cost` (currency units),
 * `total_micros`, `allocated_micros`, `idle_micros`, `shared_micros`, `list_micros`, `gpu_hours`,
 * `vcpu_hours`, `memory_gib_hours`; sorted by window, then cost descending.
 *
 * @throws InvalidArgumentError for an unknown key or a bucket finer than the attribution step.
 */
export function aggregateCosts(costs: ArrowTableLike, options: AggregateCostsOptions): Table {
  const cols = readCostTable(costs);
  const window = options.window ?? 'all';
  const minBucket = window === 'hour' ? HOUR : window === 'day' ? DAY : window === 'week' ? 7 * DAY : window === 'month' ? 28 * DAY : Infinity;
  if (cols.meta && cols.meta.stepMs > minBucket) {
    throw new InvalidArgumentError(`Cannot aggregate by ${window}: the costs were attributed in ${cols.meta.stepMs / HOUR} h windows. Attribute with a finer window.step.`);
  }
  if (options.top !== undefined && !(Number.isInteger(options.top) && options.top >= 1)) {
    throw new InvalidArgumentError(`top should be an integer >= 1, found ${options.top}.`);
  }
  const { names, groups } = groupCosts(cols, options.groupBy, window);
  return groupsToTable(names, options.top ? applyTop(groups, options.top, names.length) : groups);
}
