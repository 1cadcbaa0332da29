import { Table } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { InvalidArgumentError, MlopsError } from '@mlops/contracts';
import { dictionaryVector, float64Vector, int64Vector, timestampVector } from './arrow-columns.js';
import type { ArrowTableLike } from './arrow-columns.js';
import { resolveAssets, toEpochMs, unitRatesFor } from './assets.js';
import type { AssetSpec, TimeInput, UnitRates } from './assets.js';
import { COST_METADATA_KEY, rememberCostColumns } from './cost-table.js';
import type { CostColumns, CostTableMetadata } from './cost-table.js';
import { findDuplicateRows } from './duplicates.js';
import { CostErrorCode } from './error-codes.js';
import { DenseIndex, KeyIndex } from './key-index.js';
import type { CellIndex } from './key-index.js';
import { distributeInteger } from './money.js';
import type { PriceCatalog } from './price-catalog.js';
import { splitMethodId } from './split-methods.js';
import type { SplitMethod } from './split-methods.js';
import { KIND_NETWORK, KIND_STORAGE, KIND_UNITS, PRICING_MODELS, ProblemList, RESOURCE_KINDS, readUsage } from './usage-input.js';
import type { UsageColumns } from './usage-input.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** What to do with idle cost (asset cost not charged to any workload). */
export interface IdleOptions {
  /** `separate` (default): report idle as `__idle__` rows. `share`: charge it back to workloads. */
  mode?: 'separate' | 'share';
  /** Share in proportion to each workload's allocated cost (default) or evenly per workload row. */
  by?: 'proportional' | 'even';
  /** Share each node's idle among that node's workloads (default), or pool it per resource across the cluster. */
  scope?: 'node' | 'cluster';
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
  /** Exact duplicate rows: `error` (default) or `allow` (charge each). */
  duplicates?: 'error' | 'allow';
  /** More charged than a node has in a window: `error` (default) or `scale` (charges shrink pro rata to the asset cost, idle 0). */
  overcommit?: 'error' | 'scale';
}

function growF64(a: Float64Array<ArrayBuffer>, need: number): Float64Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function stepOf(w: AttributeCostsOptions['window']): { stepMs: number; start?: TimeInput; end?: TimeInput } {
  const o: WindowOptions = typeof w === 'object' ? w : { step: w ?? 'hour' };
  const s = o.step ?? 'hour';
  const stepMs = s === 'hour' ? HOUR_MS : s === 'day' ? DAY_MS : s;
  if (!(typeof stepMs === 'number' && Number.isInteger(stepMs) && stepMs > 0)) {
    throw new InvalidArgumentError(`window.step should be 'hour', 'day' or a whole number of milliseconds > 0; found ${String(s)}.`);
  }
  return { stepMs, ...(o.start !== undefined ? { start: o.start } : {}), ...(o.end !== undefined ? { end: o.end } : {}) };
}

/** Dense group ids over (node, kind, pricing, sku, instance type, region, labels). */
function groupIds(u: UsageColumns): { gid: Int32Array; count: number; rep: Int32Array } {
  const n = u.n;
  const parts: { codes: ArrayLike<number>; card: number; offset: number }[] = [
    { codes: u.node, card: u.nodes.values.length, offset: 1 },
    { codes: u.kind, card: RESOURCE_KINDS.length, offset: 0 },
    { codes: u.pricing, card: PRICING_MODELS.length, offset: 0 },
    { codes: u.sku.codes, card: u.sku.values.length, offset: 1 },
    { codes: u.instanceType.codes, card: u.instanceType.values.length, offset: 1 },
    { codes: u.region.codes, card: u.region.values.length, offset: 1 },
    ...u.labels.map((l) => ({ codes: l.cats.codes, card: l.cats.values.length, offset: 1 })),
  ].filter((p) => p.card > 0);
  const gid = new Int32Array(n);
  const index = new KeyIndex(1 << 12);
  // Fold columns into one number while it stays exact; past 2^53, rank the partial key and go on.
  let key = new Float64Array(n);
  let radix = 1;
  for (const p of parts) {
    const width = p.card + p.offset;
    if (radix * width > 2 ** 52) {
      const ranked = new KeyIndex(1 << 12);
      for (let i = 0; i < n; i++) key[i] = ranked.slot(key[i]!);
      radix = ranked.size;
    }
    const codes = p.codes;
    const off = p.offset;
    for (let i = 0; i < n; i++) key[i] = key[i]! * width + (codes[i]! + off);
    radix *= width;
  }
  let last = NaN;
  let lastSlot = -1;
  const repList: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = key[i]!;
    if (k !== last) {
      last = k;
      lastSlot = index.slot(k);
      if (lastSlot === repList.length) repList.push(i);
    }
    gid[i] = lastSlot;
  }
  key = new Float64Array(0);
  return { gid, count: index.size, rep: Int32Array.from(repList) };
}

