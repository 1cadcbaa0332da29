import { ErrorCode, MlopsError } from '@mlops/contracts';
import type { NodeSpec, PricingModel, WorkerPlacement } from './types.js';

/** Resources one worker asks for, normalised. */
export interface WorkerRequest {
  /** Whole GPUs (0 when fractional or CPU-only). */
  gpus: number;
  /** Thousandths of one GPU when fractional, else 0. */
  gpuMilli: number;
  cpuMilli: number;
  memoryMiB: number;
  /** Allowed model indices, or null for any. */
  models: Int32Array | null;
  /** May land on spot nodes. */
  allowSpot: boolean;
}

/** Internal node record; arrays indexed by GPU. */
export interface NodeRecord {
  idx: number;
  spec: NodeSpec;
  id: string;
  model: number;
  gpuCount: number;
  gpuFree: Int32Array;
  cpuCap: number;
  memCap: number;
  cpuFree: number;
  memFree: number;
  domain: number;
  pricing: PricingModel;
  pricePerGpuHour: number;
  schedulable: boolean;
  removed: boolean;
  /** Whole free GPUs (free == 1000). */
  fullFree: number;
  /** Largest free thousandths on one GPU. */
  maxFree: number;
  /** Total free thousandths. */
  freeMilli: number;
  /** Running jobs with a worker here (job id -> worker count), for eviction. */
  jobs: Map<string, number>;
}

const FULL = 1000;
const BINS = 11;

function binOf(maxFree: number): number {
  return Math.floor(maxFree / 100);
}

/**
 * Node capacity with incremental indexes, so a placement looks at the few buckets that can
 * hold the request instead of rescanning every node: per GPU model, nodes bucketed by whole
 * free GPUs (best-fit walks buckets upwards, spread walks them downwards) and by the largest
 * free fraction of one GPU (for GPU-sharing requests).
 */
export class ClusterState {
  readonly nodes: NodeRecord[] = [];
  readonly byId = new Map<string, NodeRecord>();
  readonly modelNames: string[] = [];
  readonly modelIndex = new Map<string, number>();
  readonly domainNames: string[] = [];
  readonly domainIndex = new Map<string, number>();
  /** wholeIndex[model][fullFree] = schedulable nodes. */
  private readonly wholeIndex: Set<NodeRecord>[][] = [];
  /** fracIndex[model][bin(maxFree)] = schedulable nodes. */
  private readonly fracIndex: Set<NodeRecord>[][] = [];
  /** Max GPU count per model (bucket range). */
  private readonly maxGpusPerModel: number[] = [];
  /** Nodes per domain. */
  readonly domainNodes: NodeRecord[][] = [];
  /** Schedulable whole free GPUs per domain. */
  readonly domainFullFree: number[] = [];
  /** Schedulable whole free GPUs per model. */
  readonly modelFullFree: number[] = [];
  totalGpus = 0;
  allocatedMilli = 0;
  /** Bumped on node add/remove so caches of static feasibility can be dropped. */
  topologyVersion = 0;

  modelId(name: string): number {
    let m = this.modelIndex.get(name);
    if (m === undefined) {
      m = this.modelNames.length;
      this.modelNames.push(name);
      this.modelIndex.set(name, m);
      this.wholeIndex.push([]);
      this.fracIndex.push(Array.from({ length: BINS }, () => new Set<NodeRecord>()));
      this.maxGpusPerModel.push(0);
      this.modelFullFree.push(0);
    }
    return m;
  }

  private domainId(name: string): number {
    let d = this.domainIndex.get(name);
    if (d === undefined) {
      d = this.domainNames.length;
      this.domainNames.push(name);
      this.domainIndex.set(name, d);
      this.domainNodes.push([]);
      this.domainFullFree.push(0);
    }
    return d;
  }

  addNode(spec: NodeSpec): NodeRecord {
    const model = this.modelId(spec.gpuModel);
    const gpuFree = new Int32Array(spec.gpuCount).fill(FULL);
    const pricing = spec.pricing ?? 'on-demand';
    const node: NodeRecord = {
      idx: this.nodes.length,
      spec,
      id: spec.id,
      model,
      gpuCount: spec.gpuCount,
      gpuFree,
      cpuCap: spec.cpuMilli ?? Number.POSITIVE_INFINITY,
      memCap: spec.memoryMiB ?? Number.POSITIVE_INFINITY,
      cpuFree: spec.cpuMilli ?? Number.POSITIVE_INFINITY,
      memFree: spec.memoryMiB ?? Number.POSITIVE_INFINITY,
      domain: this.domainId(spec.topologyDomain ?? `node:${spec.id}`),
      pricing,
      pricePerGpuHour: spec.gpuCount > 0 ? (spec.hourlyPriceUsd ?? 0) / spec.gpuCount : (spec.hourlyPriceUsd ?? 0),
      schedulable: spec.schedulable ?? true,
      removed: false,
      fullFree: spec.gpuCount,
      maxFree: spec.gpuCount > 0 ? FULL : 0,
      freeMilli: spec.gpuCount * FULL,
      jobs: new Map(),
    };
    this.nodes.push(node);
    this.byId.set(node.id, node);
    this.domainNodes[node.domain]!.push(node);
    const whole = this.wholeIndex[model]!;
    while (whole.length <= spec.gpuCount) whole.push(new Set());
    if (spec.gpuCount > this.maxGpusPerModel[model]!) this.maxGpusPerModel[model] = spec.gpuCount;
    this.totalGpus += spec.gpuCount;
    this.topologyVersion++;
    if (node.schedulable) this.index(node);
    return node;
  }

