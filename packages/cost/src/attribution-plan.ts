import { InvalidArgumentError, MlopsError } from '@mlops/contracts';
import { resolveAssets, toEpochMs, unitRatesFor } from './assets.js';
import type { ResolvedAssets, UnitRates } from './assets.js';
import { HOUR_MS, stepOf } from './attribute-options.js';
import type { AttributeCostsOptions } from './attribute-options.js';
import type { CostTableMetadata } from './cost-table.js';
import { CostErrorCode } from './error-codes.js';
import { DenseIndex, KeyIndex } from './key-index.js';
import type { CellIndex } from './key-index.js';
import { attributeKeys } from './record-keys.js';
import { splitMethodId } from './split-methods.js';
import { PRICING_MODELS, ProblemList, RESOURCE_KINDS, readUsage } from './usage-input.js';
import type { UsageColumns } from './usage-input.js';
import { pieceRecords } from './window-pieces.js';
import type { WindowPieces } from './window-pieces.js';

// A module-local copy: read once per record (an imported binding can cost a getter call per read
// under some loaders).
const KIND_STORAGE = 3;

/** Output dictionaries of the cost table (asset values appended after the usage values). */
export interface OutputDictionaries {
  node: string[];
  instanceType: string[];
  region: string[];
  sku: string[];
  /** Per asset: its code in `node`, `instanceType`, `region`, `sku` (accelerator). */
  assetNode: number[];
  assetInstanceType: number[];
  assetRegion: number[];
  assetAccelerator: number[];
}

/**
 * Everything about one attribution that does not depend on the window: validated records with
 * their asset, cell bin and workload key; records bucketed by window; integer asset cost and
 * capacity per (window, node, resource) cell. Windows are then attributed one at a time.
 */
export interface AttributionPlan {
  options: AttributeCostsOptions;
  u: UsageColumns;
  assets: ResolvedAssets;
  /** Number of assets. */
  A: number;
  /** Bins per window: one per (asset, resource) for gpu/cpu/memory, plus one for directly priced rows. */
  B: number;
  stepMs: number;
  /** First window (epoch step number). */
  w0: number;
  /** Number of windows. */
  W: number;
  rangeStart: number;
  rangeEnd: number;
  basis: 'max' | 'request' | 'usage';
  /** Per record: the workload key besides node and kind (see `attributeKeys`). */
  workloadKey: Float64Array;
  /** Per record: its asset, or -1. */
  recAsset: Int32Array;
  /** Per record: the charged quantity (`basis` applied to quantity and request). */
  recCharge: Float64Array;
  /** Per record: (node code + 1) x 8 + resource kind, the rest of the workload identity. */
  recNodeKind: Int32Array;
  /** Per record: its bin within a window (asset x 3 + kind, or `B - 1` for directly priced rows). */
  recBin: Int32Array;
  /** Unit rates of a record without a node (gpu/cpu/memory), from the catalog. */
  rateOf: (row: number) => UnitRates;
  pieces: WindowPieces;
  /** Asset cells: key ((w - w0) x A + asset) x 3 + resource. */
  cells: CellIndex;
  assetMicros: Float64Array;
  capMs: Float64Array;
  /** Per asset: list (on-demand) cost / actual cost. */
  listRatio: Float64Array;
  storageRate: number;
  networkRate: number;
  /** Per label column: 1 for label codes marked shared (empty when there is no `shared` option). */
  sharedCodes: Uint8Array[];
  dict: OutputDictionaries;
  meta: CostTableMetadata;
  /** Rows entirely outside the attributed range (they are still checked for duplicates). */
  outOfRange: number[];
}

