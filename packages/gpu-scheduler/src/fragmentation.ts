import type { NodeView, WorkloadClass } from './policy-types.js';

const FULL = 1000;

/**
 * Free GPU capacity of a node, in thousandths, that one task of class `task` could not use:
 * the FGD paper's F_n(m) (Weng et al., ATC'23, section 4). When the task cannot run on the
 * node at all (too little CPU, memory or GPU room, or it asks for no GPU), every free GPU
 * fraction counts; when it can, the GPUs whose free part is smaller than the task's demand
 * count (for whole-GPU tasks, every partly used GPU).
 */
export function taskFragmentationMilli(gpuFree: Int32Array, cpuFree: number, memFree: number, task: WorkloadClass): number {
  return nodeFragmentationMilli(gpuFree, cpuFree, memFree, [{ ...task, weight: 1 }]);
}

/** Expected fragmentation of a node over a workload mix, thousandths of a GPU: F_n(M) = sum p_m F_n(m). */
export function nodeFragmentationMilli(gpuFree: Int32Array, cpuFree: number, memFree: number, workload: readonly WorkloadClass[]): number {
  let total = 0;
  let full = 0;
  let max = 0;
  for (let i = 0; i < gpuFree.length; i++) {
    const f = gpuFree[i]!;
    total += f;
    if (f === FULL) full++;
    if (f > max) max = f;
  }
  if (total === 0) return 0;
  let wsum = 0;
  let acc = 0;
  for (let c = 0; c < workload.length; c++) {
    const task = workload[c]!;
    const w = task.weight;
    if (!(w > 0)) continue;
    wsum += w;
    const fits =
      cpuFree >= task.cpuMilli &&
      memFree >= task.memoryMiB &&
      (task.gpus > 0 ? full >= task.gpus : task.gpuMilli > 0 ? max >= task.gpuMilli : false);
    if (!fits) {
      acc += w * total;
    } else if (task.gpus > 0) {
      acc += w * (total - full * FULL);
    } else {
      let frag = 0;
      for (let i = 0; i < gpuFree.length; i++) {
        const f = gpuFree[i]!;
        if (f < task.gpuMilli) frag += f;
      }
      acc += w * frag;
    }
  }
  return wsum > 0 ? acc / wsum : 0;
}

/** Cluster fragmentation over a workload mix: the sum of {@link nodeFragmentationMilli}, in GPUs. */
export function clusterFragmentationGpus(nodes: Iterable<NodeView>, workload: readonly WorkloadClass[]): number {
  let s = 0;
  for (const n of nodes) s += nodeFragmentationMilli(n.gpuFree, n.cpuFree, n.memFree, workload);
  return s / FULL;
}
