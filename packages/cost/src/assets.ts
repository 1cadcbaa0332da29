import { InvalidArgumentError, MlopsError } from '@mlops/contracts';
import { CostErrorCode } from './error-codes.js';
import { findPrice } from './price-catalog.js';
import type { PriceCatalog } from './price-catalog.js';
import { resourceShares } from './split-methods.js';
import type { NodeCapacity, SplitMethod } from './split-methods.js';
import { PRICING_MODELS } from './usage-input.js';
import type { PricingModel, UsageColumns } from './usage-input.js';

/** A time as epoch milliseconds, a Date, or an ISO 8601 string. */
export type TimeInput = number | Date | string;

/** A node (machine) whose cost is split across the workloads that ran on it. */
export interface AssetSpec {
  /** Node id, as in the usage `node` column. */
  node: string;
  /** Instance type, priced from the catalog. Optional when `hourlyCost` and `capacity` are given. */
  instanceType?: string | null;
  /** Region, to pick the regional price. */
  region?: string | null;
  /** How the node is bought. Default `on-demand`. */
  pricingModel?: PricingModel;
  /** When the node came up. Default: the start of the attribution window. */
  start?: TimeInput;
  /** When the node went away. Default: the end of the attribution window. */
  end?: TimeInput;
  /** Actual cost per hour (e.g. from a bill, see `fromFocus`); overrides the catalog price. */
  hourlyCost?: number;
  /** On-demand list cost per hour, for spot savings and FOCUS `ListCost`. Default: the catalog on-demand price, else `hourlyCost`. */
  listHourlyCost?: number;
  /** Capacity; overrides the catalog's accelerator count, vCPUs and memory. */
  capacity?: Partial<NodeCapacity>;
  /** Accelerator model (e.g. `A100`), for reports; default from the catalog. */
  accelerator?: string | null;
}

/** Converts a {@link TimeInput} to epoch ms. */
export function toEpochMs(value: TimeInput, what: string): number {
  const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`${what} should be epoch milliseconds, a Date or an ISO 8601 string; found ${String(value)}.`);
  return ms;
}

/** Assets resolved to typed arrays, indexed by asset number. */
export interface ResolvedAssets {
  count: number;
  nodeName: string[];
  instanceType: (string | null)[];
  region: (string | null)[];
  pricing: Uint8Array;
  accelerator: (string | null)[];
  start: Float64Array;
  end: Float64Array;
  /** Actual cost per hour, in micros. */
  hourlyMicros: Float64Array;
  /** On-demand list cost per hour, in micros. */
  listHourlyMicros: Float64Array;
  /** Capacity per resource: [gpu, vcpu, memory] x count. */
  capacity: Float64Array;
  /** Share of the node price per resource: [gpu, cpu, memory] x count. */
  share: Float64Array;
  /** Usage node code -> asset number (-1 none). */
  byNodeCode: Int32Array;
  /**
   * When the node is billed: spans `spanStart[spanOff[a]..spanOff[a+1])` per asset. One span
   * (start..end) for given assets; for assets derived from usage, the usage's union with gaps
   * longer than `idleGapMs` left out.
   */
  spanOff: Int32Array;
  spanStart: Float64Array;
  spanEnd: Float64Array;
}

/**
 * Spans where a derived node counts as up: the union of its usage intervals, with gaps of at most
 * `gapMs` closed. Starts and ends are sorted separately (a union needs only the counts), so this
 * is two typed-array sorts per node, not a sort of records.
 */
function usageSpans(starts: Float64Array, ends: Float64Array, gapMs: number): [number, number][] {
  starts.sort();
  ends.sort();
  const out: [number, number][] = [];
  let open = 0;
  let s = 0;
  let e = 0;
  let spanStart = 0;
  while (s < starts.length) {
    if (starts[s]! <= ends[e]! + gapMs) {
      if (open++ === 0) {
        const last = out[out.length - 1];
        if (last && starts[s]! <= last[1] + gapMs) {
          spanStart = last[0];
          out.pop();
        } else spanStart = starts[s]!;
      }
      s++;
    } else {
      if (--open === 0) out.push([spanStart, ends[e]!]);
      e++;
    }
  }
  if (open > 0) out.push([spanStart, ends[ends.length - 1]!]);
  return out;
}