/** Offsets/members lists of slots per group (CSR layout). */
function groupMembers(groupOf: Int32Array, count: number, groups: number): { offsets: Int32Array; members: Int32Array } {
  const offsets = new Int32Array(groups + 1);
  for (let s = 0; s < count; s++) if (groupOf[s]! >= 0) offsets[groupOf[s]! + 1]!++;
  for (let g = 0; g < groups; g++) offsets[g + 1]! += offsets[g]!;
  const fill = offsets.slice(0, groups);
  const members = new Int32Array(offsets[groups]!);
  for (let s = 0; s < count; s++) {
    const g = groupOf[s]!;
    if (g >= 0) members[fill[g]!++] = s;
  }
  return { offsets, members };
}

/** Inputs of the slicing loops (exported for tests). */
export interface SliceInput {
  n: number;
  start: Float64Array;
  end: Float64Array;
  quantity: Float64Array;
  request: Float64Array;
  kind: Uint8Array;
  gid: Int32Array;
  nodeAsset: Int32Array;
  assetStart: Float64Array;
  assetEnd: Float64Array;
  rangeStart: number;
  rangeEnd: number;
  stepMs: number;
  w0: number;
  G: number;
  basis: 'max' | 'request' | 'usage';
  onOutside: (row: number, asset: number) => void;
}

/**
 * The hot loop: intersects every record with the windows it overlaps and accumulates charged and
 * used resource-unit-milliseconds per (window, group) cell. Kept as its own small function so V8
 * optimizes it on its own.
 */
function sliceIntoCells(x: SliceInput): { cells: KeyIndex; charge: Float64Array; used: Float64Array } {
  const { n, start, end, quantity, request, kind, gid, nodeAsset, assetStart, assetEnd, rangeStart, rangeEnd, stepMs, w0, G } = x;
  const cells = new KeyIndex(Math.max(1024, 2 * n));
  let charge = new Float64Array(Math.max(1024, 2 * n));
  let used = new Float64Array(Math.max(1024, 2 * n));
  const useMax = x.basis === 'max';
  const useReq = x.basis === 'request';
  let lastKey = -1;
  let lastSlot = -1;
  for (let i = 0; i < n; i++) {
    const s0 = start[i]!;
    const e0 = end[i]!;
    const s = s0 > rangeStart ? s0 : rangeStart;
    const e = e0 < rangeEnd ? e0 : rangeEnd;
    if (!(e > s)) continue;
    const g = gid[i]!;
    const a = nodeAsset[g]!;
    if (a >= 0 && (s < assetStart[a]! || e > assetEnd[a]!)) {
      x.onOutside(i, a);
      continue;
    }
    const q = quantity[i]!;
    const r = request[i]!;
    const c = r !== r ? q : useMax ? (r > q ? r : q) : useReq ? r : q;
    // Network quantity is GiB moved in the whole interval: spread it over the interval's windows.
    const per = kind[i] === KIND_NETWORK ? 1 / (e0 - s0) : 1;
    const wa = Math.floor(s / stepMs);
    const wb = Math.ceil(e / stepMs) - 1;
    for (let w = wa; w <= wb; w++) {
      const lo = w * stepMs > s ? w * stepMs : s;
      const hi = (w + 1) * stepMs < e ? (w + 1) * stepMs : e;
      const ms = (hi - lo) * per;
      const key = (w - w0) * G + g;
      let slot: number;
      if (key === lastKey) slot = lastSlot;
      else {
        slot = cells.slot(key);
        lastKey = key;
        lastSlot = slot;
        if (slot >= charge.length) {
          charge = growF64(charge, slot + 1);
          used = growF64(used, slot + 1);
        }
      }
      charge[slot]! += c * ms;
      used[slot]! += q * ms;
    }
  }
  return { cells, charge, used };
}

/** Cells produced by {@link sliceRecords}. */
export interface SlicedCells {
  /** Number of (window, group) cells. */
  S: number;
  /** Window of each cell, relative to `w0`. */
  slotW: Int32Array;
  /** Workload group of each cell. */
  slotG: Int32Array;
  charge: Float64Array;
  used: Float64Array;
}

/**
 * Slices records into (window, group) cells. When every group's window span is small next to the
 * number of record-windows (the usual case: a group is one workload on one node), each group gets a
 * dense run of cells, so the hot loop addresses cells directly instead of probing a hash table
 * (the probe's cache misses were the largest cost in the profile). Otherwise it falls back to
 * hashing. Either way cells come out window-major, groups ascending within a window.
 */
