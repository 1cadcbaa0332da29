import { MlopsError } from '@mlops/contracts';
import type { AttributionPlan } from './attribution-plan.js';
import { grown } from './cost-rows.js';
import type { CostRows, CostRowsSchema } from './cost-rows.js';
import { CostErrorCode } from './error-codes.js';
import { distributeInteger } from './money.js';
import { ProblemList, RESOURCE_KINDS } from './usage-input.js';

// Module-local copies: hot loops read these millions of times, and an imported binding can cost a
// getter call per read under some loaders.
const HOUR_MS = 3_600_000;
const KIND_STORAGE = 3;
const KIND_NETWORK = 4;

/** Input errors found while attributing windows; thrown once every window has been seen. */
export interface WindowErrors {
  /** Pairs (row, earlier identical row); null when duplicates are allowed. */
  duplicates: number[] | null;
  /** Pairs (row, earlier overlapping row of the same workload); null unless overlaps are refused. */
  overlaps: number[] | null;
  overcommitted: ProblemList;
}

const PIECE_I32 = ['key', 'rec', 'perm'] as const;
const PIECE_F64 = ['work', 'charge', 'used', 'lo', 'hi'] as const;
const SLOT_I32 = ['rec', 'bin', 'ident'] as const;
const SLOT_F64 = ['charge', 'used', 'allocated', 'list', 'idleShare', 'shared', 'weight'] as const;
type Columns<I extends string, F extends string> = Record<I, Int32Array> & Record<F, Float64Array>;

/** Regrows every column of `cols` to `cap`, keeping the first `keep` values. */
function regrow<I extends string, F extends string>(cols: Columns<I, F>, i32: readonly I[], f64: readonly F[], cap: number, keep: number): void {
  const ints = cols as Record<I, Int32Array>;
  const nums = cols as Record<F, Float64Array>;
  for (const k of i32) ints[k] = grown(ints[k], (n) => new Int32Array(n), cap, keep);
  for (const k of f64) nums[k] = grown(nums[k], (n) => new Float64Array(n), cap, keep);
}

/** Scratch arrays reused across windows (grown on demand, never shrunk). */
export class WindowScratch {
  binOff: Int32Array;
  sorted = new Int32Array(1024);
  /** Pieces of one bin: workload (node-kind key, workload key), charge, usage, record, sort order. */
  readonly piece = {} as Columns<(typeof PIECE_I32)[number], (typeof PIECE_F64)[number]>;
  /** Cost rows (slots) of one window, bin by bin, and their money. `ident[k] = k`. */
  readonly slot = {} as Columns<(typeof SLOT_I32)[number], (typeof SLOT_F64)[number]>;
  // Per (asset, resource) of one window.
  cell: Int32Array;
  idle: Float64Array;

  constructor(B: number) {
    this.binOff = new Int32Array(B + 1);
    this.cell = new Int32Array(B);
    this.idle = new Float64Array(B);
    regrow(this.piece, PIECE_I32, PIECE_F64, 64, 0);
    this.slots(1024);
  }

  pieces(m: number): void {
    if (m > this.piece.key.length) regrow(this.piece, PIECE_I32, PIECE_F64, Math.max(m, this.piece.key.length * 2), 0);
  }

  /** Room for `m` slots; slots already merged in this window are kept. */
  slots(m: number): void {
    const have = this.slot.rec?.length ?? 0;
    if (m <= have) return;
    regrow(this.slot, SLOT_I32, SLOT_F64, Math.max(m, have * 2), have);
    const ident = this.slot.ident;
    for (let k = 0; k < ident.length; k++) ident[k] = k;
  }
}

