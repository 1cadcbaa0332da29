import { InvalidArgumentError, seededRandom } from '@mlops/contracts';
import { createScheduler } from './scheduler.js';
import type { PlacementPolicy, WorkloadClass } from './policy-types.js';
import type { JobSpec, NodeSpec } from './types.js';

/** Options of {@link simulateFill}. */
export interface FillOptions {
  /** The cluster. */
  nodes: readonly NodeSpec[];
  /** Pods to draw arrivals from (e.g. readAlibabaPods); their durations are ignored. */
  pods: readonly JobSpec[];
  /** Placement policy under test. */
  placement: PlacementPolicy;
  /** Stop when arrived GPU demand reaches this multiple of cluster GPUs. Default 1.3. */
  maxArrivedRatio?: number;
  /** Record a point every time arrived demand grows by this fraction of capacity. Default 0.05. */
  step?: number;
  /** Seed of the deterministic arrival sampling. Default 1. */
  seed?: number;
  /** Workload mix for FGD and for the fragmentation measure. Default: the pods' own mix. */
  workload?: readonly WorkloadClass[];
}

/** One point of the fill curve. */
export interface FillPoint {
  /** Arrived GPU demand / cluster GPUs. */
  arrivedRatio: number;
  /** GPUs allocated. */
  allocatedGpus: number;
  /** GPUs not allocated (total - allocated). */
  unallocatedGpus: number;
  /** Free GPUs the workload mix cannot use (FGD's fragmentation), GPUs. */
  fragmentedGpus: number;
  /** Pods that could not be placed so far. */
  failedPods: number;
}

/** Result of {@link simulateFill}. */
export interface FillResult {
  /** Placement policy name. */
  placement: string;
  /** GPUs in the cluster. */
  totalGpus: number;
  /** One point per `step` of arrived demand. */
  points: FillPoint[];
  /** Arrival demand at which the first pod failed to place (a measure of usable capacity). */
  firstFailureArrivedRatio: number | undefined;
  /** Wall-clock time of the run, ms. */
  wallMs: number;
}

/** The pods' own workload mix: classes by (GPUs, GPU fraction, CPU, memory), weighted by count. */
export function workloadFromJobs(jobs: readonly JobSpec[], maxClasses = 24): WorkloadClass[] {
  const m = new Map<string, WorkloadClass>();
  for (const j of jobs) {
    const gpuMilli = j.gpuMilli ?? 0;
    const gpus = gpuMilli > 0 ? 0 : (j.gpusPerWorker ?? 1);
    const c = { gpus, gpuMilli, cpuMilli: j.cpuMilliPerWorker ?? 0, memoryMiB: j.memoryMiBPerWorker ?? 0, weight: j.workers ?? 1 };
    const key = `${c.gpus}:${c.gpuMilli}:${c.cpuMilli}:${c.memoryMiB}`;
    const prev = m.get(key);
    if (prev) prev.weight += c.weight;
    else m.set(key, c);
  }
  return [...m.values()].sort((a, b) => b.weight - a.weight).slice(0, maxClasses);
}

/**
 * The FGD paper's experiment (Weng et al., ATC'23, section 6): pods sampled from the trace
 * arrive one by one and never leave; each is placed by the policy or fails. As arrived GPU
 * demand grows past capacity, a better policy leaves fewer GPUs unallocated.
 */
export function simulateFill(options: FillOptions): FillResult {
  const start = performance.now();
  if (options.pods.length === 0) throw new InvalidArgumentError('simulateFill: `pods` is empty; pass pods read with readAlibabaPods.');
  const workload = options.workload ?? workloadFromJobs(options.pods);
  const sched = createScheduler({ nodes: options.nodes, policy: { placement: options.placement, backfill: 'best-effort' }, workload, clock: () => 0 });
  const total = sched.stats().totalGpus;
  const maxRatio = options.maxArrivedRatio ?? 1.3;
  const step = options.step ?? 0.05;
  const rand = seededRandom(options.seed ?? 1);
  const points: FillPoint[] = [];
  let arrived = 0;
  let failed = 0;
  let firstFailure: number | undefined;
  let nextPoint = step;
  let k = 0;
  while (arrived / total < maxRatio) {
    const pod = options.pods[Math.floor(rand() * options.pods.length)]!;
    const gpus = (pod.gpuMilli ?? 0) > 0 ? pod.gpuMilli! / 1000 : (pod.gpusPerWorker ?? 1) * (pod.workers ?? 1);
    const r = sched.submit({ ...pod, id: `fill-${k++}`, submitMs: 0, estimatedDurationMs: undefined }, 0);
    arrived += gpus;
    let placed = false;
    if (r.status === 'queued') {
      placed = sched.schedule(0).some((d) => d.type === 'bind');
      // A pod that does not fit fails at once, as in the paper (no waiting).
      if (!placed) sched.cancel(r.jobId, 0);
    }
    if (!placed) {
      failed++;
      if (firstFailure === undefined && gpus > 0) firstFailure = arrived / total;
    }
    while (arrived / total >= nextPoint) {
      const alloc = sched.stats().allocatedGpus;
      points.push({ arrivedRatio: nextPoint, allocatedGpus: alloc, unallocatedGpus: total - alloc, fragmentedGpus: sched.fragmentedGpus(workload), failedPods: failed });
      nextPoint += step;
    }
  }
  return { placement: options.placement.name, totalGpus: total, points, firstFailureArrivedRatio: firstFailure, wallMs: performance.now() - start };
}