function rangeOf(options: AttributeCostsOptions, u: UsageColumns): { rangeStart: number; rangeEnd: number } {
  const { start: wStart, end: wEnd } = stepOf(options.window);
  let minStart = Infinity;
  let maxEnd = -Infinity;
  for (let i = 0; i < u.n; i++) {
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
  return { rangeStart, rangeEnd };
}

/** Checks every record against its node (or prices it from the catalog) and assigns its bin. */
function checkRecords(
  u: UsageColumns,
  assets: ResolvedAssets,
  options: AttributeCostsOptions,
  method: NonNullable<AttributeCostsOptions['method']>,
): { recAsset: Int32Array; recBin: Int32Array; rateOf: (row: number) => UnitRates } {
  const n = u.n;
  const A = assets.count;
  const direct = 3 * A;
  const recAsset = new Int32Array(n);
  const recBin = new Int32Array(n);
  const problems = new ProblemList();
  const unknownTypes = new Set<string>();
  const rates = new Map<number, UnitRates>();
  const unpriced = new Set<number>();
  // Asset instance types as usage codes: -2 when the asset has none (no check), -3 when no usage row names it.
  const assetIt = assets.instanceType.map((v) => (v === null ? -2 : u.instanceType.values.indexOf(v) >= 0 ? u.instanceType.values.indexOf(v) : -3));
  const rateKeyOf = (i: number) => (u.instanceType.codes[i]! * (u.region.values.length + 1) + u.region.codes[i]! + 1) * 4 + u.pricing[i]!;
  let lastRateKey = -1;
  for (let i = 0; i < n; i++) {
    const node = u.node[i]!;
    const kind = u.kind[i]!;
    if (node >= 0) {
      const a = assets.byNodeCode[node]!;
      recAsset[i] = a;
      recBin[i] = kind < KIND_STORAGE ? a * 3 + kind : direct;
      if (u.pricing[i] !== assets.pricing[a]) problems.add(`pricing_model differs from node ${assets.nodeName[a]}'s (${PRICING_MODELS[assets.pricing[a]!]})`, i);
      const it = u.instanceType.codes[i]!;
      if (it >= 0 && assetIt[a]! !== -2 && it !== assetIt[a]) problems.add(`instance_type differs from node ${assets.nodeName[a]}'s (${assets.instanceType[a]})`, i);
      if (kind < KIND_STORAGE && !(assets.capacity[a * 3 + kind]! > 0)) problems.add(`${RESOURCE_KINDS[kind]} used on node ${assets.nodeName[a]}, which has none`, i);
      continue;
    }
    recAsset[i] = -1;
    recBin[i] = direct;
    if (kind >= KIND_STORAGE) continue;
    const it = u.instanceType.codes[i]!;
    if (it < 0) {
      problems.add('gpu/cpu/memory row has neither node nor instance_type, so it cannot be priced', i);
      continue;
    }
    const key = rateKeyOf(i);
    if (key === lastRateKey || rates.has(key)) {
      lastRateKey = key;
      continue;
    }
    if (unpriced.has(key)) continue;
    const rg = u.region.codes[i]!;
    const got = unitRatesFor(options.prices, method, u.instanceType.values[it]!, rg < 0 ? null : u.region.values[rg]!, PRICING_MODELS[u.pricing[i]!]!);
    if (typeof got === 'string') {
      unknownTypes.add(got);
      unpriced.add(key);
    } else {
      rates.set(key, got);
      lastRateKey = key;
    }
  }
  if (unknownTypes.size) {
    const list = [...unknownTypes];
    throw new MlopsError(CostErrorCode.UnknownInstanceType, `The price catalog has no usable price for ${list.length} instance type(s) used without a node: ${list.join(', ')}. Add them to the catalog.`, {
      details: { unknown: list },
    });
  }
  problems.throwIfAny(CostErrorCode.InvalidUsage, 'Usage rows do not match their nodes:', 'Fix the usage or the assets; nothing was charged.');
  return { recAsset, recBin, rateOf: (i) => rates.get(rateKeyOf(i))! };
}

/**
 * Integer asset cost and capacity-milliseconds per (window, asset, resource). A node's cost for a
 * window is rounded once, then split across resources by largest remainder, so each node-window
 * adds up to its price exactly.
 */
function assetCells(assets: ResolvedAssets, rangeStart: number, rangeEnd: number, stepMs: number, w0: number, W: number): { cells: CellIndex; assetMicros: Float64Array; capMs: Float64Array } {
  const A = assets.count;
  const denseSize = W * A * 3;
  const cells: CellIndex = denseSize <= 1 << 25 ? new DenseIndex(denseSize) : new KeyIndex(1 << 14);
  let assetMicros = new Float64Array(cells instanceof DenseIndex ? denseSize : 1 << 14);
  let capMs = new Float64Array(assetMicros.length);
  const parts = [0, 0, 0];
  let a = 0;
  for (let sp = 0; sp < assets.spanStart.length; sp++) {
    // Spans are in asset order, so the asset of span `sp` is found by walking spanOff.
    while (assets.spanOff[a + 1]! <= sp) a++;
    const s = Math.max(assets.spanStart[sp]!, rangeStart);
    const e = Math.min(assets.spanEnd[sp]!, rangeEnd);
    if (!(e > s)) continue;
    const wa = Math.floor(s / stepMs);
    const wb = Math.ceil(e / stepMs) - 1;
    for (let w = wa; w <= wb; w++) {
      const lo = Math.max(w * stepMs, s);
      const hi = Math.min((w + 1) * stepMs, e);
      const nodeMicros = Math.round((assets.hourlyMicros[a]! * (hi - lo)) / HOUR_MS);
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
        const cell = cells.slot(((w - w0) * A + a) * 3 + r);
        if (cell >= assetMicros.length) {
          const grown = Math.max(cell + 1, assetMicros.length * 2);
          const m = new Float64Array(grown);
          m.set(assetMicros);
          assetMicros = m;
          const c = new Float64Array(grown);
          c.set(capMs);
          capMs = c;
        }
        // Two spans of one node can meet in a window (a gap shorter than the step): add up.
        assetMicros[cell]! += parts[r]!;
        capMs[cell]! += cap * (hi - lo);
      }
    }
  }
  return { cells, assetMicros, capMs };
}