/** Stable sort of `perm[0, m)` by (key, work). Bins hold a handful of pieces, so insertion sort. */
function sortPieces(perm: Int32Array, key: Int32Array, work: Float64Array, m: number): void {
  if (m > 48) {
    const order = Array.from(perm.subarray(0, m));
    order.sort((a, b) => key[a]! - key[b]! || work[a]! - work[b]! || a - b);
    perm.set(order);
    return;
  }
  for (let x = 1; x < m; x++) {
    const v = perm[x]!;
    const kv = key[v]!;
    const wv = work[v]!;
    let y = x - 1;
    while (y >= 0) {
      const o = perm[y]!;
      if (key[o]! < kv || (key[o]! === kv && work[o]! <= wv)) break;
      perm[y + 1] = o;
      y--;
    }
    perm[y + 1] = v;
  }
}

function sameRecord(p: AttributionPlan, i: number, j: number): boolean {
  const { start, end, quantity, request } = p.u;
  return start[i] === start[j] && end[i] === end[j] && quantity[i] === quantity[j] && (request[i] === request[j] || (Number.isNaN(request[i]!) && Number.isNaN(request[j]!)));
}

/**
 * Exact duplicates within one cost row's pieces: same workload (already), same interval, quantity
 * and request. Checked only in a record's first window, so each duplicate is reported once.
 */
function findDuplicates(p: AttributionPlan, sc: WindowScratch, from: number, to: number, w: number, out: number[]): void {
  const first: number[] = [];
  for (let k = from; k < to; k++) {
    const i = sc.piece.rec[sc.piece.perm[k]!]!;
    const s = p.u.start[i]! > p.rangeStart ? p.u.start[i]! : p.rangeStart;
    if (Math.floor(s / p.stepMs) - p.w0 === w) first.push(i);
  }
  if (first.length < 2) return;
  if (first.length <= 32) {
    for (let x = 1; x < first.length; x++) {
      for (let y = 0; y < x; y++) {
        if (sameRecord(p, first[x]!, first[y]!)) {
          out.push(first[x]!, first[y]!);
          break;
        }
      }
    }
    return;
  }
  const { start, end, quantity, request } = p.u;
  const seen = new Map<string, number>();
  for (const i of first) {
    const key = `${start[i]},${end[i]},${quantity[i]},${Number.isNaN(request[i]!) ? 'null' : request[i]}`;
    const j = seen.get(key);
    if (j === undefined) seen.set(key, i);
    else out.push(i, j);
  }
}

/**
 * Merges the pieces of one bin into cost rows (slots): one per distinct workload, in ascending
 * workload-key order, charge summed in record order. Returns the new slot count.
 */
/**
 * Pieces `perm[from, to)` of one workload in one window that overlap in time (exact repeats are
 * left to the duplicate check). Refused: the earlier row of each overlapping pair goes to `out`.
 * Merged (`overlaps: 'merge'`): the workload's charge and usage become the integral of the
 * largest quantity held at each instant, so an overlap is charged once.
 */
function overlapsIn(p: AttributionPlan, sc: WindowScratch, from: number, to: number, out: number[] | null, merge: boolean): void {
  const { lo, hi, rec, perm, charge, used } = sc.piece;
  const idx = Array.from(perm.subarray(from, to)).sort((x, y) => lo[x]! - lo[y]! || hi[x]! - hi[y]!);
  let overlap = false;
  let reach = idx[0]!;
  for (let t = 1; t < idx.length; t++) {
    const x = idx[t]!;
    if (lo[x]! < hi[reach]! && !sameRecord(p, rec[x]!, rec[reach]!)) {
      overlap = true;
      if (out) out.push(Math.max(rec[x]!, rec[reach]!), Math.min(rec[x]!, rec[reach]!));
    }
    if (hi[x]! > hi[reach]!) reach = x;
  }
  if (!overlap || !merge) return;
  // Sweep the elementary segments between all piece edges; each costs its largest holder.
  const edges = [...new Set(idx.flatMap((x) => [lo[x]!, hi[x]!]))].sort((a, b) => a - b);
  const { recCharge } = p;
  const { quantity } = p.u;
  let c = 0;
  let u = 0;
  for (let e = 0; e + 1 < edges.length; e++) {
    const a = edges[e]!;
    const z = edges[e + 1]!;
    let qc = 0;
    let qu = 0;
    for (const x of idx) {
      if (lo[x]! <= a && hi[x]! >= z) {
        if (recCharge[rec[x]!]! > qc) qc = recCharge[rec[x]!]!;
        if (quantity[rec[x]!]! > qu) qu = quantity[rec[x]!]!;
      }
    }
    c += qc * (z - a);
    u += qu * (z - a);
  }
  // The merged totals go on the first piece; the others carry nothing.
  for (let t = 0; t < idx.length; t++) {
    charge[idx[t]!] = t === 0 ? c : 0;
    used[idx[t]!] = t === 0 ? u : 0;
  }
}