export function sliceRecords(x: SliceInput, force?: 'dense' | 'hash'): SlicedCells {
  const { n, start, end, gid, rangeStart, rangeEnd, stepMs, w0, G } = x;
  const gMin = new Int32Array(G).fill(0x7fffffff);
  const gMax = new Int32Array(G).fill(-1);
  let recordWindows = 0;
  for (let i = 0; i < n; i++) {
    const s = start[i]! > rangeStart ? start[i]! : rangeStart;
    const e = end[i]! < rangeEnd ? end[i]! : rangeEnd;
    if (!(e > s)) continue;
    const wa = Math.floor(s / stepMs) - w0;
    const wb = Math.ceil(e / stepMs) - 1 - w0;
    recordWindows += wb - wa + 1;
    const g = gid[i]!;
    if (wa < gMin[g]!) gMin[g] = wa;
    if (wb > gMax[g]!) gMax[g] = wb;
  }
  const base = new Float64Array(G + 1);
  let W = 0;
  for (let g = 0; g < G; g++) {
    const span = gMax[g]! >= 0 ? gMax[g]! - gMin[g]! + 1 : 0;
    base[g + 1] = base[g]! + span;
    if (gMax[g]! + 1 > W) W = gMax[g]! + 1;
  }
  const total = base[G]!;
  const tooSparse = total > Math.max(1 << 20, 3 * recordWindows) || total >= 2 ** 30;
  if (force === 'hash' || (tooSparse && force !== 'dense')) return fromHashed(sliceIntoCells(x), G);
  const denseCharge = new Float64Array(total);
  const denseUsed = new Float64Array(total);
  const touched = new Uint8Array(total);
  sliceDense(x, gMin, base, denseCharge, denseUsed, touched);
  // Counting sort of touched cells by window (groups stay ascending within a window).
  const offs = new Int32Array(W + 1);
  for (let g = 0; g < G; g++) {
    const b = base[g]!;
    const span = base[g + 1]! - b;
    const lo = gMin[g]!;
    for (let k = 0; k < span; k++) if (touched[b + k]) offs[lo + k + 1]!++;
  }
  for (let w = 0; w < W; w++) offs[w + 1]! += offs[w]!;
  const S = offs[W]!;
  const slotW = new Int32Array(S);
  const slotG = new Int32Array(S);
  const charge = new Float64Array(S);
  const used = new Float64Array(S);
  for (let g = 0; g < G; g++) {
    const b = base[g]!;
    const span = base[g + 1]! - b;
    const lo = gMin[g]!;
    for (let k = 0; k < span; k++) {
      if (!touched[b + k]) continue;
      const pos = offs[lo + k]!++;
      slotW[pos] = lo + k;
      slotG[pos] = g;
      charge[pos] = denseCharge[b + k]!;
      used[pos] = denseUsed[b + k]!;
    }
  }
  return { S, slotW, slotG, charge, used };
}

function fromHashed(h: { cells: KeyIndex; charge: Float64Array; used: Float64Array }, G: number): SlicedCells {
  const S = h.cells.size;
  const keys = h.cells.slotKeys;
  // Window-major order, as the dense path gives: a two-pass LSD radix sort (group, then window),
  // linear in cells; a comparator sort of tens of millions of slots took many seconds.
  let W = 0;
  const kw = new Int32Array(S);
  const kg = new Int32Array(S);
  for (let s = 0; s < S; s++) {
    const key = keys[s]!;
    const w = Math.floor(key / G);
    kw[s] = w;
    kg[s] = key - w * G;
    if (w + 1 > W) W = w + 1;
  }
  const byG = new Int32Array(G + 1);
  for (let s = 0; s < S; s++) byG[kg[s]! + 1]!++;
  for (let g = 0; g < G; g++) byG[g + 1]! += byG[g]!;
  const tmp = new Int32Array(S);
  for (let s = 0; s < S; s++) tmp[byG[kg[s]!]!++] = s;
  const byW = new Int32Array(W + 1);
  for (let s = 0; s < S; s++) byW[kw[s]! + 1]!++;
  for (let w = 0; w < W; w++) byW[w + 1]! += byW[w]!;
  const order = new Int32Array(S);
  for (let k = 0; k < S; k++) {
    const s = tmp[k]!;
    order[byW[kw[s]!]!++] = s;
  }
  const slotW = new Int32Array(S);
  const slotG = new Int32Array(S);
  const charge = new Float64Array(S);
  const used = new Float64Array(S);
  for (let k = 0; k < S; k++) {
    const s = order[k]!;
    const key = keys[s]!;
    const w = Math.floor(key / G);
    slotW[k] = w;
    slotG[k] = key - w * G;
    charge[k] = h.charge[s]!;
    used[k] = h.used[s]!;
  }
  return { S, slotW, slotG, charge, used };
}

/** The hot loop of the dense path: same arithmetic as {@link sliceIntoCells}, direct addressing. */
function sliceDense(x: SliceInput, gMin: Int32Array, base: Float64Array, charge: Float64Array, used: Float64Array, touched: Uint8Array): void {
  const { n, start, end, quantity, request, kind, gid, nodeAsset, assetStart, assetEnd, rangeStart, rangeEnd, stepMs, w0 } = x;
  const useMax = x.basis === 'max';
  const useReq = x.basis === 'request';
  for (let i = 0; i < n; i++) {
    const s0 = start[i]!;
    const e0 = end[i]!;
    const s = s0 > rangeStart ? s0 : rangeStart;
    const e = e0 < rangeEnd ? e0 : rangeEnd;
    if (!(e > s)) continue;
    const g = gid[i]!;
    const a = nodeAsset[g]!;
    if (a >= 0 && (s < assetStart[a]! || e > assetEnd[a]!)) {
      x.onOutside(i, a);
      continue;
    }
    const q = quantity[i]!;
    const r = request[i]!;
    const c = r !== r ? q : useMax ? (r > q ? r : q) : useReq ? r : q;
    const per = kind[i] === KIND_NETWORK ? 1 / (e0 - s0) : 1;
    const wa = Math.floor(s / stepMs);
    const wb = Math.ceil(e / stepMs) - 1;
    const cellBase = base[g]! - gMin[g]! - w0;
    for (let w = wa; w <= wb; w++) {
      const lo = w * stepMs > s ? w * stepMs : s;
      const hi = (w + 1) * stepMs < e ? (w + 1) * stepMs : e;
      const ms = (hi - lo) * per;
      const cell = cellBase + w;
      charge[cell]! += c * ms;
      used[cell]! += q * ms;
      touched[cell] = 1;
    }
  }
}

