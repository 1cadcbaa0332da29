import { InvalidArgumentError } from '@mlops/contracts';
import type { JobView, OrderingPolicy, QueueView } from './policy-types.js';

/** First come, first served: submit time only (priority is ignored for ordering). */
export function fifoOrdering(): OrderingPolicy {
  return { name: 'fifo', rank: () => 0 };
}

/** Higher `priority` first, then submit time (Kueue's BestEffortFIFO / StrictFIFO order). */
export function priorityOrdering(): OrderingPolicy {
  return { name: 'priority', rank: (job) => -job.priority };
}

/** Options of {@link shortestJobFirstOrdering}. */
export interface ShortestJobFirstOptions {
  /** Rank jobs without `estimatedDurationMs` as if they ran this long. Default: last (infinity). */
  defaultEstimateMs?: number;
  /** Multiply the remaining time by the GPU count (shortest GPU-time first). Default false. */
  byGpuTime?: boolean;
}

/** Shortest remaining estimated run time first; needs `estimatedDurationMs` on jobs. */
export function shortestJobFirstOrdering(options: ShortestJobFirstOptions = {}): OrderingPolicy {
  const fallback = options.defaultEstimateMs ?? Number.POSITIVE_INFINITY;
  return {
    name: options.byGpuTime ? 'sjf-gpu-time' : 'sjf',
    rank: (job) => {
      const remaining = Math.max(0, (job.estimatedDurationMs ?? fallback) - job.progressMs);
      return options.byGpuTime ? remaining * Math.max(job.gpus, 1e-3) : remaining;
    },
    preemptionRank: (job) => -job.priority,
  };
}

/** Options of {@link tiresiasOrdering}. */
export interface TiresiasOptions {
  /**
   * Attained-service thresholds between priority levels, GPU-milliseconds, ascending. A job
   * starts in level 0 and is demoted as its attained GPU time passes each threshold.
   * Default `[3_600_000, 36_000_000]` (1 and 10 GPU-hours).
   */
  thresholdsGpuMs?: readonly number[];
  /**
   * Starvation guard: a job that waits `starvationFactor` x its run time (since its last
   * promotion) is promoted to level 0 with its attained service reset — Tiresias'
   * `PROMOTE_KNOB`. Default: off.
   */
  starvationFactor?: number;
}

/**
 * Tiresias' discretised two-dimensional least-attained-service (Gu et al., NSDI'19): jobs
 * are ranked by attained GPU time (GPUs x time run), in levels, FIFO within a level. No
 * duration estimates needed. With preemption enabled, a running job demoted to a lower level
 * yields to queued jobs of a higher level (keep jobs checkpointable to keep progress).
 */
export function tiresiasOrdering(options: TiresiasOptions = {}): OrderingPolicy {
  const thresholds = [...(options.thresholdsGpuMs ?? [3_600_000, 36_000_000])];
  for (let i = 0; i < thresholds.length; i++) {
    const t = thresholds[i]!;
    if (!(t > 0) || (i > 0 && t <= thresholds[i - 1]!)) {
      throw new InvalidArgumentError(
        `tiresiasOrdering: thresholdsGpuMs must be positive and strictly ascending; found ${JSON.stringify(thresholds)}. Pass e.g. [3600000, 36000000].`,
      );
    }
  }
  const level = (attained: number): number => {
    let l = 0;
    while (l < thresholds.length && attained >= thresholds[l]!) l++;
    return l;
  };
  const attainedNow = (job: JobView, nowMs: number): number =>
    job.attainedGpuMs + (job.startMs === undefined ? 0 : job.gpus * Math.max(0, nowMs - job.startMs));
  const factor = options.starvationFactor;
  if (factor !== undefined && !(factor > 0 && Number.isFinite(factor))) {
    throw new InvalidArgumentError(`tiresiasOrdering: starvationFactor must be a positive number; found ${JSON.stringify(factor)}. Tiresias' evaluation uses small factors such as 2; omit it to disable the guard.`);
  }
  return {
    name: 'tiresias-las',
    rank: (job) => level(job.attainedGpuMs),
    preemptionRank: (job, nowMs) => level(attainedNow(job, nowMs)) - job.priority * (thresholds.length + 1),
    nextRankChangeMs: (job, nowMs) => {
      if (job.startMs === undefined || !(job.gpus > 0)) return undefined;
      const next = thresholds.find((th) => th > attainedNow(job, nowMs));
      // Rounded up so that at the returned time the job is already in the next level.
      return next === undefined ? undefined : Math.ceil(job.startMs + (next - job.attainedGpuMs) / job.gpus);
    },
    ...(factor !== undefined ? { starvationFactor: factor } : {}),
  };
}

/**
 * Dominant-resource fair share across queues (weighted DRF, as Kueue's fair sharing): the
 * queue with the lowest weighted dominant share goes next; inside a queue, priority then
 * submit time.
 */
export function fairShareOrdering(): OrderingPolicy {
  return {
    name: 'fair-share',
    rank: (job) => -job.priority,
    queueKey: (queue: QueueView) => queue.weightedShare,
  };
}
