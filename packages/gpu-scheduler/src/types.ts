import type { PricingModel } from '@mlops/contracts';

/** How a node is billed (defined once, in `@mlops/contracts`, next to the UsageRecord contract). */
export type { PricingModel };

/** One machine with GPUs. */
export interface NodeSpec {
  /** Unique node id (the Kubernetes node name when used as an extender). */
  id: string;
  /** GPU model, e.g. `A100-80GB`, `V100M32`, `T4`. Jobs may restrict the models they accept. */
  gpuModel: string;
  /** Number of GPUs on the node (0..64). */
  gpuCount: number;
  /** Memory of one GPU, GiB. Informational; used as the SKU detail in usage. */
  gpuMemoryGiB?: number;
  /** Allocatable CPU, in millicores (64 cores = 64000). Default: unlimited. */
  cpuMilli?: number;
  /** Allocatable memory, MiB. Default: unlimited. */
  memoryMiB?: number;
  /**
   * Topology domain (an NVLink island, a rack, a leaf switch). Gangs prefer one node, then one
   * domain. Default: the node is its own domain.
   */
  topologyDomain?: string;
  /** Billing model of the node. Default `on-demand`. */
  pricing?: PricingModel;
  /** Price of the whole node per hour, USD. Default 0 (unknown). Used by cost-aware placement. */
  hourlyPriceUsd?: number;
  /** Cloud instance type, copied into usage records. */
  instanceType?: string;
  /** Cloud region, copied into usage records. */
  region?: string;
  /** Free-form labels. */
  labels?: Record<string, string>;
  /** False for a cordoned node: running jobs stay, nothing new lands. Default true. */
  schedulable?: boolean;
  /** Id of the {@link NodePoolSpec} the node belongs to (it counts towards that pool's `maxNodes`). */
  pool?: string;
}

/**
 * A node pool the cluster can scale (a cluster-autoscaler node group, a Karpenter NodePool,
 * a spot flavour that may come back): jobs that only such nodes could hold wait for them
 * instead of being rejected.
 */
export interface NodePoolSpec {
  /** Pool id; nodes carry it in {@link NodeSpec.pool}. */
  id: string;
  /** Shape of one node of the pool (everything but the id). */
  node: Omit<NodeSpec, 'id' | 'pool'>;
  /** Most nodes the pool can have at once (present nodes of the pool included). */
  maxNodes: number;
  /**
   * Fewest nodes the simulator's autoscaler keeps when scaling the pool down (the node group's
   * min size, as cluster-autoscaler's `--nodes=min:max:group`). Default 0. It never adds nodes
   * to reach it: declare the pool's first nodes in `nodes` with `pool` set.
   */
  minNodes?: number;
}