  /** Removes a node; the caller must have evicted its jobs first. */
  removeNode(node: NodeRecord): void {
    if (node.schedulable) this.unindex(node);
    node.removed = true;
    node.schedulable = false;
    this.byId.delete(node.id);
    const list = this.domainNodes[node.domain]!;
    list.splice(list.indexOf(node), 1);
    this.totalGpus -= node.gpuCount;
    this.topologyVersion++;
  }

  setSchedulable(node: NodeRecord, schedulable: boolean): void {
    if (node.schedulable === schedulable || node.removed) return;
    if (node.schedulable) this.unindex(node);
    node.schedulable = schedulable;
    if (schedulable) this.index(node);
  }

  private index(node: NodeRecord): void {
    this.wholeIndex[node.model]![node.fullFree]!.add(node);
    this.fracIndex[node.model]![binOf(node.maxFree)]!.add(node);
    this.domainFullFree[node.domain]! += node.fullFree;
    this.modelFullFree[node.model]! += node.fullFree;
  }

  private unindex(node: NodeRecord): void {
    this.wholeIndex[node.model]![node.fullFree]!.delete(node);
    this.fracIndex[node.model]![binOf(node.maxFree)]!.delete(node);
    this.domainFullFree[node.domain]! -= node.fullFree;
    this.modelFullFree[node.model]! -= node.fullFree;
  }

  private refresh(node: NodeRecord): void {
    let full = 0;
    let max = 0;
    let sum = 0;
    const g = node.gpuFree;
    for (let i = 0; i < g.length; i++) {
      const f = g[i]!;
      if (f === FULL) full++;
      if (f > max) max = f;
      sum += f;
    }
    node.fullFree = full;
    node.maxFree = max;
    node.freeMilli = sum;
  }

  /** True when `node` can hold one worker of `req` now. */
  fits(node: NodeRecord, req: WorkerRequest): boolean {
    if (!node.schedulable) return false;
    if (node.cpuFree < req.cpuMilli || node.memFree < req.memoryMiB) return false;
    if (!req.allowSpot && node.pricing === 'spot') return false;
    if (req.models !== null && !includes(req.models, node.model)) return false;
    if (req.gpus > 0) return node.fullFree >= req.gpus;
    if (req.gpuMilli > 0) return node.maxFree >= req.gpuMilli;
    return true;
  }

  /** How many workers of `req` the node could hold if it were empty (static capacity). */
  staticCapacity(node: NodeRecord, req: WorkerRequest): number {
    if (req.models !== null && !includes(req.models, node.model)) return 0;
    if (!req.allowSpot && node.pricing === 'spot') return 0;
    let n = Number.POSITIVE_INFINITY;
    if (req.gpus > 0) n = Math.floor(node.gpuCount / req.gpus);
    else if (req.gpuMilli > 0) n = node.gpuCount * Math.floor(FULL / req.gpuMilli);
    if (req.cpuMilli > 0) n = Math.min(n, Math.floor(node.cpuCap / req.cpuMilli));
    if (req.memoryMiB > 0) n = Math.min(n, Math.floor(node.memCap / req.memoryMiB));
    return n;
  }

  /**
   * Calls `visit` for schedulable nodes that can hold one worker of `req`, tightest first
   * (fewest free GPUs) or loosest first. Stops when `visit` returns false. Only the buckets
   * that can hold the request are walked.
   */
  forEachCandidate(req: WorkerRequest, order: 'tightest' | 'loosest', visit: (node: NodeRecord) => boolean): void {
    const models = req.models ?? this.allModels();
    if (req.gpus > 0 || req.gpuMilli === 0) {
      const lo = req.gpus;
      let hi = 0;
      for (const m of models) hi = Math.max(hi, this.maxGpusPerModel[m] ?? 0);
      if (order === 'tightest') {
        for (let k = lo; k <= hi; k++) if (!this.visitWhole(models, k, req, visit)) return;
      } else {
        for (let k = hi; k >= lo; k--) if (!this.visitWhole(models, k, req, visit)) return;
      }
      return;
    }
    const lo = binOf(req.gpuMilli);
    if (order === 'tightest') {
      for (let b = lo; b < BINS; b++) if (!this.visitFrac(models, b, req, visit)) return;
    } else {
      for (let b = BINS - 1; b >= lo; b--) if (!this.visitFrac(models, b, req, visit)) return;
    }
  }

