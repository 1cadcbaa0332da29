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
      const g = node.gpuFree;
      const before = nodeFragmentationMilli(g, node.cpuFree, node.memFree, ctx.workload);
      // Apply the placement in place, measure, undo: no allocation on the hot path.
      const taken = takeGpus(g, worker);
      const after = nodeFragmentationMilli(g, node.cpuFree - worker.cpuMilli, node.memFree - worker.memoryMiB, ctx.workload);
      for (const [i, m] of taken) g[i]! += m;
      return before - after;
    },
  };
}

function takeGpus(g: Int32Array, worker: WorkerView): Array<[number, number]> {
  const taken: Array<[number, number]> = [];
  if (worker.gpus > 0) {
    for (let i = 0; i < g.length && taken.length < worker.gpus; i++) {
      if (g[i] === FULL) {
        g[i] = 0;
        taken.push([i, FULL]);
      }
    }
  } else if (worker.gpuMilli > 0) {
    let best = -1;
    for (let i = 0; i < g.length; i++) if (g[i]! >= worker.gpuMilli && (best < 0 || g[i]! < g[best]!)) best = i;
    if (best >= 0) {
      g[best]! -= worker.gpuMilli;
      taken.push([best, worker.gpuMilli]);
    }
  }
  return taken;
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