/** A queue with quotas, in the style of a Kueue ClusterQueue. */
export interface QueueSpec {
  /** Unique queue id. */
  id: string;
  /**
   * Nominal GPU quota per GPU model (`{ A100: 16 }`), with `'*'` for a quota that covers any
   * model. A model with no entry (and no `'*'`) has no quota limit in this queue. Omit for an
   * unlimited queue.
   */
  nominalGpus?: Record<string, number>;
  /**
   * How many GPUs above nominal (per model key, same keys as `nominalGpus`) the queue may borrow
   * from unused quota of its cohort. Missing key = unlimited borrowing (within the cohort's
   * unused quota). Borrowing is only possible inside a cohort.
   */
  borrowingLimitGpus?: Record<string, number>;
  /**
   * How much of this queue's unused nominal quota (per model key) the cohort may borrow, as
   * Kueue's `lendingLimit`. Missing key = all of it. Needs a cohort.
   */
  lendingLimitGpus?: Record<string, number>;
  /** Cohort name: queues of one cohort lend each other unused nominal quota (Kueue v1beta1 `cohort`). */
  cohort?: string;
  /** Same as `cohort`, under its Kueue v1beta2 name `cohortName`. */
  cohortName?: string;
  /**
   * Quotas per resource and flavour, exactly Kueue's ClusterQueue `spec.resourceGroups`:
   * resources `nvidia.com/gpu`, `cpu`, `memory`, `pods`; a flavour is a {@link ResourceFlavorSpec}
   * (or, when none is declared with that name, a GPU model name or `'*'` for any node).
   * With resourceGroups a queue admits work only to the flavours it lists (as Kueue); resources
   * no group covers are not metered. Replaces `nominalGpus` / `borrowingLimitGpus` /
   * `lendingLimitGpus`, which remain as a GPU-only shorthand.
   */
  resourceGroups?: readonly KueueResourceGroup[];
  /**
   * Kueue ClusterQueue `spec.preemption`: `reclaimWithinCohort` and `borrowWithinCohort` are
   * read (`withinClusterQueue` is the scheduler-wide `preemption.byPriority` / `priorityScope`).
   */
  preemption?: {
    /** Preempt borrowing workloads of other queues in the cohort to get back nominal quota: `Never`, `LowerPriority` (only lower-priority victims), `Any`. */
    reclaimWithinCohort?: 'Never' | 'LowerPriority' | 'Any';
    /**
     * Kueue `borrowWithinCohort`: whether a job that needs to borrow may preempt workloads of
     * other queues of the cohort that are themselves borrowing. `policy: 'LowerPriority'` allows
     * victims of lower priority than the job (and, with `maxPriorityThreshold`, of priority at
     * most that); `'Never'` (Kueue's default) does not. Needs `reclaimWithinCohort` other than
     * `Never`, as Kueue's validation requires.
     */
    borrowWithinCohort?: { policy: 'Never' | 'LowerPriority'; maxPriorityThreshold?: number };
  };
  /**
   * Kueue ClusterQueue `spec.queueingStrategy`. `StrictFIFO`: a job of this queue that cannot be
   * placed (nor make room by preemption) holds back every later job of the same queue in that
   * pass, even jobs that would fit. `BestEffortFIFO` (Kueue's default, and ours when unset):
   * later jobs that fit go ahead, as the scheduler's `backfill` policy allows. Other queues are
   * never held back by this queue.
   */
  queueingStrategy?: 'StrictFIFO' | 'BestEffortFIFO';
  /** Fair-share weight (default 1): a queue of weight 2 deserves twice the share of weight 1. */
  weight?: number;
  /**
   * Capacity preference: `cheapest` places on the lowest price per GPU first (spot before
   * on-demand for preemptible jobs), `none` leaves it to the placement policy. Default `none`.
   */
  flavorPreference?: 'cheapest' | 'none';
  /** Allow preemptible jobs of this queue on spot nodes. Default true. */
  allowSpot?: boolean;
}

/** A Kubernetes quantity: a number, or a string such as `"500m"`, `"36Gi"`, `"8"`. */
export type Quantity = number | string;

/** One resource's quota in a flavour (Kueue `ResourceQuota`). */
export interface KueueResourceQuota {
  /** `nvidia.com/gpu` (GPUs), `cpu` (cores; `"500m"`), `memory` (bytes; `"36Gi"`) or `pods`. */
  name: string;
  /** Quota of the queue (or extra shared quota of a cohort). */
  nominalQuota: Quantity;
  /** Most that may be borrowed above nominal from the cohort (parent cohort, for a cohort). Default: unlimited. Needs a cohort / parent. */
  borrowingLimit?: Quantity;
  /** Most of the unused quota that may be lent to the cohort (parent). Default: all of it. Needs a cohort / parent. */
  lendingLimit?: Quantity;
}

/** A Kueue resource group: `coveredResources` and per-flavour quotas, in preference order. */
export interface KueueResourceGroup {
  /** Resources this group meters; each flavour lists every one of them. */
  coveredResources: readonly string[];
  /** Flavours in the order they are tried. */
  flavors: ReadonlyArray<{ name: string; resources: readonly KueueResourceQuota[] }>;
}

/** A Kueue `Cohort` (hierarchical cohorts): a parent and an optional extra pool of quota. */
export interface CohortSpec {
  /** Cohort name (`metadata.name`). */
  name: string;
  /** Parent cohort (`spec.parentName`); unset for a root. */
  parentName?: string;
  /** Extra quota shared by the subtree (`spec.resourceGroups`). */
  resourceGroups?: readonly KueueResourceGroup[];
}

