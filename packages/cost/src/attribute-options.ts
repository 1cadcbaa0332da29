import { InvalidArgumentError } from '@mlops/contracts';
import type { ArrowTableLike } from './arrow-columns.js';
import type { AssetSpec, TimeInput } from './assets.js';
import type { PriceCatalog } from './price-catalog.js';
import type { SplitMethod } from './split-methods.js';

/** One hour in milliseconds (prices are per hour). */
export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** What to do with idle cost (asset cost not charged to any workload). */
export interface IdleOptions {
  /** `separate` (default): report idle as `__idle__` rows. `share`: charge it back to workloads. */
  mode?: 'separate' | 'share';
  /** Share in proportion to each workload's allocated cost (default) or evenly per workload row. */
  by?: 'proportional' | 'even';
  /** Share each node's idle among that node's workloads (default), or pool it per resource across the cluster. */
  scope?: 'node' | 'cluster';
  /**
   * Pool idle per resource (default: GPU idle goes to GPU users only, so GPU-only usage leaves a
   * node's CPU and memory cost idle) or per `node`: the idle of all of a node's resources goes to
   * its workloads in proportion to their allocated cost, so a node with any workload is charged
   * back in full. Conservation then holds per window and node (per window with `scope: 'cluster'`).
   */
  level?: 'resource' | 'node';
}

/** Workloads whose cost is overhead to spread over everyone else (e.g. `kube-system`, monitoring). */
export interface SharedOptions {
  /** Label key -> values that mark a row as shared, e.g. `{ namespace: ['kube-system'] }`. */
  labels: Record<string, readonly string[]>;
  /** Spread in proportion to each receiver's cost so far (default) or evenly per receiving row. */
  by?: 'proportional' | 'even';
  /** Spread within each node (default) or across the cluster, per resource and window. */
  scope?: 'node' | 'cluster';
}

/** Attribution windows: fixed steps on the UTC epoch grid, optionally bounded. */
export interface WindowOptions {
  /** `hour` (default), `day`, or a step in milliseconds. */
  step?: 'hour' | 'day' | number;
  /** Start of the attributed range; default the earliest asset start or usage start. */
  start?: TimeInput;
  /** End of the attributed range; default the latest asset end or usage end. */
  end?: TimeInput;
}

/** Prices of usage-billed resources (no node, no idle). */
export interface UnitPrices {
  /** Price per GiB-hour of `storage` usage. Default OpenCost's $0.00005479452 (= $0.04 per GiB-month). */
  storageGiBHour?: number;
  /** Price per GiB of `network` usage. Default $0.01 (OpenCost's cross-zone egress). */
  networkGiB?: number;
}

/** Options for {@link attributeCosts}. */
export interface AttributeCostsOptions {
  /** UsageRecord Arrow table (docs/decisions/001-data-contracts.md). */
  usage: ArrowTableLike;
  /** Nodes; omit to derive them from usage (each node lives from its first usage to its last). */
  assets?: readonly AssetSpec[];
  /** Price catalog (see `loadPriceCatalog`, `samplePriceCatalog`). */
  prices: PriceCatalog;
  /** How node prices split across GPU, CPU and memory. Default `aws-split`. */
  method?: SplitMethod;
  /** Charge `max(request, usage)` (default), the request only, or the usage only. Rows without a request charge `quantity`. */
  basis?: 'max' | 'request' | 'usage';
  /** Idle cost handling. */
  idle?: IdleOptions;
  /** Shared-overhead workloads. */
  shared?: SharedOptions;
  /** Attribution windows; a step alone may be given (`'hour'`, `'day'`, ms). */
  window?: WindowOptions | 'hour' | 'day' | number;
  /** Prices for storage and network usage. */
  unitPrices?: UnitPrices;
  /**
   * Without `assets`, a node is billed only while usage shows it up: the union of its usage
   * intervals, with gaps up to this long closed (default one hour). A node used twice a week apart
   * is billed its two busy spans, not the idle week between (give `assets` with real lifetimes when
   * you have them). `Infinity` bills first use to last use.
   */
  idleGapMs?: number;
  /** Exact duplicate rows: `error` (default) or `allow` (charge each). */
  duplicates?: 'error' | 'allow';
  /**
   * Rows of one workload (same node, resource, pricing, sku and labels) that overlap in time:
   * `error` (default, `OVERLAPPING_USAGE` listing the rows), `merge` (charge the largest quantity
   * held at each instant once: 10:00-11:00 and 10:30-11:30 of one GPU is 1.5 GPU-hours), or
   * `allow` (charge each row, e.g. replicas that share every label). Exact repeats are `duplicates`.
   */
  overlaps?: 'error' | 'merge' | 'allow';
  /** More charged than a node has in a window: `error` (default) or `scale` (charges shrink pro rata to the asset cost, idle 0). */
  overcommit?: 'error' | 'scale';
}

/** The window step (ms) and optional range bounds of `options.window`. */
export function stepOf(w: AttributeCostsOptions['window']): { stepMs: number; start?: TimeInput; end?: TimeInput } {
  const o: WindowOptions = typeof w === 'object' ? w : { step: w ?? 'hour' };
  const s = o.step ?? 'hour';
  const stepMs = s === 'hour' ? HOUR_MS : s === 'day' ? DAY_MS : s;
  if (!(typeof stepMs === 'number' && Number.isInteger(stepMs) && stepMs > 0)) {
    throw new InvalidArgumentError(`window.step should be 'hour', 'day' or a whole number of milliseconds > 0; found ${String(s)}.`);
  }
  return { stepMs, ...(o.start !== undefined ? { start: o.start } : {}), ...(o.end !== undefined ? { end: o.end } : {}) };
}
