import type { NodeView, PlacementContext, PlacementPolicy, WorkerView } from './policy-types.js';
import { nodeFragmentationMilli } from './fragmentation.js';

const FULL = 1000;

/** Best-fit bin packing: the feasible node with the fewest free GPUs (keeps whole nodes free for gangs). */
export function bestFitPlacement(): PlacementPolicy {
  return { name: 'best-fit', order: 'tightest' };
}

/** Spread: the feasible node with the most free GPUs (balances load, maximises headroom per node). */
export function spreadPlacement(): PlacementPolicy {
  return { name: 'spread', order: 'loosest' };
}

/** Options of {@link fragmentationAwarePlacement}. */
export interface FragmentationAwareOptions {
  /** Score at most this many feasible nodes, tightest first. Default: all (as the FGD paper). */
  maxCandidates?: number;
}

/**
 * Fragmentation gradient descent (FGD, Weng et al., ATC'23): place the worker on the node whose
 * expected fragmentation over the workload mix grows least. The mix comes from the
 * scheduler's `workload` option, or from the jobs submitted so far.
 */
export function fragmentationAwarePlacement(options: FragmentationAwareOptions = {}): PlacementPolicy {
  return {
    name: 'fgd',
    order: 'tightest',
    ...(options.maxCandidates === undefined ? {} : { maxCandidates: options.maxCandidates }),
    score(node: NodeView, worker: WorkerView, ctx: PlacementContext): number {
      const before = nodeFragmentationMilli(node.gpuFree, node.cpuFree, node.memFree, ctx.workload);
      const best = bestGpuForFragment(node, worker, ctx);
      return best === null ? Number.NEGATIVE_INFINITY : before - best.after;
    },
    chooseGpus(node: NodeView, worker: WorkerView, ctx: PlacementContext): number[] | null {
      if (worker.gpus > 0 || worker.gpuMilli === 0) return null;
      const best = bestGpuForFragment(node, worker, ctx);
      return best === null ? null : [best.gpu];
    },
  };
}

/**
 * For a fractional worker, the GPU whose use leaves the node least fragmented (FGD places
 * GPU by GPU, not only node by node); for whole GPUs, the lowest free indices. The change is
 * applied in place, measured and undone: no allocation on the hot path.
 */
function bestGpuForFragment(node: NodeView, worker: WorkerView, ctx: PlacementContext): { gpu: number; after: number } | null {
  const g = node.gpuFree;
  const cpu = node.cpuFree - worker.cpuMilli;
  const mem = node.memFree - worker.memoryMiB;
  if (worker.gpus > 0) {
    const taken: number[] = [];
    for (let i = 0; i < g.length && taken.length < worker.gpus; i++) {
      if (g[i] === FULL) {
        g[i] = 0;
        taken.push(i);
      }
    }
    const after = taken.length === worker.gpus ? nodeFragmentationMilli(g, cpu, mem, ctx.workload) : Number.POSITIVE_INFINITY;
    for (const i of taken) g[i] = FULL;
    return Number.isFinite(after) ? { gpu: taken[0] ?? -1, after } : null;
  }
  if (worker.gpuMilli === 0) return { gpu: -1, after: nodeFragmentationMilli(g, cpu, mem, ctx.workload) };
  let best: { gpu: number; after: number } | null = null;
  for (let i = 0; i < g.length; i++) {
    const f = g[i]!;
    if (f < worker.gpuMilli) continue;
    g[i] = f - worker.gpuMilli;
    const after = nodeFragmentationMilli(g, cpu, mem, ctx.workload);
    g[i] = f;
    // Ties go to the GPU with less free room (best-fit), then the lower index.
    if (best === null || after < best.after || (after === best.after && f < g[best.gpu]!)) best = { gpu: i, after };
  }
  return best;
}

/** Options of {@link costAwarePlacement}. */
export interface CostAwareOptions {
  /** Tie-break among equally priced nodes. Default best-fit (fewest free GPUs). */
  tieBreak?: 'best-fit' | 'spread';
}

/**
 * Cheapest eligible capacity first (lowest node price per GPU-hour; spot capacity only for
 * preemptible jobs, so spot goes first when it is cheaper), packing within a price.
 */
export function costAwarePlacement(options: CostAwareOptions = {}): PlacementPolicy {
  const spread = options.tieBreak === 'spread';
  return {
    name: 'cost-aware',
    order: spread ? 'loosest' : 'tightest',
    score(node: NodeView): number {
      // Price dominates; the free-capacity term (< 1e-3 of a cent) only breaks ties.
      const tie = node.freeMilli / (FULL * 1e6 * Math.max(1, node.gpuCount));
      return -node.pricePerGpuHour + (spread ? tie : -tie);
    },
  };
}

/** The policy used when none is given. */
export function defaultPlacement(): PlacementPolicy {
  return bestFitPlacement();
}