/** A Kueue `ResourceFlavor`: nodes carrying all of `nodeLabels` belong to it. */
export interface ResourceFlavorSpec {
  /** Flavour name (`metadata.name`). */
  name: string;
  /** `spec.nodeLabels`; a node's GPU model also counts as label `nvidia.com/gpu.product`. Empty = every node. */
  nodeLabels?: Record<string, string>;
}

/** A job: a gang of identical workers, all placed at once or not at all. */
export interface JobSpec {
  /** Unique job id. */
  id: string;
  /** Queue id. Default `default` (created automatically without quota). */
  queue?: string;
  /** Larger runs first and may preempt smaller. Default 0. */
  priority?: number;
  /** Gang size. Default 1. */
  workers?: number;
  /** Whole GPUs per worker. Default 1 unless `gpuMilli` is set. 0 for a CPU-only worker. */
  gpusPerWorker?: number;
  /** A fraction of one GPU per worker, in thousandths (250 = a quarter GPU). Excludes `gpusPerWorker` > 0. */
  gpuMilli?: number;
  /** GPU models the job accepts. Default: any. */
  gpuModels?: readonly string[];
  /** CPU per worker, millicores. Default 0. */
  cpuMilliPerWorker?: number;
  /** Memory per worker, MiB. Default 0. */
  memoryMiBPerWorker?: number;
  /** May be stopped to make room for more important work, and may run on spot. Default true. */
  preemptible?: boolean;
  /** Resumes from its progress after a preemption or interruption. Default false. */
  checkpointable?: boolean;
  /** Estimated run time, ms. Enables shortest-job-first ordering and backfill reservations. */
  estimatedDurationMs?: number;
  /** Submit time, ms since epoch. Default: the time `submit` is called. */
  submitMs?: number;
  /** Labels copied into usage records as `label_<key>` columns (e.g. `team`, `project`). */
  labels?: Record<string, string>;
  /**
   * Reject the job (code `PENDING_TIMEOUT`) when it has not started this long after submit,
   * e.g. when the capacity it waits for does not arrive. Default: the scheduler's
   * `maxPendingMs`, else wait forever.
   */
  maxPendingMs?: number;
}

/** Where one worker of a job runs. */
export interface WorkerPlacement {
  /** Node id. */
  nodeId: string;
  /** Indices of the GPUs on that node given to the worker. */
  gpuIndices: number[];
  /** Thousandths of each listed GPU held (1000 for whole GPUs). */
  gpuMilli: number;
}

/** A job was placed: bind each worker to its node. */
export interface BindDecision {
  /** Discriminant. */
  type: 'bind';
  /** Job id. */
  jobId: string;
  /** One entry per worker. */
  placements: WorkerPlacement[];
  /** True when the job runs ahead of a blocked job's reservation (backfill). */
  backfilled: boolean;
  /** True when the job's queue is over its nominal quota with this job (borrowing). */
  borrowing: boolean;
  /** Time of the decision, ms. */
  atMs: number;
}

/** A running job is stopped to make room; it goes back to its queue. */
export interface PreemptDecision {
  /** Discriminant. */
  type: 'preempt';
  /** The victim. */
  jobId: string;
  /** The job the room was made for. */
  forJobId: string;
  /** Why this victim was chosen (`priority`, `reclaim`, `borrow-within-cohort`, `attained-service`). */
  reason: string;
  /** Time of the decision, ms. */
  atMs: number;
}

/** A job will never be placed (it cannot fit in this cluster, or the cluster shrank under it). */
export interface RejectDecision {
  /** Discriminant. */
  type: 'reject';
  /** Job id. */
  jobId: string;
  /** Stable reason code: `NO_ELIGIBLE_NODE`, `GANG_LARGER_THAN_CLUSTER`, `EXCEEDS_QUOTA_LIMIT`, `PENDING_TIMEOUT`. */
  code: RejectCode;
  /** What is wrong and what to do about it. */
  reason: string;
  /** Time of the decision, ms. */
  atMs: number;
}

/**
 * Reasons for which a job is rejected: it can never fit the present nodes nor any node pool
 * (`NO_ELIGIBLE_NODE`, `GANG_LARGER_THAN_CLUSTER`), nor its queue's quota ceiling
 * (`EXCEEDS_QUOTA_LIMIT`), or it waited longer than its `maxPendingMs` (`PENDING_TIMEOUT`).
 */