/** Per-unit hourly prices of an instance type (for usage with no node): [gpu, cpu, memory] and list equivalents. */
export interface UnitRates {
  rate: [number, number, number];
  listRate: [number, number, number];
}

function hourlyFor(pricing: PricingModel, price: number | null, spot: number | null, reserved: number | null): number | null {
  if (pricing === 'spot') return spot;
  if (pricing === 'reserved' || pricing === 'committed') return reserved ?? price;
  return price;
}

/**
 * Resolves assets (given, or derived from usage when omitted) to prices, capacities and
 * per-resource shares. Collects every unknown instance type / node into one error.
 */
export function resolveAssets(
  usage: UsageColumns,
  given: readonly AssetSpec[] | undefined,
  catalog: PriceCatalog,
  method: SplitMethod,
  range: { start: number; end: number },
  idleGapMs = 3_600_000,
): ResolvedAssets {
  const specs: AssetSpec[] = [];
  const derivedSpans: [number, number][][] = [];
  const nodeCount = usage.nodes.values.length;
  if (given) {
    const seen = new Set<string>();
    for (const a of given) {
      if (seen.has(a.node)) throw new InvalidArgumentError(`Asset "${a.node}" is listed twice; give each node once (split its lifetime into separate node ids if it was recreated).`);
      seen.add(a.node);
      specs.push(a);
    }
    const used = new Uint8Array(nodeCount);
    for (let i = 0; i < usage.n; i++) if (usage.node[i]! >= 0) used[usage.node[i]!] = 1;
    const unknown = usage.nodes.values.filter((v, k) => used[k] && !seen.has(v));
    if (unknown.length) {
      throw new MlopsError(
        CostErrorCode.UnknownNode,
        `Usage ran on ${unknown.length} node(s) that are not among the assets: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ', ...' : ''}. ` +
          'Add them to `assets`, or omit `assets` to derive nodes from the usage itself.',
        { details: { unknown } },
      );
    }
  } else {
    // Without assets, each node exists from its first usage to its last, with the instance type,
    // region and pricing model its records carry.
    const first = new Int32Array(nodeCount).fill(-1);
    const lo = new Float64Array(nodeCount).fill(Infinity);
    const hi = new Float64Array(nodeCount).fill(-Infinity);
    const conflicts = new Set<string>();
    for (let i = 0; i < usage.n; i++) {
      const c = usage.node[i]!;
      if (c < 0) continue;
      if (first[c]! < 0) first[c] = i;
      const f = first[c]!;
      if (usage.instanceType.codes[i] !== usage.instanceType.codes[f] || usage.pricing[i] !== usage.pricing[f] || usage.region.codes[i] !== usage.region.codes[f]) {
        conflicts.add(usage.nodes.values[c]!);
      }
      if (usage.start[i]! < lo[c]!) lo[c] = usage.start[i]!;
      if (usage.end[i]! > hi[c]!) hi[c] = usage.end[i]!;
    }
    if (conflicts.size) {
      const list = [...conflicts];
      throw new MlopsError(
        CostErrorCode.InvalidUsage,
        `Node(s) ${list.slice(0, 20).join(', ')} appear with different instance types, regions or pricing models in the usage. ` +
          'A node has one of each: fix the records, or pass `assets` explicitly.',
        { details: { nodes: list } },
      );
    }
    // Per node: its records' starts and ends, gathered by a counting sort on the node code.
    const count = new Int32Array(nodeCount + 1);
    for (let i = 0; i < usage.n; i++) if (usage.node[i]! >= 0) count[usage.node[i]! + 1]!++;
    for (let c = 0; c < nodeCount; c++) count[c + 1]! += count[c]!;
    const fill = count.slice(0, nodeCount);
    const allStarts = new Float64Array(count[nodeCount]!);
    const allEnds = new Float64Array(count[nodeCount]!);
    for (let i = 0; i < usage.n; i++) {
      const c = usage.node[i]!;
      if (c < 0) continue;
      allStarts[fill[c]!] = usage.start[i]!;
      allEnds[fill[c]!++] = usage.end[i]!;
    }
    for (let c = 0; c < nodeCount; c++) {
      const f = first[c]!;
      if (f < 0) continue;
      derivedSpans.push(usageSpans(allStarts.subarray(count[c]!, count[c + 1]!), allEnds.subarray(count[c]!, count[c + 1]!), idleGapMs));
      const it = usage.instanceType.codes[f]!;
      const rg = usage.region.codes[f]!;
      specs.push({
        node: usage.nodes.values[c]!,
        instanceType: it < 0 ? null : usage.instanceType.values[it]!,
        region: rg < 0 ? null : usage.region.values[rg]!,
        pricingModel: PRICING_MODELS[usage.pricing[f]!]!,
        start: lo[c]!,
        end: hi[c]!,
      });
    }
  }
  const count = specs.length;
  const out: ResolvedAssets = {
    count,
    nodeName: [],
    instanceType: [],
    region: [],
    pricing: new Uint8Array(count),
    accelerator: [],
    start: new Float64Array(count),
    end: new Float64Array(count),
    hourlyMicros: new Float64Array(count),
    listHourlyMicros: new Float64Array(count),
    capacity: new Float64Array(count * 3),
    share: new Float64Array(count * 3),
    byNodeCode: new Int32Array(Math.max(nodeCount, 1)).fill(-1),
    spanOff: new Int32Array(count + 1),
    spanStart: new Float64Array(0),
    spanEnd: new Float64Array(0),
  };
  const unknown = new Set<string>();
  const ambiguous = new Set<string>();
  const problems: string[] = [];
  specs.forEach((a, k) => {
    const pricing = a.pricingModel ?? 'on-demand';
    const pm = PRICING_MODELS.indexOf(pricing);
    if (pm < 0) problems.push(`asset ${a.node}: pricingModel "${pricing}" is not one of ${PRICING_MODELS.join(', ')}`);
    out.pricing[k] = Math.max(pm, 0);
    out.nodeName.push(a.node);
    out.instanceType.push(a.instanceType ?? null);
    out.region.push(a.region ?? null);
    out.start[k] = a.start === undefined ? range.start : toEpochMs(a.start, `assets[${k}].start`);
    out.end[k] = a.end === undefined ? range.end : toEpochMs(a.end, `assets[${k}].end`);
    if (!(out.end[k]! > out.start[k]!)) problems.push(`asset ${a.node}: end ${new Date(out.end[k]!).toISOString()} is not after start ${new Date(out.start[k]!).toISOString()}`);
    let hourly = a.hourlyCost ?? null;
    let list = a.listHourlyCost ?? null;
    const cap: NodeCapacity = { gpu: NaN, vcpu: NaN, memoryGiB: NaN };
    let accelerator = a.accelerator ?? null;
    if (a.instanceType) {
      const found = findPrice(catalog, a.instanceType, a.region ?? null);
      if ('entry' in found) {
        const e = found.entry;
        cap.gpu = e.acceleratorCount;
        cap.vcpu = e.vCPUs;
        cap.memoryGiB = e.memoryGiB;
        accelerator ??= e.acceleratorName;
        hourly ??= hourlyFor(pricing, e.price, e.spotPrice, e.reservedPrice);
        list ??= e.price;
        if (hourly === null) problems.push(`asset ${a.node}: the catalog has no ${pricing} price for ${a.instanceType}${a.region ? ` in ${a.region}` : ''}`);
      } else if (a.hourlyCost === undefined || !a.capacity) {
        if (found.missing === 'ambiguous') ambiguous.add(`${a.instanceType} (priced in ${found.regions.join(', ')})`);
        else unknown.add(`${a.instanceType}${a.region ? ` in ${a.region}` : ''}`);
      }
    } else if (hourly === null) {
      problems.push(`asset ${a.node}: neither instanceType nor hourlyCost is given, so its price is unknown`);
    }
    if (a.capacity?.gpu !== undefined) cap.gpu = a.capacity.gpu;
    if (a.capacity?.vcpu !== undefined) cap.vcpu = a.capacity.vcpu;
    if (a.capacity?.memoryGiB !== undefined) cap.memoryGiB = a.capacity.memoryGiB;
    if (hourly !== null && !(Number.isFinite(hourly) && hourly >= 0)) problems.push(`asset ${a.node}: hourly cost must be a number >= 0, found ${hourly}`);
    if ([cap.gpu, cap.vcpu, cap.memoryGiB].some((v) => Number.isNaN(v)) && (a.instanceType === undefined || a.instanceType === null)) {
      problems.push(`asset ${a.node}: capacity (gpu, vcpu, memoryGiB) is unknown; give an instanceType from the catalog or a full capacity`);
    }
    for (const v of [cap.gpu, cap.vcpu, cap.memoryGiB]) if (v < 0) problems.push(`asset ${a.node}: capacity must be >= 0, found ${v}`);
    out.accelerator.push(accelerator);
    out.hourlyMicros[k] = (hourly ?? 0) * 1e6;
    out.listHourlyMicros[k] = (list ?? hourly ?? 0) * 1e6;
    const safe = { gpu: cap.gpu || 0, vcpu: cap.vcpu || 0, memoryGiB: cap.memoryGiB || 0 };
    out.capacity.set([safe.gpu, safe.vcpu, safe.memoryGiB], k * 3);
    out.share.set(resourceShares(method, safe), k * 3);
    const code = usage.nodes.lookup(a.node);
    if (code !== undefined) out.byNodeCode[code] = k;
  });
  const spans = specs.map((_, k) => derivedSpans[k] ?? [[out.start[k]!, out.end[k]!] as [number, number]]);
  for (let k = 0; k < count; k++) out.spanOff[k + 1] = out.spanOff[k]! + spans[k]!.length;
  out.spanStart = Float64Array.from(spans.flat(), (x) => x[0]);
  out.spanEnd = Float64Array.from(spans.flat(), (x) => x[1]);
  if (unknown.size) {
    const list = [...unknown];
    throw new MlopsError(
      CostErrorCode.UnknownInstanceType,
      `The price catalog has no price for ${list.length} instance type(s): ${list.join(', ')}. ` +
        'Add them to your catalog (loadPriceCatalog(csv, { base })) or give those assets hourlyCost and capacity.',
      { details: { unknown: list } },
    );
  }
  if (ambiguous.size) {
    const list = [...ambiguous];
    throw new MlopsError(
      CostErrorCode.AmbiguousPrice,
      `These instance types are priced differently per region and the assets name no region: ${list.join('; ')}. Set the region (usage column "region" or AssetSpec.region).`,
      { details: { ambiguous: list } },
    );
  }
  if (problems.length) {
    throw new InvalidArgumentError(`The assets have ${problems.length} problem(s):\n  ${problems.slice(0, 20).join('\n  ')}`, { details: { problems } });
  }
  return out;
}