/**
 * Turns usage into cost, exactly: every usage interval is intersected with each window (hourly by
 * default), each node's price per window is split across GPU, CPU and memory by `method`, and each
 * workload is charged its share of what it held (`max(request, usage)` by default; fractional GPUs
 * charge their fraction). What no workload held is idle, reported as `__idle__` rows or shared
 * back. Money is integer micro-units, so for every window, node and resource the rows' `total_micros`
 * add up to the asset cost exactly (with cluster-scoped sharing: per window and resource).
 *
 * Returns a cost table (Arrow): one row per window x workload group (node, resource, sku, labels)
 * plus idle rows; columns are listed in the README. Feed it to `aggregateCosts`, `spotSavings`,
 * `toFocus`, `evaluateBudgets` and `renderCostReport`.
 *
 * @throws MlopsError `INVALID_USAGE`, `UNKNOWN_NODE`, `UNKNOWN_INSTANCE_TYPE`, `AMBIGUOUS_PRICE`,
 *   `USAGE_OUTSIDE_ASSET`, `DUPLICATE_USAGE`, `OVERCOMMITTED`, `INVALID_ARGUMENT`, each listing every
 *   offending row kind or name; nothing is charged when any is thrown.
 */
export function attributeCosts(options: AttributeCostsOptions): Table {
  return costColumnsTable(computeCostColumns(options));
}