  private visitWhole(models: ArrayLike<number>, k: number, req: WorkerRequest, visit: (n: NodeRecord) => boolean): boolean {
    for (let i = 0; i < models.length; i++) {
      const bucket = this.wholeIndex[models[i]!]?.[k];
      if (bucket === undefined || bucket.size === 0) continue;
      for (const node of bucket) {
        if (node.cpuFree < req.cpuMilli || node.memFree < req.memoryMiB) continue;
        if (!req.allowSpot && node.pricing === 'spot') continue;
        if (!visit(node)) return false;
      }
    }
    return true;
  }

  private visitFrac(models: ArrayLike<number>, b: number, req: WorkerRequest, visit: (n: NodeRecord) => boolean): boolean {
    for (let i = 0; i < models.length; i++) {
      const bucket = this.fracIndex[models[i]!]?.[b];
      if (bucket === undefined || bucket.size === 0) continue;
      for (const node of bucket) {
        if (node.maxFree < req.gpuMilli) continue;
        if (node.cpuFree < req.cpuMilli || node.memFree < req.memoryMiB) continue;
        if (!req.allowSpot && node.pricing === 'spot') continue;
        if (!visit(node)) return false;
      }
    }
    return true;
  }

  private allModelsCache: Int32Array = new Int32Array(0);
  private allModels(): Int32Array {
    if (this.allModelsCache.length !== this.modelNames.length) {
      this.allModelsCache = Int32Array.from(this.modelNames.keys());
    }
    return this.allModelsCache;
  }

  /** Schedulable whole free GPUs over the allowed models. */
  freeWholeGpus(models: Int32Array | null): number {
    if (models === null) {
      let s = 0;
      for (const v of this.modelFullFree) s += v;
      return s;
    }
    let s = 0;
    for (const m of models) s += this.modelFullFree[m] ?? 0;
    return s;
  }

  /**
   * Picks the GPUs a worker would get on `node` (whole free GPUs, lowest index first; for a
   * fraction, the GPU with the least free room that still fits, so shared GPUs fill up before
   * whole ones are broken). Returns null when it does not fit.
   */
  chooseGpus(node: NodeRecord, req: WorkerRequest): number[] | null {
    const g = node.gpuFree;
    if (req.gpus > 0) {
      const out: number[] = [];
      for (let i = 0; i < g.length && out.length < req.gpus; i++) if (g[i] === FULL) out.push(i);
      return out.length === req.gpus ? out : null;
    }
    if (req.gpuMilli > 0) {
      let best = -1;
      let bestFree = FULL + 1;
      for (let i = 0; i < g.length; i++) {
        const f = g[i]!;
        if (f >= req.gpuMilli && f < bestFree) {
          best = i;
          bestFree = f;
        }
      }
      return best < 0 ? null : [best];
    }
    return [];
  }

  /** Takes resources for one worker of `jobId`. */
  allocate(node: NodeRecord, req: WorkerRequest, gpuIndices: readonly number[], jobId: string): WorkerPlacement {
    const milli = req.gpus > 0 ? FULL : req.gpuMilli;
    const indexed = node.schedulable;
    if (indexed) this.unindex(node);
    for (const i of gpuIndices) {
      if (node.gpuFree[i]! < milli) {
        if (indexed) this.index(node);
        throw new MlopsError(ErrorCode.Internal, `GPU ${i} on node ${node.id} has ${node.gpuFree[i]}/1000 free, asked for ${milli}: an over-allocation the scheduler should have prevented. Please report it.`);
      }
    }
    for (const i of gpuIndices) node.gpuFree[i]! -= milli;
    node.cpuFree -= req.cpuMilli;
    node.memFree -= req.memoryMiB;
    this.refresh(node);
    if (indexed) this.index(node);
    this.allocatedMilli += milli * gpuIndices.length;
    node.jobs.set(jobId, (node.jobs.get(jobId) ?? 0) + 1);
    return { nodeId: node.id, gpuIndices: [...gpuIndices], gpuMilli: milli };
  }

  /** Gives back what `allocate` took. */
  release(node: NodeRecord, req: WorkerRequest, placement: WorkerPlacement, jobId: string): void {
    const indexed = node.schedulable;
    if (indexed) this.unindex(node);
    for (const i of placement.gpuIndices) node.gpuFree[i]! += placement.gpuMilli;
    node.cpuFree += req.cpuMilli;
    node.memFree += req.memoryMiB;
    this.refresh(node);
    if (indexed) this.index(node);
    this.allocatedMilli -= placement.gpuMilli * placement.gpuIndices.length;
    const left = (node.jobs.get(jobId) ?? 1) - 1;
    if (left <= 0) node.jobs.delete(jobId);
    else node.jobs.set(jobId, left);
  }
}

function includes(arr: Int32Array, v: number): boolean {
  for (let i = 0; i < arr.length; i++) if (arr[i] === v) return true;
  return false;
}

export const GPU_MILLI_FULL = FULL;