export type RejectCode = 'NO_ELIGIBLE_NODE' | 'GANG_LARGER_THAN_CLUSTER' | 'EXCEEDS_QUOTA_LIMIT' | 'PENDING_TIMEOUT';

/** A decision returned by `schedule`. */
export type Decision = BindDecision | PreemptDecision | RejectDecision;

/** Result of `submit`. */
export type SubmitResult = { status: 'queued'; jobId: string } | { status: 'rejected'; jobId: string; code: RejectCode; reason: string };

/** A change to the cluster. */
export type NodeEvent =
  | { type: 'add'; node: NodeSpec; atMs?: number }
  | { type: 'remove'; nodeId: string; atMs?: number }
  | { type: 'cordon'; nodeId: string; atMs?: number }
  | { type: 'uncordon'; nodeId: string; atMs?: number }
  /** A spot node is reclaimed by the provider: its jobs are requeued and the node removed. */
  | { type: 'spot-interruption'; nodeId: string; atMs?: number };

/** What a node event did to running jobs. */
export interface NodeEventResult {
  /** Jobs stopped and put back in their queue (from checkpoint when checkpointable). */
  requeuedJobIds: string[];
}

/** State of one job as seen by `snapshot` / `job`. */
export interface JobStatus {
  /** Job id. */
  id: string;
  /** Queue id. */
  queue: string;
  /** Lifecycle state; a preempted or interrupted job is `queued` again. */
  state: 'queued' | 'running' | 'completed' | 'cancelled' | 'rejected';
  /** Priority as submitted. */
  priority: number;
  /** Total GPUs the job holds when running (fractions for shared GPUs). */
  gpus: number;
  /** Where it runs, when running. */
  placements: WorkerPlacement[];
  /** Submit time, ms. */
  submitMs: number;
  /** First start time, when it has started. */
  firstStartMs: number | undefined;
  /** Current run start time, when running. */
  startMs: number | undefined;
  /** GPU-milliseconds of service received so far (Tiresias' attained service), progress kept across preemptions. */
  attainedGpuMs: number;
  /** Run time credited towards completion (kept on preemption only if checkpointable), ms. */
  progressMs: number;
  /** Times the job was preempted or interrupted. */
  preemptions: number;
}

/** Queue usage in `snapshot`. */
export interface QueueStatus {
  /** Queue id. */
  id: string;
  /** Cohort, if any. */
  cohort: string | undefined;
  /** GPUs in use per quota key (`'*'` or model). */
  usedGpus: Record<string, number>;
  /** GPUs above nominal quota, per key. */
  borrowedGpus: Record<string, number>;
  /** Jobs waiting. */
  pendingJobs: number;
  /** Jobs running. */
  runningJobs: number;
  /** Weighted dominant resource share (for fair share). */
  weightedShare: number;
}

/** Node usage in `snapshot`. */
export interface NodeStatus {
  /** Node id. */
  id: string;
  /** GPU model. */
  gpuModel: string;
  /** GPUs on the node. */
  gpuCount: number;
  /** Free thousandths per GPU. */
  gpuFreeMilli: number[];
  /** Free CPU, millicores (Infinity when the node did not declare CPU). */
  cpuFreeMilli: number;
  /** Free memory, MiB (Infinity when the node did not declare memory). */
  memoryFreeMiB: number;
  /** False when cordoned. */
  schedulable: boolean;
  /** Billing model. */
  pricing: PricingModel;
}

/** A consistent, plain-data view of the scheduler. */
export interface SchedulerSnapshot {
  /** Time of the snapshot, ms. */
  atMs: number;
  /** Every node in the cluster. */
  nodes: NodeStatus[];
  /** Every queue. */
  queues: QueueStatus[];
  /** Every job ever submitted, in submission order. */
  jobs: JobStatus[];
  /** Cluster-wide counters. */
  totals: {
    /** GPUs in the cluster. */
    gpus: number;
    /** GPUs allocated (fractions count). */
    allocatedGpus: number;
    /** Jobs waiting. */
    pendingJobs: number;
    /** Jobs running. */
    runningJobs: number;
  };
}