/** Per-unit rates for usage that names an instance type but no node (no idle: nothing is held). */
export function unitRatesFor(catalog: PriceCatalog, method: SplitMethod, instanceType: string, region: string | null, pricing: PricingModel): UnitRates | string {
  const found = findPrice(catalog, instanceType, region);
  if (!('entry' in found)) return found.missing === 'ambiguous' ? `${instanceType} (ambiguous region)` : `${instanceType}${region ? ` in ${region}` : ''}`;
  const e = found.entry;
  const hourly = hourlyFor(pricing, e.price, e.spotPrice, e.reservedPrice);
  if (hourly === null) return `${instanceType} (no ${pricing} price)`;
  const cap: NodeCapacity = { gpu: e.acceleratorCount, vcpu: e.vCPUs, memoryGiB: e.memoryGiB };
  const shares = resourceShares(method, cap);
  const caps = [cap.gpu, cap.vcpu, cap.memoryGiB];
  const per = (price: number, r: number): number => (caps[r]! > 0 ? (price * 1e6 * shares[r]!) / caps[r]! : 0);
  const list = e.price ?? hourly;
  return { rate: [per(hourly, 0), per(hourly, 1), per(hourly, 2)], listRate: [per(list, 0), per(list, 1), per(list, 2)] };
}