function mergeBin(p: AttributionPlan, sc: WindowScratch, from: number, to: number, b: number, w: number, S: number, errs: WindowErrors, lean: boolean): number {
  const duplicates = errs.duplicates;
  const overlapMode = p.options.overlaps ?? 'error';
  const { rangeStart, rangeEnd, workloadKey, recCharge, recNodeKind } = p;
  const { start, end, quantity } = p.u;
  const ws = (w + p.w0) * p.stepMs;
  const we = ws + p.stepMs;
  const m = to - from;
  sc.pieces(m);
  const { key: pKey, work: pWork, charge: pCharge, used: pUsed, rec: pRec, perm, lo: pLo, hi: pHi } = sc.piece;
  const sorted = sc.sorted;
  for (let k = 0; k < m; k++) {
    const i = sorted[from + k]!;
    const s0 = start[i]!;
    const e0 = end[i]!;
    const s = s0 > rangeStart ? s0 : rangeStart;
    const e = e0 < rangeEnd ? e0 : rangeEnd;
    const nk = recNodeKind[i]!;
    // Network quantity is GiB moved in the whole interval: spread it over the interval's windows.
    const per = (nk & 7) === KIND_NETWORK ? 1 / (e0 - s0) : 1;
    const lo = ws > s ? ws : s;
    const hi = we < e ? we : e;
    const ms = (hi - lo) * per;
    pKey[k] = nk;
    pWork[k] = workloadKey[i]!;
    pCharge[k] = recCharge[i]! * ms;
    pUsed[k] = lean ? 0 : quantity[i]! * ms;
    pLo[k] = lo;
    pHi[k] = hi;
    pRec[k] = i;
    perm[k] = k;
  }
  sortPieces(perm, pKey, pWork, m);
  sc.slots(S + m);
  let k = 0;
  while (k < m) {
    const j = perm[k]!;
    const key = pKey[j]!;
    const wk = pWork[j]!;
    let r = k + 1;
    while (r < m && pKey[perm[r]!] === key && pWork[perm[r]!] === wk) r++;
    if (r - k > 1) {
      if (duplicates) findDuplicates(p, sc, k, r, w, duplicates);
      // Network quantities are volumes moved, not amounts held: they add up, never overlap.
      if (overlapMode !== 'allow' && (key & 7) !== KIND_NETWORK) overlapsIn(p, sc, k, r, errs.overlaps, overlapMode === 'merge');
    }
    let charge = 0;
    let used = 0;
    for (let t = k; t < r; t++) {
      charge += pCharge[perm[t]!]!;
      used += pUsed[perm[t]!]!;
    }
    const slot = sc.slot;
    slot.rec[S] = pRec[j]!;
    slot.bin[S] = b;
    slot.charge[S] = charge;
    slot.used[S] = used;
    S++;
    k = r;
  }
  return S;
}

