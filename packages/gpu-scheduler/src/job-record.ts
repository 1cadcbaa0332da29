import type { NodeRecord, WorkerRequest } from './cluster-state.js';
import type { Bucket } from './pending-queue.js';
import type { JobView } from './policy-types.js';
import type { Charges, QueueRecord } from './quota-book.js';
import type { JobSpec, JobStatus, WorkerPlacement } from './types.js';

/** Writable version of a readonly view (internal). */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Internal state of one job; the scheduler owns and mutates it. */
export interface JobRecord {
  view: Mutable<JobView>;
  spec: JobSpec;
  id: string;
  queue: QueueRecord;
  priority: number;
  workers: number;
  req: WorkerRequest;
  gpusPerWorkerEq: number;
  totalGpus: number;
  estimate: number | undefined;
  preemptible: boolean;
  checkpointable: boolean;
  submitMs: number;
  seq: number;
  rank: number;
  heapIndex: number;
  bucket: Bucket<JobRecord> | null;
  shapeKey: string;
  state: JobStatus['state'];
  placements: WorkerPlacement[];
  nodes: NodeRecord[];
  quotaCharges: Charges;
  /** Per-worker quota request: GPUs, millicores, MiB, pods. */
  quotaVec: [number, number, number, number];
  borrowing: boolean;
  startMs: number | undefined;
  firstStartMs: number | undefined;
  attainedGpuMs: number;
  progressMs: number;
  preemptions: number;
  /** Attained GPU-ms at the last starvation promotion (LAS counts service after it). */
  lasResetGpuMs: number;
  /** Run time since the last starvation promotion, ms (Tiresias' executed time). */
  runMsSinceReset: number;
  /** Bumped on every bind and stop: stale demotion timers are ignored. */
  runEpoch: number;
  /** Bumped on every enqueue: stale promotion timers are ignored. */
  queueEpoch: number;
  /** Reject when not started by this time, ms. */
  pendingDeadlineMs: number | undefined;
}
