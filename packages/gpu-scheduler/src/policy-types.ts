import type { PricingModel } from './types.js';

/** A job as ordering and preemption policies see it (live view, valid during the call: do not keep it). */
export interface JobView {
  /** Job id. */
  readonly id: string;
  /** Queue id. */
  readonly queue: string;
  /** Priority (higher is more important). */
  readonly priority: number;
  /** Submit time, ms. */
  readonly submitMs: number;
  /** Total GPUs requested (fractions for shared GPUs). */
  readonly gpus: number;
  /** Estimated run time, ms, if the job gave one. */
  readonly estimatedDurationMs: number | undefined;
  /**
   * GPU-ms of service received so far, not counting the current run (since the last
   * starvation promotion, when the ordering has a `starvationFactor`).
   */
  readonly attainedGpuMs: number;
  /** Run time credited towards completion so far, not counting the current run. */
  readonly progressMs: number;
  /** Start of the current run when running. */
  readonly startMs: number | undefined;
  /** Keeps its progress when preempted. */
  readonly checkpointable: boolean;
  /** May be preempted. */
  readonly preemptible: boolean;
}

/** A queue as ordering policies see it. */
export interface QueueView {
  /** Queue id. */
  readonly id: string;
  /** Fair-share weight. */
  readonly weight: number;
  /** GPUs in use (fractions count). */
  readonly usedGpus: number;
  /** Weighted dominant resource share: max over GPU, CPU, memory of used / cluster total, divided by weight. */
  readonly weightedShare: number;
}

/**
 * Decides which queued job goes first. Jobs are compared by `queueKey` of their queue (when
 * given), then `rank`, then submit time, then submission order — all ascending.
 */
export interface OrderingPolicy {
  /** Name shown in results. */
  readonly name: string;
  /** Rank of a queued job (lower goes first). Evaluated when the job enters the queue. */
  rank(job: JobView): number;
  /** Dynamic key of a queue (lower goes first), e.g. its weighted dominant share. */
  queueKey?(queue: QueueView): number;
  /**
   * Importance used for preemption (lower = more important). A running preemptible job may
   * be preempted for a queued job with a strictly lower value. Default: `-priority`.
   */
  preemptionRank?(job: JobView, nowMs: number): number;
  /**
   * For a running job: the next time its `preemptionRank` changes (e.g. a Tiresias demotion
   * threshold), or undefined. The scheduler wakes up then (see `Scheduler.nextTimerMs`), so a
   * demotion acts when it happens, not at the next arrival or completion.
   */
  nextRankChangeMs?(job: JobView, nowMs: number): number | undefined;
  /**
   * Starvation guard (Tiresias): a queued job that has run before and has waited this many
   * times its run time is promoted to the top level, with its attained service reset.
   */
  readonly starvationFactor?: number;
}

/** A node as placement policies see it (live view: do not keep or mutate). */
export interface NodeView {
  /** Node id. */
  readonly id: string;
  /** GPUs on the node. */
  readonly gpuCount: number;
  /** GPU model index into {@link PlacementContext.modelNames}. */
  readonly model: number;
  /** Free thousandths per GPU. */
  readonly gpuFree: Int32Array;
  /** Whole free GPUs. */
  readonly fullFree: number;
  /** Total free thousandths. */
  readonly freeMilli: number;
  /** Free CPU, millicores. */
  readonly cpuFree: number;
  /** Free memory, MiB. */
  readonly memFree: number;
  /** Allocatable CPU, millicores. */
  readonly cpuCap: number;
  /** Allocatable memory, MiB. */
  readonly memCap: number;
  /** Billing model. */
  readonly pricing: PricingModel;
  /** Node hourly price divided by its GPU count, USD. */
  readonly pricePerGpuHour: number;
}

/** One worker's request as placement policies see it. */
export interface WorkerView {
  /** Whole GPUs (0 for fractional or CPU-only). */
  readonly gpus: number;
  /** Thousandths of one GPU when fractional. */
  readonly gpuMilli: number;
  /** CPU, millicores. */
  readonly cpuMilli: number;
  /** Memory, MiB. */
  readonly memoryMiB: number;
}

/** A class of the expected workload, with its share of arrivals (FGD's target workload). */
export interface WorkloadClass {
  /** Whole GPUs per task (0 when fractional or CPU-only). */
  gpus: number;
  /** Thousandths of one GPU when fractional. */
  gpuMilli: number;
  /** CPU, millicores. */
  cpuMilli: number;
  /** Memory, MiB. */
  memoryMiB: number;
  /** Share of the workload (weights are normalised). */
  weight: number;
}

/** What a placement policy can read besides the node. */
export interface PlacementContext {
  /** GPU model names by index. */
  readonly modelNames: readonly string[];
  /** Expected workload mix: the policy's own, or the one observed from submitted jobs. */
  readonly workload: readonly WorkloadClass[];
}

/**
 * Chooses the node for one worker among the nodes that can hold it. Without `score` the
 * first node in `order` wins (an O(1) walk of the capacity index); with `score` the highest
 * score wins, ties to the earlier node in `order`.
 */
export interface PlacementPolicy {
  /** Name shown in results. */
  readonly name: string;
  /** `tightest`: nodes with the fewest free GPUs first (packing); `loosest`: most free first. */
  readonly order: 'tightest' | 'loosest';
  /** Higher is better. Called once per feasible node (up to `maxCandidates`). */
  score?(node: NodeView, worker: WorkerView, ctx: PlacementContext): number;
  /** Score at most this many feasible nodes (in `order`). Default: all. */
  readonly maxCandidates?: number;
  /**
   * Which GPUs of the chosen node the worker gets: `gpus` distinct indices of whole free GPUs,
   * or one index of a GPU with at least `gpuMilli` free. Default: whole GPUs lowest index
   * first; a fraction on the GPU with the least free room that fits.
   */
  chooseGpus?(node: NodeView, worker: WorkerView, ctx: PlacementContext): number[] | null;
}