/** The work of {@link attributeCosts}, up to typed arrays (no Arrow). */
export function computeCostColumns(options: AttributeCostsOptions): CostColumns {
  const method = options.method ?? 'aws-split';
  const basis = options.basis ?? 'max';
  const idleMode = options.idle?.mode ?? 'separate';
  const u = readUsage(options.usage);
  const n = u.n;
  const { stepMs, start: wStart, end: wEnd } = stepOf(options.window);

  let minStart = Infinity;
  let maxEnd = -Infinity;
  for (let i = 0; i < n; i++) {
    if (u.start[i]! < minStart) minStart = u.start[i]!;
    if (u.end[i]! > maxEnd) maxEnd = u.end[i]!;
  }
  for (const a of options.assets ?? []) {
    if (a.start !== undefined) minStart = Math.min(minStart, toEpochMs(a.start, 'asset start'));
    if (a.end !== undefined) maxEnd = Math.max(maxEnd, toEpochMs(a.end, 'asset end'));
  }
  const rangeStart = wStart !== undefined ? toEpochMs(wStart, 'window.start') : minStart;
  const rangeEnd = wEnd !== undefined ? toEpochMs(wEnd, 'window.end') : maxEnd;
  if (!Number.isFinite(rangeStart) || !Number.isFinite(rangeEnd)) {
    throw new InvalidArgumentError('Nothing to attribute: the usage table is empty and no window.start/window.end or asset lifetimes were given.');
  }
  if (!(rangeEnd > rangeStart)) throw new InvalidArgumentError(`window.end (${new Date(rangeEnd).toISOString()}) must be after window.start (${new Date(rangeStart).toISOString()}).`);

  const assets = resolveAssets(u, options.assets, options.prices, method, { start: rangeStart, end: rangeEnd });
  const { gid, count: G, rep } = groupIds(u);

  if ((options.duplicates ?? 'error') === 'error') {
    const dup = new ProblemList();
    findDuplicateRows(n, gid, u.start, u.end, u.quantity, u.request, (row, first) => dup.add(`repeats row ${first} exactly`, row));
    dup.throwIfAny(
      CostErrorCode.DuplicateUsage,
      'The usage has rows that repeat earlier rows exactly (same workload, node, interval and quantity), which would be charged twice:',
      "Drop the repeated rows (the export was probably read twice), or pass duplicates: 'allow' if they are distinct workloads.",
    );
  }

  // Consistency of node rows with their asset, and pricing of rows without a node.
  const problems = new ProblemList();
  const rates = new Map<number, UnitRates>();
  const unknownTypes = new Set<string>();
  const nodeAsset = new Int32Array(G).fill(-1);
  const groupRates: (UnitRates | null)[] = new Array<UnitRates | null>(G).fill(null);
  for (let g = 0; g < G; g++) {
    const i = rep[g]!;
    const node = u.node[i]!;
    const kind = u.kind[i]!;
    if (node >= 0) {
      const a = assets.byNodeCode[node]!;
      nodeAsset[g] = a;
      if (u.pricing[i] !== assets.pricing[a]) problems.add(`pricing_model differs from node ${assets.nodeName[a]}'s (${PRICING_MODELS[assets.pricing[a]!]})`, i);
      const it = u.instanceType.codes[i]!;
      if (it >= 0 && assets.instanceType[a] !== null && u.instanceType.values[it] !== assets.instanceType[a]) {
        problems.add(`instance_type differs from node ${assets.nodeName[a]}'s (${assets.instanceType[a]})`, i);
      }
      if (kind < KIND_STORAGE && !(assets.capacity[a * 3 + kind]! > 0)) problems.add(`${RESOURCE_KINDS[kind]} used on node ${assets.nodeName[a]}, which has none`, i);
    } else if (kind < KIND_STORAGE) {
      const it = u.instanceType.codes[i]!;
      if (it < 0) {
        problems.add('gpu/cpu/memory row has neither node nor instance_type, so it cannot be priced', i);
        continue;
      }
      const rg = u.region.codes[i]!;
      const rateKey = (it * (u.region.values.length + 1) + rg + 1) * 4 + u.pricing[i]!;
      let r = rates.get(rateKey);
      if (!r) {
        const got = unitRatesFor(options.prices, method, u.instanceType.values[it]!, rg < 0 ? null : u.region.values[rg]!, PRICING_MODELS[u.pricing[i]!]!);
        if (typeof got === 'string') {
          unknownTypes.add(got);
          continue;
        }
        rates.set(rateKey, (r = got));
      }
      groupRates[g] = r;
    }
  }
  if (unknownTypes.size) {
    const list = [...unknownTypes];
    throw new MlopsError(CostErrorCode.UnknownInstanceType, `The price catalog has no usable price for ${list.length} instance type(s) used without a node: ${list.join(', ')}. Add them to the catalog.`, {
      details: { unknown: list },
    });
  }
  problems.throwIfAny(CostErrorCode.InvalidUsage, 'Usage rows do not match their nodes:', 'Fix the usage or the assets; nothing was charged.');

  // Slice every record by window and accumulate resource-unit-milliseconds per (window, group).
  const w0 = Math.floor(rangeStart / stepMs);
  const outside = new ProblemList();
  const sliced = sliceRecords({
    n, start: u.start, end: u.end, quantity: u.quantity, request: u.request, kind: u.kind, gid, nodeAsset,
    assetStart: assets.start, assetEnd: assets.end, rangeStart, rangeEnd, stepMs, w0, G, basis,
    onOutside: (i, a) => outside.add(`outside the lifetime of node ${assets.nodeName[a]}`, i),
  });
  outside.throwIfAny(
    CostErrorCode.UsageOutsideAsset,
    'Usage falls outside the lifetime of the node it names:',
    "Fix the asset's start/end (or the usage intervals); usage outside a node's life cannot be priced against it.",
  );
  const { S, slotW, slotG, charge, used } = sliced;

  // Asset cells: (window, asset, resource) -> integer asset cost and capacity-milliseconds.
  const A = assets.count;
  // Dense addressing when windows x assets x 3 is modest (the usual case); hashing otherwise.
  const windowCount = Math.ceil(rangeEnd / stepMs) - w0;
  const denseSize = windowCount * A * 3;
  const rc: CellIndex = denseSize <= 1 << 25 ? new DenseIndex(denseSize) : new KeyIndex(1 << 14);
  let assetMicros = new Float64Array(rc instanceof DenseIndex ? denseSize : 1 << 14);
  let capMs = new Float64Array(assetMicros.length);
  for (let a = 0; a < A; a++) {
    const s = Math.max(assets.start[a]!, rangeStart);
    const e = Math.min(assets.end[a]!, rangeEnd);
    if (!(e > s)) continue;
    const wa = Math.floor(s / stepMs);
    const wb = Math.ceil(e / stepMs) - 1;
    for (let w = wa; w <= wb; w++) {
      const lo = Math.max(w * stepMs, s);
      const hi = Math.min((w + 1) * stepMs, e);
      // Round the node's cost for the window once, then split it across resources by largest
      // remainder, so a node-window adds up to its price exactly.
      const nodeMicros = Math.round((assets.hourlyMicros[a]! * (hi - lo)) / HOUR_MS);
      const parts = [0, 0, 0];
      let given = 0;
      for (let r = 0; r < 3; r++) {
        parts[r] = Math.floor(nodeMicros * assets.share[a * 3 + r]!);
        given += parts[r]!;
      }
      for (let left = nodeMicros - given; left > 0; left--) {
        let best = 0;
        let bestRem = -1;
        for (let r = 0; r < 3; r++) {
          const rem = nodeMicros * assets.share[a * 3 + r]! - parts[r]!;
          if (rem > bestRem) {
            bestRem = rem;
            best = r;
          }
        }
        parts[best]!++;
      }
      for (let r = 0; r < 3; r++) {
        const share = assets.share[a * 3 + r]!;
        const cap = assets.capacity[a * 3 + r]!;
        if (!(share > 0) && !(cap > 0)) continue;
        const cell = rc.slot(((w - w0) * A + a) * 3 + r);
        if (cell >= assetMicros.length) {
          assetMicros = growF64(assetMicros, cell + 1);
          capMs = growF64(capMs, cell + 1);
        }
        assetMicros[cell] = parts[r]!;
        capMs[cell] = cap * (hi - lo);
      }
    }
  }
  const R = rc.size;

  // Map node slots to their asset cell; price direct (node-less / usage-billed) slots.
  const allocated = new Float64Array(S);
  const listMicros = new Float64Array(S);
  const slotCell = new Int32Array(S).fill(-1);
  const storageRate = (options.unitPrices?.storageGiBHour ?? 0.00005479452) * 1e6;
  const networkRate = (options.unitPrices?.networkGiB ?? 0.01) * 1e6;
  for (let s = 0; s < S; s++) {
    const g = slotG[s]!;
    const i = rep[g]!;
    const kind = u.kind[i]!;
    const a = nodeAsset[g]!;
    if (kind === KIND_STORAGE) {
      allocated[s] = Math.round((storageRate * charge[s]!) / HOUR_MS);
      listMicros[s] = allocated[s]!;
    } else if (kind === KIND_NETWORK) {
      allocated[s] = Math.round(networkRate * charge[s]!);
      listMicros[s] = allocated[s]!;
    } else if (a < 0) {
      const r = groupRates[g]!;
      allocated[s] = Math.round((r.rate[kind]! * charge[s]!) / HOUR_MS);
      listMicros[s] = Math.round((r.listRate[kind]! * charge[s]!) / HOUR_MS);
    } else {
      slotCell[s] = rc.find((slotW[s]! * A + a) * 3 + kind);
    }
  }
  const byCell = groupMembers(slotCell, S, R);

  // Allocation: each cell's held fraction of its asset cost, split by largest remainder.
  const idle = assetMicros.slice(0, R);
  const over = new ProblemList();
  const scale = options.overcommit === 'scale';
  for (let c = 0; c < R; c++) {
    const from = byCell.offsets[c]!;
    const to = byCell.offsets[c + 1]!;
    if (from === to) continue;
    let sum = 0;
    for (let k = from; k < to; k++) sum += charge[byCell.members[k]!]!;
    const cap = capMs[c]!;
    let ratio = sum / cap;
    if (ratio > 1 + 1e-9) {
      if (!scale) {
        const s = byCell.members[from]!;
        const a = nodeAsset[slotG[s]!]!;
        over.add(`${RESOURCE_KINDS[u.kind[rep[slotG[s]!]!]!]} on node ${assets.nodeName[a]} (${(ratio * 100).toFixed(1)}% of capacity) in window starting ${new Date((slotW[s]! + w0) * stepMs).toISOString()}`, rep[slotG[s]!]!);
        continue;
      }
      ratio = 1;
    }
    const target = Math.min(assetMicros[c]!, Math.round(assetMicros[c]! * Math.min(1, ratio)));
    distributeInteger(target, charge, byCell.members, from, to, allocated);
    idle[c] = assetMicros[c]! - target;
  }
  over.throwIfAny(
    CostErrorCode.Overcommitted,
    'More of a resource was charged on a node than it has (overlapping duplicate records, or requests above capacity):',
    "Remove overlapping duplicates, fix node capacities (assets[].capacity), or pass overcommit: 'scale' to split the node's cost pro rata.",
  );

  // List (on-demand) cost of node slots is their allocation at the node's list/actual ratio.
  const listRatio = new Float64Array(A);
  for (let a = 0; a < A; a++) listRatio[a] = assets.hourlyMicros[a]! > 0 ? assets.listHourlyMicros[a]! / assets.hourlyMicros[a]! : 1;

  const idleShare = new Float64Array(S);
  const sharedMicros = new Float64Array(S);
  const idleRowMicros = idle;
  // Scope groups: per node cell, or per (window, resource) across the cluster. `cellGroup` maps
  // asset cells to the same groups so a node with no workloads still pools its idle cluster-wide.
  const scopeOf = (scope: 'node' | 'cluster' | undefined): { groupOf: Int32Array; cellGroup: Int32Array; groups: number } => {
    const groupOf = new Int32Array(S).fill(-1);
    const cellGroup = new Int32Array(R).fill(-1);
    if ((scope ?? 'node') === 'node') {
      for (let s = 0; s < S; s++) groupOf[s] = slotCell[s]!;
      for (let c = 0; c < R; c++) cellGroup[c] = c;
      return { groupOf, cellGroup, groups: R };
    }
    const idx = new KeyIndex(1024);
    for (let c = 0; c < R; c++) {
      const key = rc.keyOf(c);
      const r = key % 3;
      const w = Math.floor((key - r) / 3 / A);
      cellGroup[c] = idx.slot(w * 3 + r);
    }
    for (let s = 0; s < S; s++) if (slotCell[s]! >= 0) groupOf[s] = cellGroup[slotCell[s]!]!;
    return { groupOf, cellGroup, groups: idx.size };
  };

  if (idleMode === 'share') {
    const { groupOf, cellGroup, groups } = scopeOf(options.idle?.scope);
    const pool = new Float64Array(groups);
    const members = groupMembers(groupOf, S, groups);
    for (let c = 0; c < R; c++) {
      const g = cellGroup[c]!;
      // A group with no workload keeps its idle as idle rows: there is no one to charge it to.
      if (g >= 0 && members.offsets[g + 1]! > members.offsets[g]!) {
        pool[g]! += idleRowMicros[c]!;
        idleRowMicros[c] = 0;
      }
    }
    const even = options.idle?.by === 'even';
    for (let g = 0; g < groups; g++) distributeInteger(pool[g]!, allocated, members.members, members.offsets[g]!, members.offsets[g + 1]!, idleShare, even);
  }

  if (options.shared) {
    const marks = Object.entries(options.shared.labels);
    const isShared = new Uint8Array(G);
    for (const [key, values] of marks) {
      const l = u.labels.find((x) => x.key === key);
      if (!l) continue;
      const hit = new Set(values);
      for (let g = 0; g < G; g++) {
        const c = l.cats.codes[rep[g]!]!;
        if (c >= 0 && hit.has(l.cats.values[c]!)) isShared[g] = 1;
      }
    }
    const { groupOf, groups } = scopeOf(options.shared.scope);
    const pool = new Float64Array(groups);
    const receivers = new Int32Array(S).fill(-1);
    for (let s = 0; s < S; s++) {
      const g = groupOf[s]!;
      if (g < 0) continue;
      if (isShared[slotG[s]!]) pool[g]! += allocated[s]! + idleShare[s]!;
      else receivers[s] = g;
    }
    const members = groupMembers(receivers, S, groups);
    const weight = new Float64Array(S);
    for (let s = 0; s < S; s++) weight[s] = allocated[s]! + idleShare[s]!;
    const even = options.shared.by === 'even';
    for (let g = 0; g < groups; g++) {
      if (members.offsets[g + 1]! === members.offsets[g]!) pool[g] = 0;
    }
    for (let s = 0; s < S; s++) {
      const g = groupOf[s]!;
      if (g >= 0 && isShared[slotG[s]!] && pool[g]! !== 0) sharedMicros[s] = -(allocated[s]! + idleShare[s]!);
    }
    for (let g = 0; g < groups; g++) distributeInteger(pool[g]!, weight, members.members, members.offsets[g]!, members.offsets[g + 1]!, sharedMicros, even);
  }

  // Output: workload rows, then one idle row per asset cell whose idle was not shared away.
  let idleRows = 0;
  for (let c = 0; c < R; c++) if (idleRowMicros[c]! !== 0) idleRows++;
  const rows = S + idleRows;
  const winStart = new Float64Array(rows);
  const winEnd = new Float64Array(rows);
  const nodeCodes = new Int32Array(rows);
  const itCodes = new Int32Array(rows);
  const rgCodes = new Int32Array(rows);
  const pmCodes = new Int32Array(rows);
  const skuCodes = new Int32Array(rows);
  const kindCodes = new Int32Array(rows);
  const allocCodes = new Int32Array(rows);
  const labelCodes = u.labels.map(() => new Int32Array(rows));
  const qtyH = new Float64Array(rows);
  const useH = new Float64Array(rows);
  const allocOut = new Float64Array(rows);
  const idleOut = new Float64Array(rows);
  const sharedOut = new Float64Array(rows);
  const totalOut = new Float64Array(rows);
  const listOut = new Float64Array(rows);
  // Output string dictionaries: asset values first, then usage values (offset).
  const nodeDict = [...u.nodes.values];
  const nodeCodeOfAsset = assets.nodeName.map((name) => {
    const c = u.nodes.lookup(name);
    if (c !== undefined) return c;
    nodeDict.push(name);
    return nodeDict.length - 1;
  });
  const dict = (values: readonly string[]) => {
    const list = [...values];
    const map = new Map(list.map((v, k) => [v, k]));
    return {
      list,
      code(v: string | null): number {
        if (v === null) return -1;
        let c = map.get(v);
        if (c === undefined) {
          c = list.length;
          list.push(v);
          map.set(v, c);
        }
        return c;
      },
    };
  };
  const itDict = dict(u.instanceType.values);
  const rgDict = dict(u.region.values);
  const skuDict = dict(u.sku.values);
  const assetIt = assets.instanceType.map((v) => itDict.code(v));
  const assetRg = assets.region.map((v) => rgDict.code(v));
  const assetAcc = assets.accelerator.map((v) => skuDict.code(v));
  for (let s = 0; s < S; s++) {
    const g = slotG[s]!;
    const i = rep[g]!;
    const a = nodeAsset[g]!;
    const w = slotW[s]! + w0;
    winStart[s] = Math.max(w * stepMs, rangeStart);
    winEnd[s] = Math.min((w + 1) * stepMs, rangeEnd);
    nodeCodes[s] = u.node[i]!;
    itCodes[s] = a >= 0 ? assetIt[a]! : u.instanceType.codes[i]!;
    rgCodes[s] = a >= 0 ? assetRg[a]! : u.region.codes[i]!;
    pmCodes[s] = u.pricing[i]!;
    const kind = u.kind[i]!;
    skuCodes[s] = u.sku.codes[i]! >= 0 ? u.sku.codes[i]! : a >= 0 && kind === 0 ? assetAcc[a]! : -1;
    kindCodes[s] = kind;
    allocCodes[s] = 0;
    for (let l = 0; l < labelCodes.length; l++) labelCodes[l]![s] = u.labels[l]!.cats.codes[i]!;
    const div = kind === KIND_NETWORK ? 1 : HOUR_MS;
    qtyH[s] = charge[s]! / div;
    useH[s] = used[s]! / div;
    allocOut[s] = allocated[s]!;
    idleOut[s] = idleShare[s]!;
    sharedOut[s] = sharedMicros[s]!;
    const total = allocated[s]! + idleShare[s]! + sharedMicros[s]!;
    totalOut[s] = total;
    listOut[s] = a >= 0 ? Math.round(total * listRatio[a]!) : total === allocated[s]! ? listMicros[s]! : Math.round(total * (allocated[s]! ? listMicros[s]! / allocated[s]! : 1));
  }
  let row = S;
  for (let c = 0; c < R; c++) {
    const v = idleRowMicros[c]!;
    if (v === 0) continue;
    const key = rc.keyOf(c);
    const r = key % 3;
    const wa = (key - r) / 3;
    const a = wa % A;
    const w = (wa - a) / A + w0;
    winStart[row] = Math.max(w * stepMs, rangeStart);
    winEnd[row] = Math.min((w + 1) * stepMs, rangeEnd);
    nodeCodes[row] = nodeCodeOfAsset[a]!;
    itCodes[row] = assetIt[a]!;
    rgCodes[row] = assetRg[a]!;
    pmCodes[row] = assets.pricing[a]!;
    skuCodes[row] = r === 0 ? assetAcc[a]! : -1;
    kindCodes[row] = r;
    allocCodes[row] = 1;
    for (let l = 0; l < labelCodes.length; l++) labelCodes[l]![row] = -1;
    idleOut[row] = v;
    totalOut[row] = v;
    listOut[row] = Math.round(v * listRatio[a]!);
    row++;
  }

  const meta: CostTableMetadata = {
    version: 1,
    currency: options.prices.currency,
    method: splitMethodId(method),
    weights: typeof method === 'object' ? method.weights : null,
    basis,
    idle: { mode: idleMode, by: options.idle?.by ?? 'proportional', scope: options.idle?.scope ?? 'node' },
    shared: options.shared ? { labels: options.shared.labels, by: options.shared.by ?? 'proportional', scope: options.shared.scope ?? 'node' } : null,
    stepMs,
    start: rangeStart,
    end: rangeEnd,
    priceSource: options.prices.source ?? null,
    pricesAsOf: options.prices.asOf ?? null,
  };
  const unitCodes = kindCodes;
  const cat = (codes: Int32Array, values: readonly string[]) => ({ codes, values: [...values] });
  return {
    n: rows,
    windowStart: winStart,
    windowEnd: winEnd,
    node: cat(nodeCodes, nodeDict),
    instanceType: cat(itCodes, itDict.list),
    region: cat(rgCodes, rgDict.list),
    pricingModel: cat(pmCodes, PRICING_MODELS),
    resourceKind: cat(kindCodes, RESOURCE_KINDS),
    unit: cat(unitCodes, KIND_UNITS),
    sku: cat(skuCodes, skuDict.list),
    allocation: cat(allocCodes, ['workload', 'idle']),
    labels: u.labels.map((l, k) => ({ key: l.key, column: l.column, cats: cat(labelCodes[k]!, l.cats.values) })),
    quantityHours: qtyH,
    usageHours: useH,
    allocatedMicros: allocOut,
    idleMicros: idleOut,
    sharedMicros: sharedOut,
    totalMicros: totalOut,
    listMicros: listOut,
    meta,
  };
}