/** CSR lists of slots per group, in slot order. */
function membersOf(groupOf: Int32Array, count: number, groups: number): { offsets: Int32Array; members: Int32Array } {
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

/**
 * Attributes window `w` (relative to the plan's first window) and appends its cost rows to `out`:
 * one row per workload that ran in the window (node, resource, sku, labels), then one idle row per
 * (node, resource) with idle left. Every pool the rules split (a node's cost per resource, idle,
 * shared overhead) lies within one window, so windows are independent.
 */
export function attributeWindow(p: AttributionPlan, w: number, sc: WindowScratch, out: CostRows, errs: WindowErrors): void {
  const { u, A, B, recBin, assets } = p;
  const direct = B - 1;
  const from = p.pieces.offsets[w]!;
  const to = p.pieces.offsets[w + 1]!;
  const rec = p.pieces.rec;

  // Counting sort of the window's pieces by bin (stable: record order within a bin).
  const binOff = sc.binOff;
  binOff.fill(0);
  for (let k = from; k < to; k++) binOff[recBin[rec[k]!]! + 1]!++;
  for (let b = 0; b < B; b++) binOff[b + 1]! += binOff[b]!;
  if (sc.sorted.length < to - from) sc.sorted = new Int32Array(Math.max(to - from, sc.sorted.length * 2));
  const sorted = sc.sorted;
  {
    const fill = binOff.slice(0, B);
    for (let k = from; k < to; k++) {
      const i = rec[k]!;
      sorted[fill[recBin[i]!]!++] = i;
    }
  }
  let S = 0;
  for (let b = 0; b < B; b++) if (binOff[b + 1]! > binOff[b]!) S = mergeBin(p, sc, binOff[b]!, binOff[b + 1]!, b, w, S, errs, out.lean);

  // Asset cells of the window and their cost; idle starts as the whole cost.
  const cell = sc.cell;
  const idle = sc.idle;
  for (let b = 0; b < direct; b++) {
    const c = p.cells.find((w * A + ((b / 3) | 0)) * 3 + (b % 3));
    cell[b] = c;
    idle[b] = c >= 0 ? p.assetMicros[c]! : 0;
  }
  const { rec: sRec, bin: sBin, charge: sCharge, used: sUsed, allocated, list, idleShare, shared, weight, ident } = sc.slot;
  allocated.fill(0, 0, S);
  list.fill(0, 0, S);
  idleShare.fill(0, 0, S);
  shared.fill(0, 0, S);
  const scale = p.options.overcommit === 'scale';
  const wAbs = w + p.w0;
  for (let s = 0; s < S; ) {
    const b = sBin[s]!;
    let e = s + 1;
    while (e < S && sBin[e] === b) e++;
    if (b < direct) {
      const c = cell[b]!;
      if (c >= 0) {
        let sum = 0;
        for (let k = s; k < e; k++) sum += sCharge[k]!;
        let ratio = sum / p.capMs[c]!;
        let charged = true;
        if (ratio > 1 + 1e-9) {
          if (!scale) {
            charged = false;
            const i = sRec[s]!;
            errs.overcommitted.add(
              `${RESOURCE_KINDS[u.kind[i]!]} on node ${assets.nodeName[(b / 3) | 0]} (${(ratio * 100).toFixed(1)}% of capacity) in window starting ${new Date(wAbs * p.stepMs).toISOString()}`,
              i,
            );
          }
          ratio = 1;
        }
        if (charged) {
          const asset = p.assetMicros[c]!;
          const target = Math.min(asset, Math.round(asset * Math.min(1, ratio)));
          distributeInteger(target, sCharge, ident, s, e, allocated, false, sum);
          idle[b] = asset - target;
        }
      }
    } else {
      for (let k = s; k < e; k++) {
        const i = sRec[k]!;
        const kind = u.kind[i]!;
        if (kind === KIND_STORAGE) {
          allocated[k] = Math.round((p.storageRate * sCharge[k]!) / HOUR_MS);
          list[k] = allocated[k]!;
        } else if (kind === KIND_NETWORK) {
          allocated[k] = Math.round(p.networkRate * sCharge[k]!);
          list[k] = allocated[k]!;
        } else {
          const r = p.rateOf(i);
          allocated[k] = Math.round((r.rate[kind]! * sCharge[k]!) / HOUR_MS);
          list[k] = Math.round((r.listRate[kind]! * sCharge[k]!) / HOUR_MS);
        }
      }
    }
    s = e;
  }

  // Scope groups of the window: per (node, resource) bin, or per resource across the cluster.
  const scopeGroups = (scope: 'node' | 'cluster' | undefined): { groupOf: Int32Array; groups: number } => {
    const cluster = scope === 'cluster';
    const groupOf = new Int32Array(S);
    for (let k = 0; k < S; k++) {
      const b = sBin[k]!;
      groupOf[k] = b < direct && cell[b]! >= 0 ? (cluster ? b % 3 : b) : -1;
    }
    return { groupOf, groups: cluster ? 3 : direct };
  };
  const idleOpts = p.options.idle;
  if ((idleOpts?.mode ?? 'separate') === 'share' && S > 0) {
    const cluster = idleOpts?.scope === 'cluster';
    const byNode = idleOpts?.level === 'node';
    // Idle pools: per (node, resource) bin, per node (level 'node'), per resource across the
    // cluster, or one pool for the whole cluster (level 'node' with scope 'cluster').
    const poolOf = (b: number) => (byNode ? (cluster ? 0 : (b / 3) | 0) : cluster ? b % 3 : b);
    const groups = byNode ? (cluster ? 1 : A) : cluster ? 3 : direct;
    const groupOf = new Int32Array(S);
    for (let k = 0; k < S; k++) {
      const b = sBin[k]!;
      groupOf[k] = b < direct && cell[b]! >= 0 ? poolOf(b) : -1;
    }
    const members = membersOf(groupOf, S, groups);
    const pool = new Float64Array(groups);
    for (let b = 0; b < direct; b++) {
      if (cell[b]! < 0) continue;
      const g = poolOf(b);
      // A pool with no workload keeps its idle as idle rows: there is no one to charge it to.
      if (members.offsets[g + 1]! > members.offsets[g]!) {
        pool[g]! += idle[b]!;
        idle[b] = 0;
      }
    }
    const even = idleOpts?.by === 'even';
    for (let g = 0; g < groups; g++) {
      if (pool[g]! !== 0) distributeInteger(pool[g]!, allocated, members.members, members.offsets[g]!, members.offsets[g + 1]!, idleShare, even);
    }
  }

  const sharedOpts = p.options.shared;
  if (sharedOpts && S > 0) {
    const { groupOf, groups } = scopeGroups(sharedOpts.scope);
    const isShared = new Uint8Array(S);
    for (let k = 0; k < S; k++) {
      const i = sRec[k]!;
      for (let l = 0; l < u.labels.length; l++) {
        const c = u.labels[l]!.cats.codes[i]!;
        if (c >= 0 && p.sharedCodes[l]![c]) isShared[k] = 1;
      }
    }
    const pool = new Float64Array(groups);
    const receivers = new Int32Array(S).fill(-1);
    for (let k = 0; k < S; k++) {
      const g = groupOf[k]!;
      weight[k] = allocated[k]! + idleShare[k]!;
      if (g < 0) continue;
      if (isShared[k]) pool[g]! += weight[k]!;
      else receivers[k] = g;
    }
    const members = membersOf(receivers, S, groups);
    for (let g = 0; g < groups; g++) if (members.offsets[g + 1]! === members.offsets[g]!) pool[g] = 0;
    for (let k = 0; k < S; k++) {
      const g = groupOf[k]!;
      if (g >= 0 && isShared[k] && pool[g]! !== 0) shared[k] = -weight[k]!;
    }
    const even = sharedOpts.by === 'even';
    for (let g = 0; g < groups; g++) {
      if (pool[g]! !== 0) distributeInteger(pool[g]!, weight, members.members, members.offsets[g]!, members.offsets[g + 1]!, shared, even);
    }
  }

  // Rows: workloads, then idle per (node, resource).
  let idleRows = 0;
  for (let b = 0; b < direct; b++) if (cell[b]! >= 0 && idle[b]! !== 0) idleRows++;
  out.reserve(S + idleRows);
  const d = p.dict;
  const winStart = Math.max(wAbs * p.stepMs, p.rangeStart);
  const winEnd = Math.min((wAbs + 1) * p.stepMs, p.rangeEnd);
  const labels = u.labels;
  const L = labels.length;
  let row = out.n;
  const { node: oNode, instanceType: oIt, region: oRg, pricingModel: oPm, sku: oSku, kind: oKind, allocation: oAlloc } = out.i32;
  const { windowStart: oWs, windowEnd: oWe, quantityHours: oQty, usageHours: oUse, allocatedMicros: oAllocM, idleMicros: oIdleM, sharedMicros: oSharedM, totalMicros: oTotal, listMicros: oList } = out.f64;
  const oLabels = out.labels;
  const labelCodes = labels.map((l) => l.cats.codes);
  const { node: uNode, kind: uKind, pricing: uPricing } = u;
  const uIt = u.instanceType.codes;
  const uRg = u.region.codes;
  const uSku = u.sku.codes;
  const { recAsset, listRatio } = p;
  const { assetInstanceType, assetRegion, assetAccelerator, assetNode } = d;
  const full = !out.lean;
  for (let k = 0; k < S; k++, row++) {
    const i = sRec[k]!;
    const a = recAsset[i]!;
    const kind = uKind[i]!;
    oWs[row] = winStart;
    const div = kind === KIND_NETWORK ? 1 : HOUR_MS;
    if (full) {
      oWe[row] = winEnd;
      oNode[row] = uNode[i]!;
      oIt[row] = a >= 0 ? assetInstanceType[a]! : uIt[i]!;
      oRg[row] = a >= 0 ? assetRegion[a]! : uRg[i]!;
      oPm[row] = uPricing[i]!;
      oSku[row] = uSku[i]! >= 0 ? uSku[i]! : a >= 0 && kind === 0 ? assetAccelerator[a]! : -1;
      oUse[row] = sUsed[k]! / div;
    }
    oKind[row] = kind;
    oAlloc[row] = 0;
    for (let l = 0; l < L; l++) oLabels[l]![row] = labelCodes[l]![i]!;
    oQty[row] = sCharge[k]! / div;
    const alloc = allocated[k]!;
    const idleK = idleShare[k]!;
    const sharedK = shared[k]!;
    oAllocM[row] = alloc;
    oIdleM[row] = idleK;
    oSharedM[row] = sharedK;
    const total = alloc + idleK + sharedK;
    oTotal[row] = total;
    oList[row] = a >= 0 ? Math.round(total * listRatio[a]!) : total === alloc ? list[k]! : Math.round(total * (alloc ? list[k]! / alloc : 1));
  }
  for (let b = 0; b < direct; b++) {
    const v = idle[b]!;
    if (cell[b]! < 0 || v === 0) continue;
    const a = (b / 3) | 0;
    const r = b % 3;
    oWs[row] = winStart;
    oWe[row] = winEnd;
    oNode[row] = assetNode[a]!;
    oIt[row] = assetInstanceType[a]!;
    oRg[row] = assetRegion[a]!;
    oPm[row] = assets.pricing[a]!;
    oSku[row] = r === 0 ? assetAccelerator[a]! : -1;
    oKind[row] = r;
    oAlloc[row] = 1;
    for (let l = 0; l < L; l++) oLabels[l]![row] = -1;
    oQty[row] = 0;
    oUse[row] = 0;
    oAllocM[row] = 0;
    oIdleM[row] = v;
    oSharedM[row] = 0;
    oTotal[row] = v;
    oList[row] = Math.round(v * listRatio[a]!);
    row++;
  }
  out.n = row;
}

/** Throws the errors collected over all windows (duplicates first: they usually cause the overcommit). */
export function throwWindowErrors(p: AttributionPlan, errs: WindowErrors): void {
  const pairs: [number, number][] = [];
  const dups = errs.duplicates;
  if (dups) for (let k = 0; k < dups.length; k += 2) pairs.push([dups[k]!, dups[k + 1]!]);
  if (dups && p.outOfRange.length > 1) {
    // Rows outside the range never reach a window; check them among themselves.
    const { u } = p;
    const seen = new Map<string, number>();
    for (const i of p.outOfRange) {
      const key = `${u.node[i]},${u.kind[i]},${p.workloadKey[i]},${u.start[i]},${u.end[i]},${u.quantity[i]},${Number.isNaN(u.request[i]!) ? 'null' : u.request[i]}`;
      const j = seen.get(key);
      if (j === undefined) seen.set(key, i);
      else pairs.push([i, j]);
    }
  }
  if (pairs.length) {
    pairs.sort((x, y) => x[0] - y[0]);
    const dup = new ProblemList();
    for (const [row, first] of pairs) dup.add(`repeats row ${first} exactly`, row);
    dup.throwIfAny(
      CostErrorCode.DuplicateUsage,
      'The usage has rows that repeat earlier rows exactly (same workload, node, interval and quantity), which would be charged twice:',
      "Drop the repeated rows (the export was probably read twice), or pass duplicates: 'allow' if they are distinct workloads.",
    );
  }
  const ov = errs.overlaps;
  if (ov?.length) {
    const seen = new Set<string>();
    const found: [number, number][] = [];
    for (let k = 0; k < ov.length; k += 2) {
      const key = `${ov[k]},${ov[k + 1]}`;
      if (!seen.has(key)) {
        seen.add(key);
        found.push([ov[k]!, ov[k + 1]!]);
      }
    }
    found.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const shown = found.slice(0, 20).map(([row, other]) => `row ${row} overlaps row ${other}`);
    throw new MlopsError(
      CostErrorCode.OverlappingUsage,
      `${found.length} row(s) overlap in time an earlier row of the same workload (node, resource, pricing, sku and labels), so the overlap would be charged twice:\n  ` +
        `${shown.join('\n  ')}${found.length > 20 ? `\n  ... and ${found.length - 20} more` : ''}\n` +
        "Fix the producer (one row per interval), give concurrent replicas a distinguishing label (e.g. pod), or pass overlaps: 'merge' to charge the largest quantity held at each instant once (overlaps: 'allow' charges each row).",
      { details: { overlaps: found.slice(0, 1000) } },
    );
  }
  errs.overcommitted.throwIfAny(
    CostErrorCode.Overcommitted,
    'More of a resource was charged on a node than it has (overlapping duplicate records, or requests above capacity):',
    "Remove overlapping duplicates, fix node capacities (assets[].capacity), or pass overcommit: 'scale' to split the node's cost pro rata.",
  );
}

/**
 * Attributes every window of the plan into `out`, calling `afterWindow` after each one (the fused
 * aggregation empties `out` there), then throws any duplicate or overcommit errors found.
 */
export function attributeWindows(p: AttributionPlan, out: CostRows, afterWindow?: () => void): void {
  const sc = new WindowScratch(p.B);
  const errs: WindowErrors = {
    duplicates: (p.options.duplicates ?? 'error') === 'error' ? [] : null,
    overlaps: (p.options.overlaps ?? 'error') === 'error' ? [] : null,
    overcommitted: new ProblemList(),
  };
  for (let w = 0; w < p.W; w++) {
    attributeWindow(p, w, sc, out, errs);
    afterWindow?.();
  }
  throwWindowErrors(p, errs);
}

/** The cost-table dictionaries and label columns of a plan. */
export function rowsSchema(p: AttributionPlan): CostRowsSchema {
  return {
    node: p.dict.node,
    instanceType: p.dict.instanceType,
    region: p.dict.region,
    sku: p.dict.sku,
    labels: p.u.labels.map((l) => ({ key: l.key, column: l.column, values: l.cats.values })),
    meta: p.meta,
  };
}
