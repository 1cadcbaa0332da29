import { InvalidArgumentError } from '@mlops/contracts';

/** Per-unit weights used to split a node's hourly price across its GPUs, vCPUs and GiB of memory. */
export interface ResourceWeights {
  /** Weight of one GPU. */
  gpu: number;
  /** Weight of one vCPU. */
  cpu: number;
  /** Weight of one GiB of memory. */
  memory: number;
}

/**
 * How a node's price is split across resources.
 * - `aws-split`: AWS split cost allocation weights. On accelerated nodes GPU : (CPU + memory) = 9 : 1
 *   and CPU : memory = 9 : 1, i.e. per-unit weights GPU 9, vCPU 0.9, GiB 0.1; on CPU-only nodes
 *   vCPU 9, GiB 1.
 * - `opencost`: OpenCost's marginal-price ratios (default GCP us-central1 list prices: GPU $0.95/h,
 *   vCPU $0.031611/h, GiB $0.004237/h), rescaled so they add up to the node price.
 * - `{ weights }`: custom per-unit weights, rescaled to the node price.
 */
export type SplitMethod = 'aws-split' | 'opencost' | { weights: ResourceWeights; id?: string };

/** OpenCost default per-unit hourly prices (configs/default.json). */
export const OPENCOST_DEFAULT_PRICES: ResourceWeights = { gpu: 0.95, cpu: 0.031611, memory: 0.004237 };

/** Capacity of a node: GPUs, vCPUs, GiB of memory. */
export interface NodeCapacity {
  /** GPUs on the node. */
  gpu: number;
  /** vCPUs on the node. */
  vcpu: number;
  /** Memory, GiB. */
  memoryGiB: number;
}

/** A stable id of a split method, used in FOCUS `AllocatedMethodId`. */
export function splitMethodId(method: SplitMethod): string {
  if (method === 'aws-split') return 'aws-split-9-1';
  if (method === 'opencost') return 'opencost-ratio';
  return method.id ?? 'custom-weights';
}

/** Per-unit weights of a method for a node with the given capacity. */
export function weightsFor(method: SplitMethod, capacity: NodeCapacity): ResourceWeights {
  if (method === 'aws-split') return capacity.gpu > 0 ? { gpu: 9, cpu: 0.9, memory: 0.1 } : { gpu: 0, cpu: 9, memory: 1 };
  if (method === 'opencost') return OPENCOST_DEFAULT_PRICES;
  const w = method.weights;
  for (const k of ['gpu', 'cpu', 'memory'] as const) {
    if (!(Number.isFinite(w[k]) && w[k] >= 0)) {
      throw new InvalidArgumentError(`Custom split weights need finite numbers >= 0 for gpu, cpu and memory; ${k} is ${String(w[k])}.`);
    }
  }
  return w;
}

/**
 * Fractions of the node price that go to GPU, CPU and memory (they sum to 1). A node whose
 * weighted capacity is zero puts everything on CPU so its price is never lost.
 */
export function resourceShares(method: SplitMethod, capacity: NodeCapacity): [gpu: number, cpu: number, memory: number] {
  const w = weightsFor(method, capacity);
  const g = w.gpu * capacity.gpu;
  const c = w.cpu * capacity.vcpu;
  const m = w.memory * capacity.memoryGiB;
  const total = g + c + m;
  if (!(total > 0)) return [0, 1, 0];
  return [g / total, c / total, m / total];
}