/** The Arrow cost table of computed columns; remembers the typed arrays so later steps skip reading them back. */
function costColumnsTable(c: CostColumns): Table {
  const usd = new Float64Array(c.n);
  for (let i = 0; i < c.n; i++) usd[i] = c.totalMicros[i]! / 1e6;
  const columns: Record<string, Vector> = {
    window_start: timestampVector(c.windowStart),
    window_end: timestampVector(c.windowEnd),
    node: dictionaryVector(c.node.codes, c.node.values),
    instance_type: dictionaryVector(c.instanceType.codes, c.instanceType.values),
    region: dictionaryVector(c.region.codes, c.region.values),
    pricing_model: dictionaryVector(c.pricingModel.codes, c.pricingModel.values),
    resource_kind: dictionaryVector(c.resourceKind.codes, c.resourceKind.values),
    unit: dictionaryVector(c.unit.codes, c.unit.values),
    sku: dictionaryVector(c.sku.codes, c.sku.values),
    allocation: dictionaryVector(c.allocation.codes, c.allocation.values),
  };
  for (const l of c.labels) columns[l.column] = dictionaryVector(l.cats.codes, l.cats.values);
  Object.assign(columns, {
    quantity_hours: float64Vector(c.quantityHours),
    usage_hours: float64Vector(c.usageHours),
    allocated_micros: int64Vector(c.allocatedMicros),
    idle_micros: int64Vector(c.idleMicros),
    shared_micros: int64Vector(c.sharedMicros),
    total_micros: int64Vector(c.totalMicros),
    list_micros: int64Vector(c.listMicros),
    cost: float64Vector(usd),
  });
  const table = new Table(columns);
  table.schema.metadata.set(COST_METADATA_KEY, JSON.stringify(c.meta));
  rememberCostColumns(table, c);
  return table;
}