function outputDictionaries(u: UsageColumns, assets: ResolvedAssets): OutputDictionaries {
  const grow = (values: readonly string[]) => {
    const list = [...values];
    const map = new Map(list.map((v, k) => [v, k]));
    const code = (v: string | null): number => {
      if (v === null) return -1;
      let c = map.get(v);
      if (c === undefined) {
        c = list.length;
        list.push(v);
        map.set(v, c);
      }
      return c;
    };
    return { list, code };
  };
  const node = grow(u.nodes.values);
  const it = grow(u.instanceType.values);
  const rg = grow(u.region.values);
  const sku = grow(u.sku.values);
  return {
    assetNode: assets.nodeName.map((v) => node.code(v)),
    assetInstanceType: assets.instanceType.map((v) => it.code(v)),
    assetRegion: assets.region.map((v) => rg.code(v)),
    assetAccelerator: assets.accelerator.map((v) => sku.code(v)),
    node: node.list,
    instanceType: it.list,
    region: rg.list,
    sku: sku.list,
  };
}

/** Reads, checks and prepares an attribution (see {@link AttributionPlan}); throws every input error it can find up front. */
export function planAttribution(options: AttributeCostsOptions): AttributionPlan {
  const method = options.method ?? 'aws-split';
  const basis = options.basis ?? 'max';
  const u = readUsage(options.usage);
  const { stepMs } = stepOf(options.window);
  const { rangeStart, rangeEnd } = rangeOf(options, u);
  const assets = resolveAssets(u, options.assets, options.prices, method, { start: rangeStart, end: rangeEnd }, options.idleGapMs ?? HOUR_MS);
  const { recAsset, recBin, rateOf } = checkRecords(u, assets, options, method);
  const A = assets.count;
  const recCharge = new Float64Array(u.n);
  const recNodeKind = new Int32Array(u.n);
  const useMax = basis === 'max';
  const useReq = basis === 'request';
  for (let i = 0; i < u.n; i++) {
    const q = u.quantity[i]!;
    const r = u.request[i]!;
    recCharge[i] = r !== r ? q : useMax ? (r > q ? r : q) : useReq ? r : q;
    recNodeKind[i] = (u.node[i]! + 1) * 8 + u.kind[i]!;
  }
  const w0 = Math.floor(rangeStart / stepMs);
  const W = Math.ceil(rangeEnd / stepMs) - w0;

  const outside = new ProblemList();
  const outOfRange: number[] = [];
  const pieces = pieceRecords({
    n: u.n, start: u.start, end: u.end, asset: recAsset, assetStart: assets.start, assetEnd: assets.end, rangeStart, rangeEnd, stepMs, w0, W,
    onOutside: (i, a) => outside.add(`outside the lifetime of node ${assets.nodeName[a]}`, i),
    onOutOfRange: (i) => outOfRange.push(i),
  });
  outside.throwIfAny(
    CostErrorCode.UsageOutsideAsset,
    'Usage falls outside the lifetime of the node it names:',
    "Fix the asset's start/end (or the usage intervals); usage outside a node's life cannot be priced against it.",
  );

  const listRatio = new Float64Array(A);
  for (let a = 0; a < A; a++) listRatio[a] = assets.hourlyMicros[a]! > 0 ? assets.listHourlyMicros[a]! / assets.hourlyMicros[a]! : 1;
  const sharedCodes = u.labels.map((l) => {
    const hit = new Uint8Array(l.cats.values.length);
    const values = options.shared?.labels[l.key];
    if (values) {
      const set = new Set(values);
      l.cats.values.forEach((v, k) => (hit[k] = set.has(v) ? 1 : 0));
    }
    return hit;
  });
  const idleMode = options.idle?.mode ?? 'separate';
  const meta: CostTableMetadata = {
    version: 1,
    currency: options.prices.currency,
    method: splitMethodId(method),
    weights: typeof method === 'object' ? method.weights : null,
    basis,
    idle: { mode: idleMode, by: options.idle?.by ?? 'proportional', scope: options.idle?.scope ?? 'node', level: options.idle?.level ?? 'resource' },
    shared: options.shared ? { labels: options.shared.labels, by: options.shared.by ?? 'proportional', scope: options.shared.scope ?? 'node' } : null,
    stepMs,
    start: rangeStart,
    end: rangeEnd,
    priceSource: options.prices.source ?? null,
    pricesAsOf: options.prices.asOf ?? null,
  };
  return {
    options,
    u,
    assets,
    A,
    B: 3 * A + 1,
    stepMs,
    w0,
    W,
    rangeStart,
    rangeEnd,
    basis,
    workloadKey: attributeKeys(u),
    recAsset,
    recCharge,
    recNodeKind,
    recBin,
    rateOf,
    pieces,
    ...assetCells(assets, rangeStart, rangeEnd, stepMs, w0, W),
    listRatio,
    storageRate: (options.unitPrices?.storageGiBHour ?? 0.00005479452) * 1e6,
    networkRate: (options.unitPrices?.networkGiB ?? 0.01) * 1e6,
    sharedCodes,
    dict: outputDictionaries(u, assets),
    meta,
    outOfRange,
  };
}
